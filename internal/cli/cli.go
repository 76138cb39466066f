// Package cli is the teegate command line: the checks, the session gate,
// keygen and the issuing commands, with the argument rules, input reading
// and output they share.
//
// It holds every command whose code is light to start. teegate serve and
// teegate attest link the HTTP and metrics stacks and the TEE evidence
// libraries, whose package initialisation alone costs more than a whole
// check; they live in the teegate-serve binary (cmd/teegate-serve), which
// adds them to Run, and the teegate binary hands them over to it with
// Delegate. Users type teegate serve, as before.
package cli

import (
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// Exit codes of every subcommand, as in the reference checkers.
const (
	ExitAllow  = 0
	ExitReject = 1
	ExitError  = 2
)

const usage = `teegate: admission decisions for TEE-hardened threshold signers

Usage:
  teegate check registry --registry <path> [--events <path>] [--now-unix <seconds>]
  teegate check token --registry <path> --keyset <path> --token <path>
                      --revocation-registry <path> [--now-unix <seconds>]
  teegate check runtime --registry <path> --session <path> [--now-unix <seconds>]
  teegate check enforcement --registry <path> --context <path> [--events <path>]
                            [--now-unix <seconds>]
  teegate gate --registry <path> --keyset <path> --revocation-registry <path>
               --session <path> [--events <path>] [--stale-denylist mode|reject]
               [--now-unix <seconds>]
  teegate serve --registry <path> --keyset <path> --revocation-registry <path>
                [--listen <host:port>] [--decision-log <path>|-]
                [--decision-log-timeout <duration>] [--reload-interval <duration>]
                [--max-concurrent <n>] [--max-signers <n>]
                [--decision-timeout <duration>] [--drain-delay <duration>]
                [--request-documents refuse|allow] [--events <path>]
                [--attest-policy <path> --attest-key <path>
                 --attest-key-id <id>] [--now-unix <seconds>]
  teegate keygen [--from <path>] --out <path>
  teegate token sign --payload <path> --key <path> --key-id <id>
  teegate token assemble --payload <path> --signature <path>...
  teegate grant sign --grant <path> --key <path> --approver-id <id>
  teegate grant assemble --grant <path> --signature <path>...
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
token assemble the token artifact, grant sign and grant assemble the
same for a governance grant (policy 2, docs/policy-v2.md), each exiting 0, or 2 with the reason on
stderr. attest verify checks TEE evidence for a payload and prints a
decision; attest sign prints the signature entry only when it allows, and
the decision (exit 1) otherwise; attest measure prints the measurement
digest of the evidence's code; attest collect, run in a signer's guest,
writes the evidence bundle for a payload (docs/attestation.md).
`

// Command is a subcommand: its arguments (after its name), its streams
// and its clock; it returns the exit code.
type Command func(args []string, stdout, stderr io.Writer, clock func() time.Time) int

// Run is the whole program, with its streams and clock passed in so that
// tests can drive it. heavy holds serve and attest, the commands this
// package does not implement: the binary's own, or Delegate's hand-over.
func Run(args []string, stdout, stderr io.Writer, clock func() time.Time, heavy map[string]Command) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitError
	}
	for _, a := range args {
		if !utf8.ValidString(a) {
			// The reference panics here (exit 101); a path or flag that is
			// not text is refused as a usage error instead.
			fmt.Fprintf(stderr, "teegate: argument %q is not valid UTF-8\n", a)
			return ExitError
		}
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return ExitAllow
	case "keygen":
		return keygen(args[1:], stdout, stderr)
	case "token":
		return token(args[1:], stdout, stderr)
	case "grant":
		return grantCommand(args[1:], stdout, stderr)
	case "gate":
		return gateCommand(args[1:], stdout, stderr, clock)
	case "serve", "attest":
		cmd, ok := heavy[args[0]]
		if !ok {
			fmt.Fprintf(stderr, "teegate: %s is not in this binary\n", args[0])
			return ExitError
		}
		return cmd(args[1:], stdout, stderr, clock)
	case "check":
		if len(args) < 2 {
			fmt.Fprintf(stderr, "teegate check: missing the layer to check\n\n%s", usage)
			return ExitError
		}
		layer, ok := checks[args[1]]
		if !ok {
			fmt.Fprintf(stderr, "teegate check: unknown check %q\n\n%s", args[1], usage)
			return ExitError
		}
		return layer(args[2:], stdout, stderr, clock)
	default:
		fmt.Fprintf(stderr, "teegate: unknown command %q\n\n%s", args[0], usage)
		return ExitError
	}
}

// checks are the reference checkers' replacements, by layer.
var checks = map[string]func(args []string, stdout, stderr io.Writer, clock func() time.Time) int{
	"registry":    checkRegistry,
	"token":       checkToken,
	"runtime":     checkRuntime,
	"enforcement": checkEnforcement,
}
