package main

import (
	"io"
	"time"

	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

func checkRegistry(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := checkArgs{
		usage:    "Usage: teegate check registry --registry <path> [--events <path>] [--now-unix <seconds>]",
		required: []string{"--registry"},
		optional: []string{"--events"},
	}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	path := a.values["--registry"]
	data, err := strictjson.ReadFile(path)
	if err != nil {
		return a.fail(stderr, err)
	}
	reg, err := governance.DecodeRegistry(path, data, governance.Requirement{})
	if err != nil {
		return a.fail(stderr, err)
	}
	var log *governance.AuditLog
	if path, ok := a.values["--events"]; ok {
		data, err := strictjson.ReadFile(path)
		if err != nil {
			return a.fail(stderr, err)
		}
		if log, err = governance.DecodeAuditLog(path, data); err != nil {
			return a.fail(stderr, err)
		}
	}
	now, err := a.now(clock) // read only once both files loaded, as in the reference
	if err != nil {
		return a.fail(stderr, err)
	}
	return emit(stdout, stderr, governance.CheckRegistry(reg, log, now))
}
