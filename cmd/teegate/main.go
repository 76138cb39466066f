// Command teegate decides, from governed and signed artifacts, whether a
// threshold signer may join a signing session, and explains every refusal
// with a stable reason code.
//
// Usage:
//
//	teegate check registry --registry P [--events P] [--now-unix N]
//
// A decision is printed to stdout as one JSON object. The exit code is 0
// when the decision admits, 1 when it rejects, and 2 for a usage or input
// error, which is explained on stderr and produces no decision.
package main

import (
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"
)

// Exit codes of every subcommand, as in the reference checkers.
const (
	exitAllow  = 0
	exitReject = 1
	exitError  = 2
)

const usage = `teegate: admission decisions for TEE-hardened threshold signers

Usage:
  teegate check registry --registry <path> [--events <path>] [--now-unix <seconds>]
  teegate check token --registry <path> --keyset <path> --token <path>
                      --revocation-registry <path> [--now-unix <seconds>]
  teegate check runtime --registry <path> --session <path> [--now-unix <seconds>]
  teegate check enforcement --registry <path> --context <path> [--now-unix <seconds>]
  teegate gate --registry <path> --keyset <path> --revocation-registry <path>
               --session <path> [--now-unix <seconds>]
  teegate serve --registry <path> --keyset <path> --revocation-registry <path>
                [--listen <host:port>] [--decision-log <path>|-]
                [--decision-log-timeout <duration>] [--reload-interval <duration>]
                [--max-concurrent <n>] [--max-signers <n>]
                [--decision-timeout <duration>] [--drain-delay <duration>]
                [--request-documents refuse|allow]
                [--attest-policy <path> --attest-key <path>
                 --attest-key-id <id>] [--now-unix <seconds>]
  teegate keygen --out <path>
  teegate token sign --payload <path> --key <path> --key-id <id>
  teegate token assemble --payload <path> --signature <path>...
  teegate attest verify --evidence <path> --payload <path> --policy <path>
                        --registry <path> [--now-unix <seconds>]
  teegate attest sign --evidence <path> --payload <path> --policy <path>
                      --registry <path> --key <path> --key-id <id>
                      [--now-unix <seconds>]
  teegate attest measure --evidence <path>
  teegate attest collect --payload <path> --tee <sev-snp|tdx> --out <path>
                         [--collateral <path>]
  teegate help

A check prints one JSON decision on stdout and exits 0 (allow, or
allow_with_warnings), 1 (reject) or 2 (usage or input error, explained on
stderr). serve answers the gate and the checks over HTTP (docs/serve.md)
until SIGINT or SIGTERM, and reloads its documents on SIGHUP. keygen
prints the new key's public key; token sign prints a signature entry and
token assemble the token artifact, each exiting 0, or 2 with the reason on
stderr. attest verify checks TEE evidence for a payload and prints a
decision; attest sign prints the signature entry only when it allows, and
the decision (exit 1) otherwise; attest measure prints the measurement
digest of the evidence's code; attest collect, run in a signer's guest,
writes the evidence bundle for a payload (docs/attestation.md).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, time.Now))
}

// run is the whole program, with its streams and clock passed in so that
// tests can drive it.
func run(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	for _, a := range args {
		if !utf8.ValidString(a) {
			// The reference panics here (exit 101); a path or flag that is
			// not text is refused as a usage error instead.
			fmt.Fprintf(stderr, "teegate: argument %q is not valid UTF-8\n", a)
			return exitError
		}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitAllow
	case "keygen":
		return keygen(args[1:], stdout, stderr)
	case "token":
		return token(args[1:], stdout, stderr)
	case "attest":
		return attestCommand(args[1:], stdout, stderr, clock)
	case "gate":
		return gateCommand(args[1:], stdout, stderr, clock)
	case "serve":
		return serve(args[1:], stdout, stderr, clock)
	case "check":
		if len(args) < 2 {
			fmt.Fprintf(stderr, "teegate check: missing the layer to check\n\n%s", usage)
			return exitError
		}
		layer, ok := checks[args[1]]
		if !ok {
			fmt.Fprintf(stderr, "teegate check: unknown check %q\n\n%s", args[1], usage)
			return exitError
		}
		return layer(args[2:], stdout, stderr, clock)
	default:
		fmt.Fprintf(stderr, "teegate: unknown command %q\n\n%s", args[0], usage)
		return exitError
	}
}

// checks are the reference checkers' replacements, by layer.
var checks = map[string]func(args []string, stdout, stderr io.Writer, clock func() time.Time) int{
	"registry":    checkRegistry,
	"token":       checkToken,
	"runtime":     checkRuntime,
	"enforcement": checkEnforcement,
}
