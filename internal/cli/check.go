package cli

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/teegate/teegate/governance"
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
	// Settings, if set, reads the flags that are not documents (Optional
	// flags no Document names) before any document is read; an error is a
	// usage error.
	Settings func(values map[string]string) error
	// Validate, if set, checks the documents against one another once all
	// are decoded (the members of a policy version the registry does not
	// have); an error is an input error.
	Validate func() error
}

// Document is one input file: the flag that names it and the decoder that
// keeps it for Decide, which takes either the whole file (Decode) or reads
// it (Stream). Stream suits the documents that grow large (registries,
// event logs, sessions): the file is never whole in memory. An optional
// flag that is not given is skipped.
type Document struct {
	Flag   string
	Decode func(path string, data []byte) error
	Stream func(path string, r io.Reader) error
}

// Whole is a Document decoded from the whole file.
func Whole(flag string, decode func(path string, data []byte) error) Document {
	return Document{Flag: flag, Decode: decode}
}

// Streamed is a Document decoded as it is read.
func Streamed(flag string, stream func(path string, r io.Reader) error) Document {
	return Document{Flag: flag, Stream: stream}
}

// from gives the open file f, named path, to the document's decoder.
func (d Document) from(path string, f *os.File) error {
	if d.Stream != nil {
		return d.Stream(path, f)
	}
	data, err := strictjson.ReadOpenFile(path, f)
	if err != nil {
		return err
	}
	return d.Decode(path, data)
}

// Run is the life of every check: parse the arguments, read and decode the
// documents, read the clock only then, decide and print.
func (c Check) Run(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := Args{Usage: c.Usage, Required: c.Required, Optional: c.Optional, Once: c.Once}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	if c.Settings != nil {
		if err := c.Settings(a.Values); err != nil {
			return a.Fail(stderr, err)
		}
	}
	if err := c.load(a.Values); err != nil {
		return a.Fail(stderr, err)
	}
	if c.Validate != nil {
		if err := c.Validate(); err != nil {
			return a.Fail(stderr, err)
		}
	}
	now, err := a.Now(clock)
	if err != nil {
		return a.Fail(stderr, err)
	}
	return Emit(stdout, stderr, c.Decide(now))
}

// concurrentBytes is the size from which a document is read and decoded
// beside the others, on a core of its own: below it, starting a thread
// costs more than it saves.
const concurrentBytes = 1 << 20

// load reads and decodes the documents given, and returns the error of the
// first, in the reference's order, that fails: the same error whatever
// runs concurrently. Large regular files are loaded concurrently (they are
// independent, and a regular file cannot block); the rest are loaded in
// order, and none after one that fails.
func (c Check) load(values map[string]string) error {
	errs := make([]error, len(c.Docs))
	done := make([]chan struct{}, len(c.Docs)) // closed when a concurrent load ends
	defer func() {
		for _, ch := range done {
			if ch != nil {
				<-ch
			}
		}
	}()
	for i, d := range c.Docs {
		path, given := values[d.Flag]
		if !given {
			continue
		}
		if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() || fi.Size() < concurrentBytes {
			continue
		}
		done[i] = make(chan struct{})
		go func() {
			defer close(done[i])
			errs[i] = loadRegularFile(d, path)
		}()
	}
	for i, d := range c.Docs {
		path, given := values[d.Flag]
		switch {
		case !given:
			continue
		case done[i] != nil:
			<-done[i]
		default:
			errs[i] = loadDocument(d, path)
		}
		if errs[i] != nil {
			return errs[i]
		}
	}
	return nil
}

// errNoLongerRegular is the cause of a read error for a path that named a
// regular file when it was looked at and something else when it was read.
var errNoLongerRegular = errors.New("it was replaced while being read: no longer a regular file")

// loadRegularFile is loadDocument for a path that named a regular file. It
// opens the path without blocking and checks that it still does: a FIFO
// put in its place must fail the check, not hang it.
func loadRegularFile(d Document, path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return strictjson.ReadError(path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return strictjson.ReadError(path, errNoLongerRegular)
	}
	return d.from(path, f)
}

func loadDocument(d Document, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return strictjson.ReadError(path, err)
	}
	defer f.Close()
	return d.from(path, f)
}

// identified are the documents of a check besides the registry, each with
// the path that names it, whose identifiers a policy 2 registry requires
// to match the profile (governance.Registry.CheckIdentifiers).
type identified []struct {
	path string
	doc  any
}

func (ids *identified) add(path string, doc any) {
	*ids = append(*ids, struct {
		path string
		doc  any
	}{path, doc})
}

// check returns the first document's refusal, in the order they were
// given.
func (ids identified) check(reg *governance.Registry) error {
	for _, d := range ids {
		if err := reg.CheckIdentifiers(d.path, d.doc); err != nil {
			return err
		}
	}
	return nil
}
