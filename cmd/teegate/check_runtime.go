package main

import (
	"io"
	"time"

	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

func checkRuntime(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := checkArgs{
		usage:    "Usage: teegate check runtime --registry <path> --session <path> [--now-unix <seconds>]",
		required: []string{"--registry", "--session"},
	}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	path := a.values["--registry"]
	data, err := strictjson.ReadFile(path)
	if err != nil {
		return a.fail(stderr, err)
	}
	reg, err := governance.DecodeRegistry(path, data, cohort.RegistryMembers)
	if err != nil {
		return a.fail(stderr, err)
	}
	path = a.values["--session"]
	if data, err = strictjson.ReadFile(path); err != nil {
		return a.fail(stderr, err)
	}
	session, err := cohort.DecodeSession(path, data)
	if err != nil {
		return a.fail(stderr, err)
	}
	now, err := a.now(clock)
	if err != nil {
		return a.fail(stderr, err)
	}
	return emit(stdout, stderr, cohort.CheckRuntime(reg, session, now))
}
