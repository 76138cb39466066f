package strictjson

import (
	"io"
	"os"
)

// ReadFile reads a whole input file, refusing one larger than MaxInputBytes
// before reading past the limit. A regular file is read into one buffer of
// its size: growing a buffer as the bytes come (io.ReadAll) copies a large
// file many times and was half of a check's time on a 9 MB registry.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ReadError(path, err)
	}
	defer f.Close()
	return ReadOpenFile(path, f)
}

// ReadOpenFile is ReadFile on a file already open, named path in errors.
// f is an *os.File, or a reader that answers Stat as one would.
func ReadOpenFile(path string, f interface {
	io.Reader
	Stat() (os.FileInfo, error)
}) ([]byte, error) {
	size := 512 // a pipe or a device: grown as it comes
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		if fi.Size() > MaxInputBytes {
			return nil, tooLarge(path)
		}
		size = int(fi.Size()) + 1 // one more, so that the read that finds the end needs no growth
	}
	data := make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):min(cap(data), MaxInputBytes+1)])
		data = data[:len(data)+n]
		if len(data) > MaxInputBytes {
			return nil, tooLarge(path)
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, ReadError(path, err)
		}
	}
}
