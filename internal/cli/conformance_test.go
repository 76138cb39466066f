package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/teegate/teegate/internal/clitest"
)

// The conformance cases pin teegate's check subcommands to the reference
// checkers' behaviour (testdata/conformance/README.md). They run through the
// built binary, as a user or the reference's scripts would run it.

const conformanceDir = "../../testdata/conformance"

// conformanceCase is one case.json.
type conformanceCase struct {
	Checker string         `json:"checker"`
	Args    map[string]any `json:"args"`
	Argv    []string       `json:"argv"`
	Expect  struct {
		Exit            int      `json:"exit"`
		Decision        *string  `json:"decision"`
		Codes           []string `json:"codes"`
		Unordered       bool     `json:"unordered"`
		StderrFirstLine *string  `json:"stderr_first_line"`
	} `json:"expect"`
}

// flagOrder is the order in which the suite builds flags from args.
var flagOrder = map[string][]string{
	"registry":    {"registry", "events"},
	"token":       {"registry", "keyset", "token", "revocation_registry"},
	"runtime":     {"registry", "session"},
	"enforcement": {"registry", "context"},
}

func (c *conformanceCase) argv(t *testing.T, phase string) []string {
	if c.Argv != nil {
		return c.Argv
	}
	var argv []string
	for _, name := range flagOrder[phase] {
		if v, ok := c.Args[name].(string); ok {
			argv = append(argv, "--"+strings.ReplaceAll(name, "_", "-"), v)
		}
	}
	switch n := c.Args["now_unix"].(type) {
	case nil:
	case json.Number: // kept as text: a float64 would round values above 2^53
		argv = append(argv, "--now-unix", n.String())
	default:
		t.Fatalf("now_unix %v is not a number", n)
	}
	return argv
}

// buildTeegate builds the teegate binary as a user does, beside
// teegate-serve.
func buildTeegate(t *testing.T) string {
	t.Helper()
	return filepath.Join(clitest.Build(t, "../../cmd/teegate", "../../cmd/teegate-serve"), clitest.Exe("teegate"))
}

func TestConformance(t *testing.T) {
	bin := buildTeegate(t)
	ran := 0
	for _, phase := range slices.Sorted(maps.Keys(checks)) {
		dirs, err := os.ReadDir(filepath.Join(conformanceDir, phase))
		if err != nil {
			t.Fatalf("layer %s has a check but no conformance cases: %v", phase, err)
		}
		for _, d := range dirs {
			dir := filepath.Join(conformanceDir, phase, d.Name())
			raw, err := os.ReadFile(filepath.Join(dir, "case.json"))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			ran++
			t.Run(phase+"/"+d.Name(), func(t *testing.T) {
				t.Parallel()
				var c conformanceCase
				dec := json.NewDecoder(bytes.NewReader(raw))
				dec.UseNumber()
				if err := dec.Decode(&c); err != nil {
					t.Fatal(err)
				}
				runConformanceCase(t, bin, phase, dir, &c)
			})
		}
	}
	if ran == 0 {
		t.Fatal("no conformance case ran")
	}
}

func runConformanceCase(t *testing.T, bin, phase, dir string, c *conformanceCase) {
	args := append([]string{"check", phase}, c.argv(t, phase)...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run: %v", err)
	}
	exit := cmd.ProcessState.ExitCode()
	if exit != c.Expect.Exit {
		t.Fatalf("teegate %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), exit, c.Expect.Exit, stderr.String())
	}
	if exit == ExitError {
		if stdout.Len() != 0 {
			t.Errorf("exit 2 with output on stdout: %q", stdout.String())
		}
		first, _, _ := strings.Cut(stderr.String(), "\n")
		if first == "" {
			t.Error("exit 2 without a message on stderr")
		}
		// The reference's program name becomes teegate's subcommand; the
		// rest of the line must match.
		if want := c.Expect.StderrFirstLine; want != nil {
			w := strings.ReplaceAll(*want, "tee_"+phase+"_checker", "teegate check "+phase)
			if first != w {
				t.Errorf("stderr first line %q, want %q", first, w)
			}
		}
		return
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr on the decision path: %q", stderr.String())
	}
	var out struct {
		Decision string `json:"decision"`
		Reasons  []struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
		} `json:"reasons"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout.String())
	}
	if c.Expect.Decision == nil || out.Decision != *c.Expect.Decision {
		t.Errorf("decision %q, want %v", out.Decision, *c.Expect.Decision)
	}
	got := make([]string, len(out.Reasons))
	for i, r := range out.Reasons {
		got[i] = r.Code
	}
	want := slices.Clone(c.Expect.Codes)
	if want == nil {
		want = []string{}
	}
	if c.Expect.Unordered {
		slices.Sort(got)
		slices.Sort(want)
	}
	if !slices.Equal(got, want) {
		t.Errorf("codes %v\nwant  %v", got, want)
	}
}
