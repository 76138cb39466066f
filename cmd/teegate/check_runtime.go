package main

import (
	"io"
	"time"

	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/governance"
)

func checkRuntime(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	var (
		reg     *governance.Registry
		session *cohort.Session
	)
	return check{
		usage:    "Usage: teegate check runtime --registry <path> --session <path> [--now-unix <seconds>]",
		required: []string{"--registry", "--session"},
		docs: []document{
			{"--registry", func(p string, d []byte) (err error) {
				reg, err = governance.DecodeRegistry(p, d, cohort.RegistryMembers)
				return
			}},
			{"--session", func(p string, d []byte) (err error) { session, err = cohort.DecodeSession(p, d); return }},
		},
		decide: func(now uint64) result { return cohort.CheckRuntime(reg, session, now) },
	}.run(args, stdout, stderr, clock)
}
