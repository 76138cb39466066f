package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/teegate/teegate/internal/bounded"
	"github.com/teegate/teegate/internal/cli"
	"github.com/teegate/teegate/service"
)

// defaultListen is loopback: the decision service is reached by the
// signer and coordinator on the same host unless an operator chooses to
// expose it, behind whatever authentication the deployment provides.
const defaultListen = "127.0.0.1:8340"

const serveUsage = "Usage: teegate serve --registry <path> --keyset <path> --revocation-registry <path> [--listen <host:port>] [--decision-log <path>|-] [--decision-log-timeout <duration>] [--reload-interval <duration>] [--max-concurrent <n>] [--max-signers <n>] [--decision-timeout <duration>] [--drain-delay <duration>] [--request-documents refuse|allow] [--events <path>] [--attest-policy <path> --attest-key <path> --attest-key-id <id>] [--now-unix <seconds>]"

// opsLogTimeout bounds each write of the operational log to stderr; a
// line that takes longer is dropped rather than hang the service.
const opsLogTimeout = 2 * time.Second

// minDecisionLogTimeout keeps a mistyped bound (1ns) from withholding
// every decision.
const minDecisionLogTimeout = 10 * time.Millisecond

// minDecisionTimeout keeps a mistyped bound from abandoning every
// decision.
const minDecisionTimeout = 100 * time.Millisecond

// minReloadInterval keeps a mistyped interval (1ns) from turning the poll
// into a busy loop.
const minReloadInterval = 100 * time.Millisecond

// serve runs the decision service until SIGINT or SIGTERM, reloading the
// governed documents on SIGHUP. Operational messages go to stderr; the
// decision log goes to stdout unless --decision-log names a file.
func serve(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := cli.Args{
		Usage:    serveUsage,
		Required: []string{"--registry", "--keyset", "--revocation-registry"},
		Optional: []string{"--listen", "--decision-log", "--decision-log-timeout", "--reload-interval", "--max-concurrent", "--max-signers", "--decision-timeout", "--drain-delay", "--request-documents",
			"--events", "--attest-policy", "--attest-key", "--attest-key-id"},
	}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	// Caught from the start, so that a SIGHUP during loading does not kill
	// the process; it is served once the service runs.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	// Without this, a write to stdout or stderr after its reader has gone
	// kills the process with SIGPIPE; with it, the write fails with EPIPE,
	// and a decision whose log line cannot be written is withheld (500).
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	defer signal.Stop(pipe)
	// The operational log must not hang the service either: a line that
	// cannot be written within the bound is dropped.
	log := slog.New(slog.NewTextHandler(bounded.New(stderr, opsLogTimeout), nil))
	opts := service.Options{
		Paths: service.Paths{Registry: a.Values["--registry"], Keyset: a.Values["--keyset"],
			RevocationRegistry: a.Values["--revocation-registry"], Events: a.Values["--events"]},
		Clock: clock,
		Log:   log,
	}
	if nowUnix, fixed := a.FixedNow(); fixed {
		at := time.Unix(int64(min(nowUnix, 1<<62)), 0)
		opts.Clock = func() time.Time { return at }
		log.Warn("the clock is fixed: every decision is made at --now-unix, for demonstrations and replays only", "now_unix", nowUnix)
	}
	if err := durationFlag(a, "--reload-interval", minReloadInterval, "2s", &opts.ReloadInterval); err != nil {
		return a.Fail(stderr, err)
	}
	if err := durationFlag(a, "--decision-log-timeout", minDecisionLogTimeout, "2s", &opts.DecisionLogTimeout); err != nil {
		return a.Fail(stderr, err)
	}
	if err := durationFlag(a, "--drain-delay", 0, "5s", &opts.DrainDelay); err != nil {
		return a.Fail(stderr, err)
	}
	switch a.Values["--request-documents"] {
	case "", "refuse":
	case "allow":
		opts.AllowRequestDocuments = true
		log.Warn("--request-documents allow: checks may bring their own governed documents; their answers are advisory, never admission decisions")
	default:
		return a.Fail(stderr, cli.UsageError{Msg: "invalid value for --request-documents: want allow or refuse"})
	}
	if err := positiveFlag(a, "--max-signers", &opts.MaxSigners); err != nil {
		return a.Fail(stderr, err)
	}
	if err := durationFlag(a, "--decision-timeout", minDecisionTimeout, "5s", &opts.DecisionTimeout); err != nil {
		return a.Fail(stderr, err)
	}
	if err := positiveFlag(a, "--max-concurrent", &opts.MaxConcurrentDecisions); err != nil {
		return a.Fail(stderr, err)
	}
	// The verifier role: all three flags, or none.
	role := 0
	for _, f := range []string{"--attest-policy", "--attest-key", "--attest-key-id"} {
		if _, ok := a.Values[f]; ok {
			role++
		}
	}
	switch role {
	case 0:
	case 3:
		for _, f := range []string{"--attest-policy", "--attest-key", "--attest-key-id"} {
			if strings.TrimSpace(a.Values[f]) == "" {
				return a.Fail(stderr, cli.UsageError{Msg: "invalid value for " + f + ": it is empty"})
			}
		}
		sk, err := cli.ReadSecretKey(a.Values["--attest-key"])
		if err != nil {
			return a.Fail(stderr, err)
		}
		opts.Paths.AttestPolicy = a.Values["--attest-policy"]
		opts.Attest = service.AttestRole{Key: sk, KeyID: a.Values["--attest-key-id"]}
	default:
		return a.Fail(stderr, cli.UsageError{Msg: "the verifier role needs --attest-policy, --attest-key and --attest-key-id together"})
	}
	opts.DecisionLog = stdout
	if path, ok := a.Values["--decision-log"]; ok && path != "-" {
		// Appended to, never truncated: the log is an audit record.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
		if err != nil {
			return a.Fail(stderr, fmt.Errorf("cannot open the decision log: %w", err))
		}
		defer f.Close()
		opts.DecisionLog = f
	}

	svc, err := service.New(opts)
	if err != nil {
		return a.Fail(stderr, err)
	}
	listen := defaultListen
	if v, ok := a.Values["--listen"]; ok {
		listen = v
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return a.Fail(stderr, err)
	}
	if addr, ok := ln.Addr().(*net.TCPAddr); ok && !addr.IP.IsLoopback() {
		log.Warn("listening beyond loopback: teegate serve does not authenticate callers; put it behind a proxy that does", "address", addr.String())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// A second SIGINT or SIGTERM, during the shutdown, ends the
		// process at once.
		<-ctx.Done()
		stop()
	}()
	go func() {
		for range hup {
			log.Info("SIGHUP: reloading the governed documents")
			svc.Reload() // a refusal is logged inside
		}
	}()
	if err := svc.Serve(ctx, ln); err != nil {
		log.Error("serve", "error", err)
		return cli.ExitError
	}
	return cli.ExitAllow
}

// durationFlag sets *to from flag, when given: a duration of at least
// least, such as example.
func durationFlag(a cli.Args, flag string, least time.Duration, example string, to *time.Duration) error {
	v, ok := a.Values[flag]
	if !ok {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < least {
		return cli.UsageError{Msg: "invalid value for " + flag + ": want a duration of at least " + least.String() + ", such as " + example}
	}
	*to = d
	return nil
}

// positiveFlag sets *to from flag, when given: a positive integer.
func positiveFlag(a cli.Args, flag string, to *int) error {
	v, ok := a.Values[flag]
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return cli.UsageError{Msg: "invalid value for " + flag + ": want a positive integer"}
	}
	*to = n
	return nil
}
