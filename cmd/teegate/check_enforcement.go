package main

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
	return check{
		usage:    "Usage: teegate check enforcement --registry <path> --context <path> [--now-unix <seconds>]",
		required: []string{"--registry", "--context"},
		docs: []document{
			{"--registry", func(p string, d []byte) (err error) {
				reg, err = governance.DecodeRegistry(p, d, enforce.RegistryMembers)
				return
			}},
			{"--context", func(p string, d []byte) (err error) { ctx, err = enforce.DecodeContext(p, d); return }},
		},
		decide: func(now uint64) result { return enforce.CheckEnforcement(reg, ctx, now) },
	}.run(args, stdout, stderr, clock)
}
