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
	)
	return Check{
		Usage:    "Usage: teegate check enforcement --registry <path> --context <path> [--now-unix <seconds>]",
		Required: []string{"--registry", "--context"},
		Docs: []Document{
			Streamed("--registry", func(p string, r io.Reader) (err error) {
				reg, err = governance.ReadRegistry(p, r, enforce.RegistryMembers)
				return
			}),
			Whole("--context", func(p string, d []byte) (err error) { ctx, err = enforce.DecodeContext(p, d); return }),
		},
		Decide: func(now uint64) Result { return enforce.CheckEnforcement(reg, ctx, now) },
	}.Run(args, stdout, stderr, clock)
}
