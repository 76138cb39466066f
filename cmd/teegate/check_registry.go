package main

import (
	"io"
	"time"

	"github.com/teegate/teegate/governance"
)

func checkRegistry(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	var (
		reg *governance.Registry
		log *governance.AuditLog // nil without --events: no event checks
	)
	return check{
		usage:    "Usage: teegate check registry --registry <path> [--events <path>] [--now-unix <seconds>]",
		required: []string{"--registry"},
		optional: []string{"--events"},
		docs: []document{
			{"--registry", func(p string, d []byte) (err error) {
				reg, err = governance.DecodeRegistry(p, d, governance.Requirement{})
				return
			}},
			{"--events", func(p string, d []byte) (err error) { log, err = governance.DecodeAuditLog(p, d); return }},
		},
		decide: func(now uint64) result { return governance.CheckRegistry(reg, log, now) },
	}.run(args, stdout, stderr, clock)
}
