// Command teegate-gen writes large, valid input documents for measuring
// teegate check registry and teegate check runtime on big registries:
//
//	teegate-gen -operators 20000 -events 20000 -signers 2000 -seed 1 -out /tmp/big
//	teegate check registry --registry /tmp/big/registry.json --events /tmp/big/events.json --now-unix 1767225600
//	teegate check runtime --registry /tmp/big/registry.json --session /tmp/big/session.json --now-unix 1767225600
//
// It writes three files into the -out directory, which it creates if need
// be, and refuses to overwrite any of them:
//
//   - registry.json: a mandatory-profile registry of -operators operators,
//     onboarded between 2024-01-01 and 2025-12-17, in onboarding order,
//     spread over four TEE vendors (intel: tdx, sgx or both; amd: sev-snp;
//     arm: cca; aws: nitro) with release measurements per TEE type;
//   - events.json: -events audit events, oldest first, that explain the
//     registry: one add event per operator, then, from whatever the adds
//     leave over, suspensions and revocations (about 30 %, at most a tenth of
//     the operators and never a selected one), break-glass waivers as
//     activate/expire pairs within the rate limits (about 10 %, more where
//     the operators have too few releases to move to), and measurement
//     updates to later releases (the rest). Every registry operator needs
//     its add event, so -events is at least -operators; with -events equal
//     to -operators every event is an add and every operator is active;
//   - session.json: a layer C session at session start whose cohort is
//     -signers of the active operators, with threshold two thirds of the
//     cohort (the registry asks for threshold+1 signers), no vendor above
//     the registry's 40 % cap, a fresh token for each, and a denylist that
//     names the revoked and suspended operators.
//
// All three are a function of the flags alone: the same -seed gives the
// same bytes (math/rand/v2, PCG). Every document is checked as of
// 2026-01-01T00:00:00Z (--now-unix 1767225600), at which both checks allow.
// The documents are indented as the examples are; -compact writes them on
// one line each.
//
// Exit codes: 0 when the files are written, 2 for a flag error or a file
// that already exists (nothing is written then), 1 for any other failure.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/teegate/teegate/internal/gendocs"
	"github.com/teegate/teegate/internal/strictjson"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var (
		cfg gendocs.Config
		out string
	)
	flags := flag.NewFlagSet("teegate-gen", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: teegate-gen -operators N -events N -signers M [-seed S] [-compact] -out DIR")
		flags.PrintDefaults()
	}
	flags.IntVar(&cfg.Operators, "operators", 0, "operators in the registry")
	flags.IntVar(&cfg.Events, "events", 0, "audit events, at least one add per operator")
	flags.IntVar(&cfg.Signers, "signers", 0, "signers the session's cohort selects from the active operators")
	flags.Uint64Var(&cfg.Seed, "seed", 1, "seed of the generator: the same seed writes the same bytes")
	flags.StringVar(&out, "out", "", "directory to write registry.json, events.json and session.json into")
	flags.BoolVar(&cfg.Compact, "compact", false, "write compact JSON rather than indented")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() != 0 {
		fmt.Fprintf(stderr, "teegate-gen: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return 2
	}
	if out == "" {
		fmt.Fprintln(stderr, "teegate-gen: -out is required")
		flags.Usage()
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "teegate-gen: %v\n", err)
		flags.Usage()
		return 2
	}
	paths := make([]string, len(gendocs.Files))
	for i, name := range gendocs.Files {
		paths[i] = filepath.Join(out, name)
		switch _, err := os.Lstat(paths[i]); {
		case err == nil:
			fmt.Fprintf(stderr, "teegate-gen: %s already exists; refusing to overwrite it (nothing written)\n", paths[i])
			return 2
		case !errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(stderr, "teegate-gen: %v\n", err)
			return 1
		}
	}
	docs, summary, err := gendocs.Generate(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "teegate-gen: %v\n", err)
		return 2
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(stderr, "teegate-gen: %v\n", err)
		return 1
	}
	for i, data := range docs {
		if err := writeNew(paths[i], data); err != nil {
			fmt.Fprintf(stderr, "teegate-gen: %v\n", err)
			if errors.Is(err, fs.ErrExist) {
				return 2
			}
			return 1
		}
		fmt.Fprintf(stdout, "%s\t%d bytes\t%s\n", paths[i], len(data), summary[i])
		if len(data) > strictjson.MaxInputBytes {
			hint := "fewer events or operators"
			if !cfg.Compact {
				hint = "-compact, or " + hint
			}
			fmt.Fprintf(stderr, "teegate-gen: warning: %s is larger than teegate's %d-byte input limit, so teegate will refuse it (try %s)\n",
				paths[i], strictjson.MaxInputBytes, hint)
		}
	}
	return 0
}

// writeNew writes data to a file that must not exist yet.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; refusing to overwrite it: %w", path, fs.ErrExist)
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
