package cli

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/internal/clitest"
	"github.com/teegate/teegate/internal/strictjson"
)

// Helpers shared with teegate-serve's tests.
var (
	fixedClock  = clitest.FixedClock
	writeFiles  = clitest.WriteFiles
	reasonCodes = clitest.ReasonCodes
)

type cliResult struct {
	exit           int
	stdout, stderr string
}

func runCLI(t *testing.T, dir string, clock func() time.Time, args ...string) cliResult {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var stdout, stderr strings.Builder
	exit := Run(args, &stdout, &stderr, clock, nil)
	return cliResult{exit, stdout.String(), stderr.String()}
}

// sampleRegistry is a valid draft registry with one active operator.
const sampleRegistry = `{
  "profile_status": "draft",
  "enforcement": {
    "attestation_max_age_seconds": 3600, "grace_period_seconds": 900,
    "min_attested_signers_per_cohort": 4, "max_single_vendor_share_percent": 40,
    "denylist_max_staleness_seconds": 60, "break_glass_ttl_seconds": 21600,
    "break_glass_max_activations_per_7d": 2, "break_glass_cooldown_seconds": 86400,
    "break_glass_scope": "named_operator_ids_only", "break_glass_quorum_bps": 6700,
    "activation_gate_required_quorum_bps": 6700, "re_attestation_poll_interval_seconds": 300
  },
  "operators": [{
    "operator_id": "op-1", "signer_identifier": "s-1", "status": "active",
    "allowed_tee_types": ["sgx"],
    "allowed_measurements": ["sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
    "attestation_max_age_seconds": 3600, "grace_period_seconds": 900,
    "effective_from": 1000, "effective_until": 5000
  }]
}`

const sampleEvents = `[{"event_id":"e1","event_type":"add","operator_id":"op-1","signer_identifier":"s-1","governance_decision_id":"d","effective_at_unix":1000}]`

const registryUsage = "Usage: teegate check registry --registry <path> [--events <path>] [--now-unix <seconds>]"

func TestCheckRegistryCLI(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"registry.json":   sampleRegistry,
		"events.json":     sampleEvents,
		"unknown.json":    strings.Replace(sampleRegistry, `"effective_until"`, `"effective_untill"`, 1),
		"events-bad.json": strings.Replace(sampleEvents, `"add"`, `"ADD"`, 1),
	})
	for _, tc := range []struct {
		name   string
		args   []string
		clock  int64
		exit   int
		stdout []string // substrings of stdout
		stderr string   // first line of stderr
	}{
		{name: "allow", args: []string{"--registry", "registry.json", "--events", "events.json", "--now-unix", "4000"},
			exit: 0, stdout: []string{`"decision": "allow"`, `"reasons": []`, `"validated_at_unix": 4000`}},
		{name: "reject", args: []string{"--registry", "registry.json", "--now-unix", "5001"},
			exit: 1, stdout: []string{`"decision": "reject"`, `"code": "active_operator_window_expired"`}},
		{name: "plus sign and leading zeros", args: []string{"--registry", "registry.json", "--now-unix", "+0004000"},
			exit: 0, stdout: []string{`"validated_at_unix": 4000`}},
		{name: "largest now", args: []string{"--registry", "registry.json", "--now-unix", "18446744073709551615"},
			exit: 1, stdout: []string{`"validated_at_unix": 18446744073709551615`}},
		{name: "system clock", args: []string{"--registry", "registry.json"}, clock: 4321,
			exit: 0, stdout: []string{`"validated_at_unix": 4321`}},
		{name: "repeated flag keeps the last", args: []string{"--registry", "nope.json", "--now-unix", "1", "--registry", "registry.json", "--now-unix", "4000"},
			exit: 0, stdout: []string{`"validated_at_unix": 4000`}},
		{name: "missing registry", args: []string{"--events", "events.json"}, exit: 2, stderr: "missing required --registry"},
		{name: "missing value", args: []string{"--now-unix", "1", "--registry"}, exit: 2, stderr: "missing value for --registry"},
		{name: "flag as value", args: []string{"--registry", "--events"}, exit: 2, stderr: "failed to read file [--events]: no such file or directory"},
		{name: "unknown argument stops parsing", args: []string{"--bogus", "--now-unix", "x"}, exit: 2, stderr: "unknown argument [--bogus]"},
		{name: "help is an error", args: []string{"--registry", "registry.json", "-h"}, exit: 2, stderr: registryUsage},
		{name: "negative now", args: []string{"--registry", "registry.json", "--now-unix", "-1"}, exit: 2, stderr: "invalid value for --now-unix"},
		{name: "double plus", args: []string{"--registry", "registry.json", "--now-unix", "++1"}, exit: 2, stderr: "invalid value for --now-unix"},
		{name: "spaced now", args: []string{"--registry", "registry.json", "--now-unix", " 1"}, exit: 2, stderr: "invalid value for --now-unix"},
		{name: "empty now", args: []string{"--registry", "registry.json", "--now-unix", ""}, exit: 2, stderr: "invalid value for --now-unix"},
		{name: "now overflows", args: []string{"--registry", "registry.json", "--now-unix", "18446744073709551616"}, exit: 2, stderr: "invalid value for --now-unix"},
		{name: "missing file", args: []string{"--registry", "absent.json"}, exit: 2, stderr: "failed to read file [absent.json]: no such file or directory"},
		{name: "unknown member names file and member", args: []string{"--registry", "unknown.json", "--now-unix", "1"}, exit: 2,
			stderr: `failed to parse JSON file [unknown.json]: member "/operators/0/effective_untill": unknown member`},
		{name: "bad events file", args: []string{"--registry", "registry.json", "--events", "events-bad.json", "--now-unix", "1"}, exit: 2,
			stderr: `failed to parse JSON file [events-bad.json]: member "/0/event_type": `},
		{name: "clock before the epoch", args: []string{"--registry", "registry.json"}, clock: -1, exit: 2,
			stderr: "system clock must be after UNIX epoch"},
		{name: "files are read before the clock", args: []string{"--registry", "absent.json"}, clock: -1, exit: 2,
			stderr: "failed to read file [absent.json]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, dir, fixedClock(tc.clock), append([]string{"check", "registry"}, tc.args...)...)
			if r.exit != tc.exit {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.exit, tc.exit, r.stdout, r.stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			if tc.exit == ExitError {
				lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
				if r.stdout != "" {
					t.Errorf("stdout on an error: %q", r.stdout)
				}
				if !strings.HasPrefix(lines[0], tc.stderr) {
					t.Errorf("stderr line 1 = %q, want prefix %q", lines[0], tc.stderr)
				}
				if len(lines) != 2 || lines[1] != registryUsage {
					t.Errorf("stderr = %q, want the message then the usage line", r.stderr)
				}
			} else if r.stderr != "" {
				t.Errorf("stderr on a decision: %q", r.stderr)
			}
		})
	}
}

func TestTopLevelCommands(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		exit   int
		stdout bool
		msg    string
	}{
		{nil, 2, false, "Usage:"},
		{[]string{"help"}, 0, true, "teegate check registry"},
		{[]string{"--help"}, 0, true, "Usage:"},
		{[]string{"check"}, 2, false, "missing the layer to check"},
		{[]string{"check", "bogus"}, 2, false, `unknown check "bogus"`},
		{[]string{"frobnicate"}, 2, false, `unknown command "frobnicate"`},
	} {
		r := runCLI(t, "", fixedClock(0), tc.args...)
		out := r.stderr
		if tc.stdout {
			out = r.stdout
		}
		if r.exit != tc.exit || !strings.Contains(out, tc.msg) {
			t.Errorf("teegate %v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, r.exit, r.stdout, r.stderr, tc.exit, tc.msg)
		}
	}
}

func TestArgumentsMustBeUTF8(t *testing.T) {
	r := runCLI(t, "", fixedClock(0), "check", "registry", "--registry", "r\xff.json")
	if r.exit != ExitError || r.stdout != "" || !strings.Contains(r.stderr, "not valid UTF-8") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.exit, r.stdout, r.stderr)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// A decision that cannot be written must not exit 0: a caller would read
// the missing output as an allow.
func TestEmitFailsClosedOnWriteError(t *testing.T) {
	var stderr strings.Builder
	d := decision.Decision{Outcome: decision.Allow, ValidatedAtUnix: 1}
	if exit := Emit(failingWriter{}, &stderr, d); exit != ExitError || !strings.Contains(stderr.String(), "broken pipe") {
		t.Fatalf("exit %d, stderr %q", exit, stderr.String())
	}
}

// Large documents are loaded concurrently, yet the error reported is the
// first document's, in the reference's order, as when they were loaded one
// after another; and a failing small document stops the later ones.
func TestLargeDocumentsFailInOrder(t *testing.T) {
	pad := strings.Repeat(" ", concurrentBytes)
	dir := writeFiles(t, map[string]string{
		"registry.json":           sampleRegistry + pad,
		"events.json":             sampleEvents + pad,
		"registry-bad.json":       strings.Replace(sampleRegistry, `"effective_until"`, `"effective_untill"`, 1) + pad,
		"events-bad.json":         strings.Replace(sampleEvents, `"add"`, `"ADD"`, 1) + pad,
		"registry-small-bad.json": strings.Replace(sampleRegistry, `"effective_until"`, `"effective_untill"`, 1),
	})
	for _, tc := range []struct {
		registry, events string
		exit             int
		stderr           string
	}{
		{"registry.json", "events.json", 0, ""},
		{"registry-bad.json", "events-bad.json", 2, "failed to parse JSON file [registry-bad.json]"},
		{"registry.json", "events-bad.json", 2, "failed to parse JSON file [events-bad.json]"},
		{"registry-small-bad.json", "events-bad.json", 2, "failed to parse JSON file [registry-small-bad.json]"},
	} {
		for range 5 { // the concurrent load finishing in either order
			r := runCLI(t, dir, nil, "check", "registry", "--registry", tc.registry, "--events", tc.events, "--now-unix", "4000")
			if r.exit != tc.exit || !strings.HasPrefix(r.stderr, tc.stderr) {
				t.Fatalf("%s, %s: exit %d, stderr %q; want exit %d and %q", tc.registry, tc.events, r.exit, r.stderr, tc.exit, tc.stderr)
			}
		}
	}
}

// No document is opened after one that fails, large (loaded
// concurrently) or small: a FIFO given after a failing registry is never
// opened, so the check does not wait for a writer that never comes.
func TestNoDocumentIsOpenedAfterOneThatFails(t *testing.T) {
	pad := strings.Repeat(" ", concurrentBytes)
	dir := writeFiles(t, map[string]string{
		"registry-large-bad.json": strings.Replace(sampleRegistry, `"effective_until"`, `"effective_untill"`, 1) + pad,
	})
	if err := syscall.Mkfifo(filepath.Join(dir, "events.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, registry := range []string{"missing.json", "registry-large-bad.json"} {
		done := make(chan cliResult, 1)
		go func() {
			var stdout, stderr strings.Builder
			exit := Run([]string{"check", "registry", "--registry", registry, "--events", "events.json", "--now-unix", "4000"}, &stdout, &stderr, nil, nil)
			done <- cliResult{exit, stdout.String(), stderr.String()}
		}()
		select {
		case r := <-done:
			if r.exit != ExitError || !strings.Contains(r.stderr, registry) || strings.Contains(r.stderr, "events.json") {
				t.Fatalf("%s: exit %d, stderr %q; want the registry's error", registry, r.exit, r.stderr)
			}
		case <-time.After(30 * time.Second): // a guard against a hang, not a clock the test reads
			t.Fatalf("%s: the check opened the FIFO after the failing registry and waits for a writer", registry)
		}
	}
}

// A path looked at as a large regular file and loaded concurrently is
// opened without blocking: if a FIFO has taken its place, the check fails
// with a read error instead of waiting for a writer that never comes.
func TestConcurrentLoadRefusesAReplacedFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "registry.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	decoded := false
	err := loadDocument(Document{Flag: "--registry", Decode: func(string, []byte) error { decoded = true; return nil }}, fifo, true)
	if !errors.Is(err, errNoLongerRegular) || !strings.Contains(err.Error(), fifo) || decoded {
		t.Fatalf("err = %v, decoded %v; want a read error naming %s", err, decoded, fifo)
	}
}

// Every document of check token and of the gate large enough to be
// loaded beside the others: the decision is the one from the small files,
// loaded in turn.
func TestConcurrentDocumentsShareNothing(t *testing.T) {
	examples, err := filepath.Abs(filepath.Join("..", "..", "examples")) // before runCLI changes directory
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat(" ", concurrentBytes)
	for _, tc := range []struct {
		command []string
		docs    [][2]string // flag, example file
	}{
		{[]string{"check", "token"}, [][2]string{{"--registry", "registry.json"}, {"--keyset", "token/keyset.json"},
			{"--token", "token/token.json"}, {"--revocation-registry", "token/revocation.json"}}},
		{[]string{"gate"}, [][2]string{{"--registry", "registry.json"}, {"--keyset", "gate/keyset.json"},
			{"--revocation-registry", "gate/revocation.json"}, {"--session", "gate/session.json"}}},
	} {
		small, large := map[string]string{}, map[string]string{}
		args := slices.Clone(tc.command)
		for _, d := range tc.docs {
			data, err := os.ReadFile(filepath.Join(examples, d[1]))
			if err != nil {
				t.Fatal(err)
			}
			name := strings.ReplaceAll(d[1], "/", "-")
			small[name], large[name] = string(data), string(data)+pad
			args = append(args, d[0], name)
		}
		args = append(args, "--now-unix", "1767225600")
		want := runCLI(t, writeFiles(t, small), nil, args...)
		got := runCLI(t, writeFiles(t, large), nil, args...)
		if got != want || want.stdout == "" {
			t.Fatalf("%s: from large files %+v, from small ones %+v", tc.command, got, want)
		}
	}
}

// A document that cannot be opened gets the error os.Open's would give.
func TestOpenInputErrors(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "missing.json"), filepath.Join(dir, "missing", "x.json")} {
		_, err := openInput(path, false)
		_, osErr := os.Open(path)
		if err == nil || err.Error() != strictjson.ReadError(path, osErr).Error() || !strings.Contains(err.Error(), "no such file or directory") {
			t.Errorf("openInput(%s) = %v; from os.Open: %v", path, err, strictjson.ReadError(path, osErr))
		}
	}
	f, err := openInput(dir, false) // a directory opens; reading it fails, as from os.Open
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := strictjson.ReadOpenFile(dir, f); err == nil {
		t.Error("a directory read as a document")
	}
}

// A streamed document may come from a pipe, in pieces, as from a shell's
// process substitution: the check reads it to the end and decides as from
// a file. A pipe that ends early is a parse error naming it.
func TestStreamedDocumentsFromAPipe(t *testing.T) {
	dir := writeFiles(t, map[string]string{"registry.json": sampleRegistry, "events.json": sampleEvents})
	want := runCLI(t, dir, nil, "check", "registry", "--registry", "registry.json", "--events", "events.json", "--now-unix", "4000")
	if want.exit != 0 {
		t.Fatalf("from files: exit %d, stderr %q", want.exit, want.stderr)
	}
	for _, tc := range []struct {
		name, registry string
		exit           int
		stderr         string
	}{
		{"whole", sampleRegistry, 0, ""},
		{"cut short", sampleRegistry[:len(sampleRegistry)/2], 2, "failed to parse JSON file [pipe.json]"},
	} {
		fifo := filepath.Join(t.TempDir(), "pipe.json")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		wrote := make(chan error, 1)
		go func() {
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				wrote <- err
				return
			}
			defer f.Close()
			for b := []byte(tc.registry); len(b) > 0; b = b[min(7, len(b)):] {
				if _, err := f.Write(b[:min(7, len(b))]); err != nil {
					wrote <- err
					return
				}
			}
			wrote <- nil
		}()
		r := runCLI(t, filepath.Dir(fifo), nil, "check", "registry", "--registry", "pipe.json", "--events", filepath.Join(dir, "events.json"), "--now-unix", "4000")
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
		if r.exit != tc.exit || !strings.HasPrefix(r.stderr, tc.stderr) || (tc.exit == 0 && r.stdout != want.stdout) {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q", tc.name, r.exit, r.stdout, r.stderr, tc.exit, want.stdout, tc.stderr)
		}
	}
}

// teegate gate --stale-denylist reject decides as teegate serve does: no
// session starts on a stale denylist in any mode. Without it (or with
// mode) the gate composes layers B, C and D as it always has.
func TestGateStaleDenylistFlag(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	session := strings.Replace(read("gate/session.json"), `"mode": "full_enforcement"`, `"mode": "monitor_only"`, 1)
	dir := writeFiles(t, map[string]string{
		"registry.json": read("registry.json"), "keyset.json": read("gate/keyset.json"),
		"revocation.json": read("gate/revocation.json"), "session.json": session,
	})
	args := []string{"gate", "--registry", "registry.json", "--keyset", "keyset.json", "--revocation-registry", "revocation.json",
		"--session", "session.json", "--now-unix", "1767225641"} // the denylist is 61 s old: past its 60 s bound
	for _, tc := range []struct {
		flag []string
		exit int
		out  string
	}{
		{nil, 0, `"decision": "allow_with_warnings"`},
		{[]string{"--stale-denylist", "mode"}, 0, `"decision": "allow_with_warnings"`},
		{[]string{"--stale-denylist", "reject"}, 1, `"code": "` + string(gate.CodeDenylistStaleAtSessionStart) + `"`},
		{[]string{"--stale-denylist", "Reject"}, 2, `--stale-denylist must be mode or reject`},
	} {
		r := runCLI(t, dir, nil, append(slices.Clone(args), tc.flag...)...)
		out := r.stdout
		if tc.exit == ExitError {
			out = r.stderr
		}
		if r.exit != tc.exit || !strings.Contains(out, tc.out) {
			t.Errorf("%v: exit %d, stdout %.300q, stderr %q; want exit %d and %q", tc.flag, r.exit, r.stdout, r.stderr, tc.exit, tc.out)
		}
		if tc.exit == 1 && !strings.Contains(r.stdout, `"decision": "reject"`) {
			t.Errorf("%v: %s", tc.flag, r.stdout)
		}
	}
}
