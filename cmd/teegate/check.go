package main

import (
	"io"
	"time"

	"github.com/teegate/teegate/internal/strictjson"
)

// check describes one check subcommand: its flags, the documents it reads
// (in the reference's order: the first that fails to read or decode ends
// the run), and the decision it makes from them.
type check struct {
	usage    string
	required []string
	optional []string
	docs     []document
	decide   func(now uint64) result
	once     bool // refuse a flag given twice (checkArgs.once)
}

// document is one input file: the flag that names it and the decoder that
// keeps it for decide. An optional flag that is not given is skipped.
type document struct {
	flag   string
	decode func(path string, data []byte) error
}

// run is the life of every check: parse the arguments, read and decode the
// documents, read the clock only then, decide and print.
func (c check) run(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := checkArgs{usage: c.usage, required: c.required, optional: c.optional, once: c.once}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	for _, d := range c.docs {
		path, given := a.values[d.flag]
		if !given {
			continue
		}
		data, err := strictjson.ReadFile(path)
		if err == nil {
			err = d.decode(path, data)
		}
		if err != nil {
			return a.fail(stderr, err)
		}
	}
	now, err := a.now(clock)
	if err != nil {
		return a.fail(stderr, err)
	}
	return emit(stdout, stderr, c.decide(now))
}
