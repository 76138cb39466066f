package cli

import (
	"io"
	"time"

	"github.com/teegate/teegate/internal/strictjson"
)

// Check describes one check subcommand: its flags, the documents it reads
// (in the reference's order: the first that fails to read or decode ends
// the run), and the decision it makes from them.
type Check struct {
	Usage    string
	Required []string
	Optional []string
	Docs     []Document
	Decide   func(now uint64) Result
	Once     bool // refuse a flag given twice (Args.Once)
}

// Document is one input file: the flag that names it and the decoder that
// keeps it for Decide. An optional flag that is not given is skipped.
type Document struct {
	Flag   string
	Decode func(path string, data []byte) error
}

// Run is the life of every check: parse the arguments, read and decode the
// documents, read the clock only then, decide and print.
func (c Check) Run(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := Args{Usage: c.Usage, Required: c.Required, Optional: c.Optional, Once: c.Once}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	for _, d := range c.Docs {
		path, given := a.Values[d.Flag]
		if !given {
			continue
		}
		data, err := strictjson.ReadFile(path)
		if err == nil {
			err = d.Decode(path, data)
		}
		if err != nil {
			return a.Fail(stderr, err)
		}
	}
	now, err := a.Now(clock)
	if err != nil {
		return a.Fail(stderr, err)
	}
	return Emit(stdout, stderr, c.Decide(now))
}
