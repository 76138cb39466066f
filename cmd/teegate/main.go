// Command teegate decides, from governed and signed artifacts, whether a
// threshold signer may join a signing session, and explains every refusal
// with a stable reason code.
//
// Usage:
//
//	teegate check registry --registry P [--events P] [--now-unix N]
//	teegate check token --registry P --keyset P --token P --revocation-registry P [--now-unix N]
//	teegate check runtime --registry P --session P [--now-unix N]
//	teegate check enforcement --registry P --context P [--now-unix N]
//	teegate gate --registry P --keyset P --revocation-registry P --session P [--stale-denylist mode|reject] [--now-unix N]
//	teegate keygen [--from P] --out P
//	teegate token sign --payload P --key P --key-id ID
//	teegate token assemble --payload P --signature P...
//	teegate serve --registry P --keyset P --revocation-registry P [flags]
//	teegate attest verify|sign|measure|collect [flags]
//	teegate help
//
// teegate help prints every command with all its flags.
//
// A check or the gate prints its decision to stdout as one JSON object. The
// exit code is 0 when the decision admits (allow or allow_with_warnings), 1
// when it rejects, and 2 for a usage or input error, which is explained on
// stderr and produces no decision. keygen prints the new key's public key,
// token sign a signature entry and token assemble the token, each exiting 0,
// or 2 with the reason on stderr.
//
// This binary links only what the checks, the gate and the issuing
// commands need, so that a check costs little more than starting Go.
// teegate serve and teegate attest run teegate-serve, installed beside it,
// in its place.
package main

import (
	"os"
	"time"

	"github.com/teegate/teegate/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr, time.Now, map[string]cli.Command{
		"serve":  cli.Delegate(cli.ServeBinary, "serve"),
		"attest": cli.Delegate(cli.ServeBinary, "attest"),
	}))
}
