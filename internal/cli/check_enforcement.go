package cli

import (
	"io"
	"time"

	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
)

func checkEnforcement(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	var (
		reg *governance.Registry
		ctx *enforce.Context
		log *governance.AuditLog
	)
	return Check{
		Usage:    "Usage: teegate check enforcement --registry <path> --context <path> [--events <path>] [--now-unix <seconds>]",
		Required: []string{"--registry", "--context"},
		Optional: []string{"--events"}, // read under policy 2: the break-glass history
		Docs: []Document{
			Streamed("--registry", func(p string, r io.Reader) (err error) {
				reg, err = governance.ReadRegistry(p, r, enforce.RegistryMembers)
				return
			}),
			Whole("--context", func(p string, d []byte) (err error) { ctx, err = enforce.DecodeContext(p, d); return }),
			Streamed("--events", func(p string, r io.Reader) (err error) {
				log, err = governance.ReadAuditLog(p, r)
				return
			}),
		},
		Validate: func(paths map[string]string) error {
			if err := enforce.ValidateContext(paths["--context"], reg, ctx); err != nil {
				return err
			}
			return checkIdentifiers(reg, named{paths["--events"], log})
		},
		Decide: func(now uint64) Result {
			d, _ := enforce.Evaluate(reg, log, ctx, now)
			return d
		},
	}.Run(args, stdout, stderr, clock)
}
