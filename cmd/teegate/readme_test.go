package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The README's issuing walk-through runs as written, from the repository
// root, and ends in allow.
func TestReadmeWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("the walk-through is a bash script and needs bash")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- walkthrough:start -->\n```sh\n")
	script, _, ok2 := strings.Cut(rest, "```\n<!-- walkthrough:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no walk-through block")
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir()) // mktemp's folder goes when the test ends
	// The walk-through's go build makes the same build as this test's.
	if tags := buildTags(t); tags != "" {
		cmd.Env = append(cmd.Env, "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -tags="+tags))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("walk-through failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"decision": "allow"`) || !strings.Contains(string(out), `"reasons": []`) {
		t.Fatalf("walk-through did not end in allow:\n%s", out)
	}
}
