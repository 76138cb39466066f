package cli

import (
	"errors"
	"io"
	"os"
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
	// paths are the documents' paths by flag, "" for one not given.
	Validate func(paths map[string]string) error
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
func (d Document) from(path string, f input) error {
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
		if err := c.Validate(a.Values); err != nil {
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
// runs concurrently. Large regular files are loaded concurrently from the
// start, each on a core of its own (their decoders share nothing: each
// keeps its own document), and opened without waiting; the rest are
// loaded in order, and none of them is opened after one that fails, so
// that a FIFO given after a failing document is never waited on. A failure
// is reported once the concurrent loads have ended: a large document
// still being decoded then delays it, as far as its size allows.
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
			errs[i] = loadDocument(d, path, true)
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
			errs[i] = loadDocument(d, path, false)
		}
		if errs[i] != nil {
			return errs[i]
		}
	}
	return nil
}

// loadDocument opens path and gives it to the document's decoder. regular
// is for a path looked at as a regular file and loaded concurrently:
// anything else in its place is refused, without waiting (openInput).
func loadDocument(d Document, path string, regular bool) error {
	f, err := openInput(path, regular)
	if err != nil {
		return err
	}
	defer f.Close()
	return d.from(path, f)
}

// errNoLongerRegular is the cause of a read error for a path that named a
// regular file when it was looked at and something else when it was
// opened.
var errNoLongerRegular = errors.New("it was replaced after it was looked at: no longer a regular file")

// input is an open input file whose Stat answers from the look openInput
// took, so that the readers that size their buffers by it do not ask the
// kernel again. It has only the methods the readers use: the readers ask
// for them through interfaces, and the runtime matches an interface
// against every method of the type the first time (an embedded *os.File
// would bring all of its own).
type input struct {
	f    *os.File
	info os.FileInfo // nil if fstat failed: the readers then read without a size
}

func (in input) Read(p []byte) (int, error) { return in.f.Read(p) }

func (in input) Seek(offset int64, whence int) (int64, error) { return in.f.Seek(offset, whence) }

func (in input) Stat() (os.FileInfo, error) {
	if in.info == nil {
		return nil, errNoInfo
	}
	return in.info, nil
}

func (in input) Close() error { return in.f.Close() }

var errNoInfo = errors.New("no file information")

// openInput opens path as os.Open does, but on Unix as a file the
// runtime's network poller never sees (openFile). With regularOnly, for a
// path looked at as a regular file, the open does not wait and anything
// but a regular file in its place is refused: a FIFO put there must fail
// the check, not hang it.
func openInput(path string, regularOnly bool) (input, error) {
	f, err := openFile(path, regularOnly)
	if err != nil {
		return input{}, strictjson.ReadError(path, err)
	}
	in := input{f: f}
	if fi, err := f.Stat(); err == nil {
		in.info = fi
	}
	if regularOnly && (in.info == nil || !in.info.Mode().IsRegular()) {
		in.Close()
		return input{}, strictjson.ReadError(path, errNoLongerRegular)
	}
	return in, nil
}

// named is a decoded document with the path that named it; the zero
// value is a document that was not given.
type named struct {
	path string
	doc  any
}

// checkIdentifiers returns the refusal of the first of docs, in the order
// given, whose identifiers a policy 2 registry refuses
// (governance.Registry.CheckIdentifiers); a document not given is skipped.
// Each decoder keeps its own document and Validate lists them once every
// load has ended, so that documents decoded concurrently (Check.load)
// write nothing in common.
func checkIdentifiers(reg *governance.Registry, docs ...named) error {
	for _, d := range docs {
		if d.path == "" {
			continue
		}
		if err := reg.CheckIdentifiers(d.path, d.doc); err != nil {
			return err
		}
	}
	return nil
}
