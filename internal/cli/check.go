package cli

import (
	"errors"
	"io"
	"os"
	"sync"
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

// load reads and decodes the documents given, in the reference's order,
// and returns the error of the first that fails: the same error whatever
// runs concurrently. Each is opened in turn and looked at once open (so
// what is decoded is what was looked at); a large regular file is decoded
// beside the documents after it, which are independent of it, and the
// rest in turn. No document is opened after one that fails.
func (c Check) load(values map[string]string) error {
	errs := make([]error, len(c.Docs))
	var wg sync.WaitGroup
	for i, d := range c.Docs {
		path, given := values[d.Flag]
		if !given {
			continue
		}
		f, err := openInput(path)
		if err != nil {
			errs[i] = err
			break
		}
		if f.info != nil && f.info.Mode().IsRegular() && f.info.Size() >= concurrentBytes {
			wg.Go(func() {
				defer f.Close()
				errs[i] = d.from(path, f)
			})
			continue
		}
		errs[i] = d.from(path, f)
		f.Close()
		if errs[i] != nil {
			break
		}
	}
	wg.Wait()
	return firstError(errs)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

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

// openInput opens path as os.Open does, but as a file that is never
// registered with the runtime's network poller: a check reads a few files
// once, and os.Open would start the poller for them (epoll and eventfd
// set up, and per file a registration that fails for a regular file and
// two fcntl calls), system calls that cost a check's process about a tenth
// of a millisecond for nothing. A descriptor opened in blocking mode and
// given to os.NewFile is not pollable; a FIFO given as a document then
// blocks a thread, not the program.
func openInput(path string) (input, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return input{}, strictjson.ReadError(path, &os.PathError{Op: "open", Path: path, Err: err})
		}
		f := input{f: os.NewFile(uintptr(fd), path)}
		if fi, err := f.f.Stat(); err == nil {
			f.info = fi
		}
		return f, nil
	}
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
