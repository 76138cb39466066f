//go:build !unix

package cli

import "os"

// openFile is os.Open where there are no FIFOs to wait on and no poller
// to keep files from.
func openFile(path string, _ bool) (*os.File, error) { return os.Open(path) }
