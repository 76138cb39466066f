//go:build unix

package cli

import (
	"os"
	"syscall"
)

// openFile opens path for reading as a file the runtime's network poller
// never sees. A check reads a few files once; os.Open would set the
// poller up for them (epoll and eventfd, a failed registration per regular
// file and two fcntl calls to undo it): a dozen system calls and the
// poller's memory, for nothing. A blocking descriptor given to os.NewFile
// is not pollable (NewFile asks the kernel for its flags once); a FIFO
// given as a document then blocks a thread, not the program.
//
// nonblocking opens without waiting, for a FIFO in a regular file's
// place; the flag is cleared before os.NewFile sees the descriptor.
func openFile(path string, nonblocking bool) (*os.File, error) {
	flags := syscall.O_RDONLY | syscall.O_CLOEXEC
	if nonblocking {
		flags |= syscall.O_NONBLOCK
	}
	var fd int
	var err error
	for {
		if fd, err = syscall.Open(path, flags, 0); err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if nonblocking {
		if err := syscall.SetNonblock(fd, false); err != nil {
			syscall.Close(fd)
			return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
		}
	}
	return os.NewFile(uintptr(fd), path), nil
}
