// Command teegate-serve holds teegate serve, the decision service, and
// teegate attest, the attestation verifier's commands: the commands that
// link the HTTP and metrics stacks and the TEE evidence libraries. teegate
// runs it in its own place for those two commands; run directly, it takes
// every teegate command.
//
// Usage:
//
//	teegate-serve serve --registry P --keyset P --revocation-registry P [...]
//	teegate-serve attest verify|sign|measure|collect [...]
package main

import (
	"os"
	"time"

	"github.com/teegate/teegate/internal/cli"
)

// commands are this binary's own, beside the ones of package cli.
var commands = map[string]cli.Command{"serve": serve, "attest": attestCommand}

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr, time.Now, commands))
}
