package cli

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
	return Check{
		Usage:    "Usage: teegate check runtime --registry <path> --session <path> [--now-unix <seconds>]",
		Required: []string{"--registry", "--session"},
		Docs: []Document{
			Streamed("--registry", func(p string, r io.Reader) (err error) {
				reg, err = governance.ReadRegistry(p, r, cohort.RegistryMembers)
				return
			}),
			Streamed("--session", func(p string, r io.Reader) (err error) { session, err = cohort.ReadSession(p, r); return }),
		},
		Validate: func(paths map[string]string) error {
			return cohort.ValidateRuntimeSession(paths["--session"], reg, session)
		},
		Decide: func(now uint64) Result { return cohort.CheckRuntime(reg, session, now) },
	}.Run(args, stdout, stderr, clock)
}
