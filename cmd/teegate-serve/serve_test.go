package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/internal/cli"
)

// serveProcess is a teegate serve process and what it has logged so far.
type serveProcess struct {
	cmd  *exec.Cmd
	url  string
	logs chan string // stderr lines, as they come
	seen []string
}

var servingLine = regexp.MustCompile(`msg=serving address=(\S+)`)

// startServe runs the built binary with args, on a loopback port the
// system picks, and waits until it serves.
func startServe(t *testing.T, bin string, args ...string) *serveProcess {
	t.Helper()
	return startServeLogging(t, bin, append([]string{"--listen", "127.0.0.1:0"}, args...)...)
}

// startServeLogging runs teegate serve with args and waits until it serves;
// the lines logged until then are in seen.
func startServeLogging(t *testing.T, bin string, args ...string) *serveProcess {
	t.Helper()
	return startServeStdout(t, bin, io.Discard, args...)
}

// startServeStdout is startServeLogging with the process's stdout, where
// the decision log goes by default, given.
func startServeStdout(t *testing.T, bin string, stdout io.Writer, args ...string) *serveProcess {
	t.Helper()
	p := &serveProcess{cmd: exec.Command(bin, append([]string{"serve"}, args...)...), logs: make(chan string, 100)}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	go func() {
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			p.logs <- s.Text()
		}
		close(p.logs)
	}()
	line := p.waitFor(t, "msg=serving")
	p.url = "http://" + servingLine.FindStringSubmatch(line)[1]
	return p
}

// waitFor returns the first stderr line, from those not yet read, that
// contains s.
func (p *serveProcess) waitFor(t *testing.T, s string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-p.logs:
			if !ok {
				t.Fatalf("teegate serve ended before logging %q; it logged:\n%s", s, strings.Join(p.seen, "\n"))
			}
			p.seen = append(p.seen, line)
			if strings.Contains(line, s) {
				return line
			}
		case <-timeout:
			t.Fatalf("teegate serve did not log %q within 20 s; it logged:\n%s", s, strings.Join(p.seen, "\n"))
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to+".new", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(to+".new", to); err != nil {
		t.Fatal(err)
	}
}

func gateDecision(t *testing.T, url string, session []byte) string {
	t.Helper()
	resp, err := http.Post(url+"/v1/gate", "application/json", bytes.NewReader(session))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.Header.Get("Teegate-Decision")
}

// The binary serves the shipped examples, reloads on SIGHUP, and stops
// cleanly on SIGTERM, writing its decision log to the named file.
func TestServeCommand(t *testing.T) {
	bin := buildTeegate(t)
	reg, ks, rev := copyExampleDocs(t)
	session, err := os.ReadFile("../../examples/gate/session.json")
	if err != nil {
		t.Fatal(err)
	}
	decisionLog := filepath.Join(t.TempDir(), "decisions.jsonl")

	// Polling is slowed to an hour so that only SIGHUP can reload.
	p := startServe(t, bin, "--registry", reg, "--keyset", ks, "--revocation-registry", rev,
		"--now-unix", "1767225600", "--reload-interval", "1h", "--decision-log", decisionLog)
	if got := gateDecision(t, p.url, session); got != "allow" {
		t.Fatalf("gate on the examples: %q", got)
	}

	copyFile(t, "../../examples/gate/revocation-bravo-revoked.json", rev)
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitFor(t, "governed documents reloaded")
	if got := gateDecision(t, p.url, session); got != "reject" {
		t.Fatalf("gate after SIGHUP with bravo revoked: %q", got)
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	p.waitFor(t, "msg=stopped")
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("teegate serve exited with %v", err)
	}
	log, err := os.ReadFile(decisionLog)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(log, []byte("\n")); n != 2 || !bytes.Contains(log, []byte(`"decision":"reject"`)) {
		t.Fatalf("decision log:\n%s", log)
	}
}

// Bad arguments and documents are usage errors: exit 2, the reason and the
// usage line on stderr, and no server.
func TestServeCommandRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no documents", []string{"serve"}, "missing required --registry"},
		{"bad interval", []string{"serve", "--registry", "r", "--keyset", "k", "--revocation-registry", "v", "--reload-interval", "soon"},
			"invalid value for --reload-interval"},
		{"busy-loop interval", []string{"serve", "--registry", "r", "--keyset", "k", "--revocation-registry", "v", "--reload-interval", "1ns"},
			"invalid value for --reload-interval"},
		{"bad limit", []string{"serve", "--registry", "r", "--keyset", "k", "--revocation-registry", "v", "--max-concurrent", "0"},
			"invalid value for --max-concurrent"},
		{"bad drain delay", []string{"serve", "--registry", "r", "--keyset", "k", "--revocation-registry", "v", "--drain-delay", "-1s"},
			"invalid value for --drain-delay"},
		{"bad request-documents", []string{"serve", "--registry", "r", "--keyset", "k", "--revocation-registry", "v", "--request-documents", "maybe"},
			"invalid value for --request-documents"},
		{"bad max-signers", []string{"serve", "--registry", "r", "--keyset", "k", "--revocation-registry", "v", "--max-signers", "0"},
			"invalid value for --max-signers"},
		{"bad decision timeout", []string{"serve", "--registry", "r", "--keyset", "k", "--revocation-registry", "v", "--decision-timeout", "1ms"},
			"invalid value for --decision-timeout"},
		{"bad decision log timeout", []string{"serve", "--registry", "r", "--keyset", "k", "--revocation-registry", "v", "--decision-log-timeout", "soon"},
			"invalid value for --decision-log-timeout"},
		{"a FIFO as a document", []string{"serve", "--registry", "../../examples/registry.json", "--keyset", "../../examples/gate/keyset.json", "--revocation-registry", fifo(t)},
			"not a regular file (a FIFO)"},
		{"missing file", []string{"serve", "--registry", "../../examples/registry.json", "--keyset", "nope.json", "--revocation-registry", "v"},
			"failed to read file [nope.json]"},
		{"rejected registry", []string{"serve", "--registry", "../../examples/registry-rejected.json", "--keyset", "../../examples/gate/keyset.json",
			"--revocation-registry", "../../examples/gate/revocation.json", "--now-unix", "1767225600"},
			"../../examples/registry-rejected.json: layer A rejects the registry"},
		{"an audit log that is not one", []string{"serve", "--registry", "../../examples/registry.json", "--keyset", "../../examples/gate/keyset.json",
			"--revocation-registry", "../../examples/gate/revocation.json", "--now-unix", "1767225600", "--events", "../../examples/events-typo.json"},
			`failed to parse JSON file [../../examples/events-typo.json]`},
		{"a missing audit log", []string{"serve", "--registry", "../../examples/registry.json", "--keyset", "../../examples/gate/keyset.json",
			"--revocation-registry", "../../examples/gate/revocation.json", "--now-unix", "1767225600", "--events", "nope-events.json"},
			"failed to read file [nope-events.json]"},
		{"half a verifier role", []string{"serve", "--registry", "r", "--keyset", "k", "--revocation-registry", "v", "--attest-policy", "p", "--attest-key-id", "vk-a"},
			"needs --attest-policy, --attest-key and --attest-key-id together"},
		{"an empty key id", append(attestServeArgs(), "--attest-key", "k", "--attest-key-id", " "),
			"invalid value for --attest-key-id: it is empty"},
		{"a readable verifier key", append(attestServeArgs(), "--attest-key", looseKey(t), "--attest-key-id", "vk-b"),
			"accessible to other users"},
		{"a policy that is not one", []string{"serve", "--registry", "../../examples/attest/registry.json", "--keyset", "../../examples/gate/keyset.json",
			"--revocation-registry", "../../examples/gate/revocation.json", "--now-unix", "1767225600",
			"--attest-policy", "../../examples/attest/registry.json", "--attest-key", tightKey(t), "--attest-key-id", "vk-b"},
			`member "/profile_status": unknown member`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli.Run(c.args, &stdout, &stderr, time.Now, commands)
			if code != cli.ExitError || !strings.Contains(stderr.String(), c.want) || !strings.Contains(stderr.String(), serveUsage) {
				t.Fatalf("exit %d, stderr:\n%s\nwant %q", code, stderr.String(), c.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %s", stdout.String())
			}
		})
	}
}

// Listening beyond loopback is allowed, with a warning that the service
// does not authenticate its callers.
func TestServeWarnsBeyondLoopback(t *testing.T) {
	bin := buildTeegate(t)
	p := startServeLogging(t, bin, "--registry", "../../examples/registry.json", "--keyset", "../../examples/gate/keyset.json",
		"--revocation-registry", "../../examples/gate/revocation.json", "--now-unix", "1767225600", "--listen", "0.0.0.0:0")
	found := false
	for _, line := range p.seen {
		found = found || strings.Contains(line, "listening beyond loopback")
	}
	if !found {
		t.Fatalf("no warning; it logged:\n%s", strings.Join(p.seen, "\n"))
	}
}

func attestServeArgs() []string {
	return []string{"serve", "--registry", "../../examples/attest/registry.json", "--keyset", "../../examples/gate/keyset.json",
		"--revocation-registry", "../../examples/gate/revocation.json", "--now-unix", "1767225600",
		"--attest-policy", "../../examples/attest/policy.json"}
}

func keyFile(t *testing.T, perm os.FileMode) string {
	path, _ := writeKey(t, t.TempDir(), perm)
	return path
}

func looseKey(t *testing.T) string { return keyFile(t, 0o644) }
func tightKey(t *testing.T) string { return keyFile(t, 0o600) }

// The verifier role, end to end through the binary: the examples'
// evidence gets this verifier's signature.
func TestServeAttestRole(t *testing.T) {
	bin := buildTeegate(t)
	p := startServe(t, bin, append(attestServeArgs()[1:], "--attest-key", tightKey(t), "--attest-key-id", "vk-b")...)
	payload, _ := os.ReadFile("../../examples/attest/payload-hotel.json")
	evidence, _ := os.ReadFile("../../examples/attest/evidence-hotel.json")
	quoted, _ := json.Marshal(string(payload))
	resp, err := http.Post(p.url+"/v1/attest", "application/json", strings.NewReader(`{"payload_json": `+string(quoted)+`, "evidence": `+string(evidence)+`}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Teegate-Decision") != "allow" || !strings.Contains(string(body), `"verifier_key_id": "vk-b"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// fifo makes a named pipe, which no one writes to.
func fifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fifo.json")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyExampleDocs copies the gate examples' governed documents to a
// directory of the test's, where it may replace them.
func copyExampleDocs(t *testing.T) (reg, ks, rev string) {
	t.Helper()
	dir := t.TempDir()
	reg, ks, rev = filepath.Join(dir, "registry.json"), filepath.Join(dir, "keyset.json"), filepath.Join(dir, "revocation.json")
	copyFile(t, "../../examples/registry.json", reg)
	copyFile(t, "../../examples/gate/keyset.json", ks)
	copyFile(t, "../../examples/gate/revocation.json", rev)
	return reg, ks, rev
}
