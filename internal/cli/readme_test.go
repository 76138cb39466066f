package cli

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/teegate/teegate/internal/clitest"
)

// runReadmeBlock runs the README's shell block between the markers
// <!-- name:start --> and <!-- name:end --> with bash, exactly as written,
// from the repository root, and returns what it printed.
func runReadmeBlock(t *testing.T, name string, edit func(script string) string) string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("the README's examples are bash scripts and need bash")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- "+name+":start -->\n```sh\n")
	script, _, ok2 := strings.Cut(rest, "```\n<!-- "+name+":end -->")
	if !ok || !ok2 {
		t.Fatalf("README.md has no %s block", name)
	}
	if edit != nil {
		script = edit(script)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir()) // temporary files go when the test ends
	// The block's go build makes the same build as this test's.
	if tags := clitest.BuildTags(t); tags != "" {
		cmd.Env = append(cmd.Env, "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -tags="+tags))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's %s block failed: %v\n%s", name, err, out)
	}
	return string(out)
}

// The README's issuing walk-through ends in allow.
func TestReadmeWalkthrough(t *testing.T) {
	out := runReadmeBlock(t, "walkthrough", nil)
	if !strings.Contains(out, `"decision": "allow"`) || !strings.Contains(out, `"reasons": []`) {
		t.Fatalf("walk-through did not end in allow:\n%s", out)
	}
}

// The README's attestation walk-through admits the session, then every
// verifier refuses the payload edited after its evidence was made.
func TestReadmeAttestWalkthrough(t *testing.T) {
	out := runReadmeBlock(t, "attest-walkthrough", nil)
	allow := strings.Index(out, `"decision": "allow"`)
	if allow < 0 || !strings.Contains(out, `"reasons": []`) {
		t.Fatalf("the session was not admitted:\n%s", out)
	}
	rest := out[allow:]
	for _, v := range []string{"a", "b", "c"} {
		if !strings.Contains(rest, "verifier-"+v+" refused (exit 1)") {
			t.Errorf("verifier-%s did not refuse the edited payload:\n%s", v, rest)
		}
	}
	if n := strings.Count(rest, `"code": "attest_report_data_mismatch"`); n != 3 {
		t.Errorf("%d refusals name the binding, want 3:\n%s", n, rest)
	}
	if strings.Contains(rest, "signature_hex") {
		t.Errorf("a verifier signed the edited payload:\n%s", rest)
	}
}

// The README's teegate serve example gets the answers it describes. It
// runs on a free port rather than the default, which may be in use.
func TestReadmeServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ln.Addr().String()
	ln.Close()
	out := runReadmeBlock(t, "serve", func(script string) string {
		const line = "addr=127.0.0.1:8340\n"
		if !strings.Contains(script, line) {
			t.Fatalf("the serve block does not set %q", line)
		}
		return strings.Replace(script, line, "addr="+free+"\n", 1)
	})
	for _, want := range []string{
		`"ready": true`,
		`"decision": "allow"`,
		`"member": "/keyset"`,
		`"member": "/session/treshold"`,
		`teegate_decisions_total{advisory="false",endpoint="gate",outcome="allow"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the serve example printed no %s:\n%s", want, out)
		}
	}
}

// The README's policy 2 walk-through: the gate blocks the session, layer A
// allows the policy 2 registry with its log, and the signed, activated
// grant lets the session through with warnings.
func TestReadmeGrantWalkthrough(t *testing.T) {
	out := runReadmeBlock(t, "grant-walkthrough", nil)
	blocked := strings.Index(out, "blocked (exit 1)")
	if blocked < 0 {
		t.Fatalf("the session was not blocked without the grant:\n%s", out)
	}
	rest := out[blocked:]
	allow := strings.Index(rest, `"decision": "allow"`)
	warned := strings.Index(rest, `"decision": "allow_with_warnings"`)
	if allow < 0 || warned < allow {
		t.Fatalf("layer A did not allow the registry, or the gate did not then allow with warnings:\n%s", rest)
	}
	for _, code := range []string{"full_enforcement_break_glass_applied", "selected_token_expired_for_session_start", "token_expired"} {
		if !strings.Contains(rest[warned:], `"code": "`+code+`"`) {
			t.Errorf("the admitted session does not show %s:\n%s", code, rest[warned:])
		}
	}
}
