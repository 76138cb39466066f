package main

import (
	"io"
	"time"

	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

func checkEnforcement(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := checkArgs{
		usage:    "Usage: teegate check enforcement --registry <path> --context <path> [--now-unix <seconds>]",
		required: []string{"--registry", "--context"},
	}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	path := a.values["--registry"]
	data, err := strictjson.ReadFile(path)
	if err != nil {
		return a.fail(stderr, err)
	}
	reg, err := governance.DecodeRegistry(path, data, enforce.RegistryMembers)
	if err != nil {
		return a.fail(stderr, err)
	}
	path = a.values["--context"]
	if data, err = strictjson.ReadFile(path); err != nil {
		return a.fail(stderr, err)
	}
	ctx, err := enforce.DecodeContext(path, data)
	if err != nil {
		return a.fail(stderr, err)
	}
	now, err := a.now(clock)
	if err != nil {
		return a.fail(stderr, err)
	}
	return emit(stdout, stderr, enforce.CheckEnforcement(reg, ctx, now))
}
