package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/teegate/teegate/internal/gendocs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

// runGen runs teegate-gen with args and returns its exit code and stderr.
func runGen(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stderr.String()
}

// genDir writes a set of documents into a new directory and returns it.
func genDir(t *testing.T, operators, events, signers int, seed uint64, extra ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	args := append([]string{
		"-operators", fmt.Sprint(operators), "-events", fmt.Sprint(events), "-signers", fmt.Sprint(signers),
		"-seed", fmt.Sprint(seed), "-out", dir,
	}, extra...)
	if code, stderr := runGen(t, args...); code != 0 {
		t.Fatalf("teegate-gen %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	return dir
}

func readAll(t *testing.T, dir string) [len(gendocs.Files)][]byte {
	t.Helper()
	var out [len(gendocs.Files)][]byte
	for i, name := range gendocs.Files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = data
	}
	return out
}

func TestSameSeedSameBytes(t *testing.T) {
	a := readAll(t, genDir(t, 80, 200, 12, 42))
	b := readAll(t, genDir(t, 80, 200, 12, 42))
	c := readAll(t, genDir(t, 80, 200, 12, 43))
	for i, name := range gendocs.Files {
		if !bytes.Equal(a[i], b[i]) {
			t.Errorf("%s differs between two runs with seed 42", name)
		}
		if bytes.Equal(a[i], c[i]) {
			t.Errorf("%s is the same with seeds 42 and 43", name)
		}
	}
}

// TestDocumentsAdmit decodes the documents with the project's own strict
// decoders, under the requirements teegate check registry and teegate check
// runtime use, and runs both checks at the fixed evaluation time.
func TestDocumentsAdmit(t *testing.T) {
	for _, c := range []struct{ operators, events, signers int }{
		{3, 3, 3},
		{4, 4, 4},
		{7, 20, 7},
		{12, 48, 5},
		{50, 50, 10},
		{60, 150, 10},
		{400, 1200, 60},
	} {
		for _, seed := range []uint64{1, 2, 3} {
			t.Run(fmt.Sprintf("%d-operators-%d-events-%d-signers-seed-%d", c.operators, c.events, c.signers, seed), func(t *testing.T) {
				dir := genDir(t, c.operators, c.events, c.signers, seed)
				reg, log, session := decodeAndCheck(t, dir)
				if len(reg.Operators) != c.operators || len(log.Events) != c.events || len(session.SelectedSigners) != c.signers {
					t.Errorf("%d operators, %d events, %d signers; want %d, %d, %d",
						len(reg.Operators), len(log.Events), len(session.SelectedSigners), c.operators, c.events, c.signers)
				}
			})
		}
	}
}

func decodeAndCheck(t *testing.T, dir string) (*governance.Registry, *governance.AuditLog, *cohort.Session) {
	t.Helper()
	docs := readAll(t, dir)
	reg, err := governance.DecodeRegistry("registry.json", docs[0], governance.Requirement{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := governance.DecodeAuditLog("events.json", docs[1])
	if err != nil {
		t.Fatal(err)
	}
	session, err := cohort.DecodeSession("session.json", docs[2])
	if err != nil {
		t.Fatal(err)
	}
	if d := governance.CheckRegistry(reg, log, gendocs.Now); d.Outcome != decision.Allow || len(d.Reasons) != 0 {
		t.Errorf("check registry: %s, want allow", d)
	}
	regC, err := governance.DecodeRegistry("registry.json", docs[0], cohort.RegistryMembers)
	if err != nil {
		t.Fatal(err)
	}
	if d := cohort.CheckRuntime(regC, session, gendocs.Now); d.Outcome != decision.Allow || len(d.Reasons) != 0 {
		t.Errorf("check runtime: %s, want allow", d)
	}
	return reg, log, session
}

// TestDocumentsVary: with events to spare, the log holds every kind of
// event, the registry every status, and the cohort several vendors.
func TestDocumentsVary(t *testing.T) {
	reg, log, session := decodeAndCheck(t, genDir(t, 400, 1200, 60, 1))
	events := map[governance.EventType]int{}
	for _, e := range log.Events {
		events[e.EventType]++
	}
	for _, typ := range []governance.EventType{governance.EventAdd, governance.EventSuspend, governance.EventRevoke,
		governance.EventMeasurementUpdate, governance.EventBreakGlassActivate, governance.EventBreakGlassExpire} {
		if events[typ] == 0 {
			t.Errorf("no %s event; events by type: %v", typ, events)
		}
	}
	if events[governance.EventAdd] != len(reg.Operators) {
		t.Errorf("%d add events for %d operators", events[governance.EventAdd], len(reg.Operators))
	}
	statuses, tees, measurements := map[string]int{}, map[string]bool{}, map[string]bool{}
	for _, op := range reg.Operators {
		statuses[op.Status]++
		for _, tee := range op.AllowedTEETypes {
			tees[tee] = true
		}
		for _, m := range op.AllowedMeasurements {
			measurements[m] = true
		}
	}
	for _, s := range []governance.Status{governance.StatusActive, governance.StatusSuspended, governance.StatusRevoked} {
		if statuses[string(s)] == 0 {
			t.Errorf("no %s operator; statuses: %v", s, statuses)
		}
	}
	if len(tees) < 4 || len(measurements) < 10 {
		t.Errorf("%d TEE types and %d measurements across the registry; want at least 4 and 10", len(tees), len(measurements))
	}
	vendors := map[string]int{}
	for _, s := range session.SelectedSigners {
		vendors[s.VendorID]++
	}
	if len(vendors) < 3 {
		t.Errorf("cohort vendors %v; want at least 3", vendors)
	}
	if len(session.Denylist.RevokedOperatorIDs) != statuses[string(governance.StatusRevoked)] {
		t.Errorf("the denylist names %d operators; %d are revoked", len(session.Denylist.RevokedOperatorIDs), statuses[string(governance.StatusRevoked)])
	}
}

// TestCompact: -compact writes the same documents on one line each.
func TestCompact(t *testing.T) {
	pretty := readAll(t, genDir(t, 30, 60, 6, 9))
	compact := readAll(t, genDir(t, 30, 60, 6, 9, "-compact"))
	for i, name := range gendocs.Files {
		if len(compact[i]) >= len(pretty[i]) || bytes.Count(compact[i], []byte("\n")) != 1 {
			t.Errorf("%s: compact is %d bytes and %d lines; indented is %d bytes",
				name, len(compact[i]), bytes.Count(compact[i], []byte("\n")), len(pretty[i]))
		}
		var a, b any
		if err := json.Unmarshal(pretty[i], &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(compact[i], &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: compact and indented documents differ", name)
		}
	}
}

func TestRefusesToOverwrite(t *testing.T) {
	dir := genDir(t, 20, 40, 5, 1)
	before := readAll(t, dir)
	code, stderr := runGen(t, "-operators", "30", "-events", "30", "-signers", "5", "-seed", "2", "-out", dir)
	if code != 2 || !strings.Contains(stderr, "already exists") {
		t.Errorf("second run into %s: exit %d, stderr %q; want 2 and a refusal", dir, code, stderr)
	}
	after := readAll(t, dir)
	for i, name := range gendocs.Files {
		if !bytes.Equal(after[i], before[i]) {
			t.Errorf("the second run changed %s", name)
		}
	}

	// Any one of the files is enough to refuse, and then nothing is written.
	for _, existing := range gendocs.Files {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, existing), []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stderr := runGen(t, "-operators", "10", "-events", "10", "-signers", "4", "-out", dir)
		if code != 2 || !strings.Contains(stderr, existing) {
			t.Errorf("with %s present: exit %d, stderr %q; want 2 naming it", existing, code, stderr)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Errorf("with %s present: the directory holds %d files afterwards, want 1", existing, len(entries))
		}
		if data, _ := os.ReadFile(filepath.Join(dir, existing)); string(data) != "keep me" {
			t.Errorf("%s was overwritten", existing)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no out", []string{"-operators", "10", "-events", "10", "-signers", "4"}, "-out is required"},
		{"no operators", []string{"-events", "10", "-signers", "4"}, "-operators"},
		{"too few operators", []string{"-operators", "2", "-events", "2", "-signers", "2"}, "-operators"},
		{"too many operators", []string{"-operators", "100001", "-events", "100001", "-signers", "4"}, "-operators"},
		{"negative operators", []string{"-operators", "-5", "-events", "10", "-signers", "4"}, "-operators"},
		{"too few signers", []string{"-operators", "10", "-events", "10", "-signers", "2"}, "-signers"},
		{"more signers than operators", []string{"-operators", "10", "-events", "10", "-signers", "11"}, "-signers"},
		{"fewer events than operators", []string{"-operators", "10", "-events", "9", "-signers", "4"}, "-events"},
		{"too many events", []string{"-operators", "10", "-events", "41", "-signers", "4"}, "-events"},
		{"events past the list limit", []string{"-operators", "30000", "-events", "100001", "-signers", "4"}, "-events"},
		{"not a number", []string{"-operators", "ten", "-events", "10", "-signers", "4"}, "invalid value"},
		{"bad seed", []string{"-operators", "10", "-events", "10", "-signers", "4", "-seed", "-1"}, "invalid value"},
		{"unknown flag", []string{"-operators", "10", "-events", "10", "-signers", "4", "-pretty"}, "not defined"},
		{"stray argument", []string{"-operators", "10", "-events", "10", "-signers", "4", "extra"}, "unexpected argument"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			args := c.args
			if c.name != "no out" {
				args = append([]string{"-out", dir}, args...)
			}
			code, stderr := runGen(t, args...)
			if code != 2 || !strings.Contains(stderr, c.want) {
				t.Errorf("teegate-gen %s: exit %d, stderr %q; want 2 and %q", strings.Join(args, " "), code, stderr, c.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("%s was created (%v)", dir, err)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	if code, stderr := runGen(t, "-h"); code != 0 || !strings.Contains(stderr, "Usage: teegate-gen") {
		t.Errorf("-h: exit %d, stderr %q", code, stderr)
	}
}
