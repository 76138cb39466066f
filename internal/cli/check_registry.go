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
			Streamed("--registry", func(p string, r io.Reader) (err error) {
				reg, err = governance.ReadRegistry(p, r, governance.Requirement{})
				return
			}),
			Streamed("--events", func(p string, r io.Reader) (err error) {
				log, err = governance.ReadAuditLog(p, r)
				return
			}),
		},
		Validate: func(paths map[string]string) error { return checkIdentifiers(reg, named{paths["--events"], log}) },
		Decide:   func(now uint64) Result { return governance.CheckRegistry(reg, log, now) },
	}.Run(args, stdout, stderr, clock)
}
