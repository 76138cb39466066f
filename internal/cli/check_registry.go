package cli

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
	return Check{
		Usage:    "Usage: teegate check registry --registry <path> [--events <path>] [--now-unix <seconds>]",
		Required: []string{"--registry"},
		Optional: []string{"--events"},
		Docs: []Document{
			{"--registry", func(p string, d []byte) (err error) {
				reg, err = governance.DecodeRegistry(p, d, governance.Requirement{})
				return
			}},
			{"--events", func(p string, d []byte) (err error) { log, err = governance.DecodeAuditLog(p, d); return }},
		},
		Decide: func(now uint64) Result { return governance.CheckRegistry(reg, log, now) },
	}.Run(args, stdout, stderr, clock)
}
