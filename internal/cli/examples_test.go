package cli

import (
	"slices"
	"strings"
	"testing"
)

// The shipped examples end as README.md and examples/README.md say, at the
// evaluation time they document.
func TestExamples(t *testing.T) {
	const now = "1767225600" // 2026-01-01T00:00:00Z
	t.Chdir("../..")
	for _, tc := range []struct {
		registry, events string
		exit             int
		codes            []string
		stderr           string
	}{
		{"examples/registry.json", "examples/events.json", 0, []string{}, ""},
		{"examples/registry.json", "", 0, []string{}, ""},
		{"examples/registry-rejected.json", "examples/events.json", 1,
			[]string{"active_operator_window_expired", "activation_gate_quorum_below_required", "operator_status_mismatch_with_events"}, ""},
		{"examples/registry.json", "examples/events-typo.json", 2, nil,
			`failed to parse JSON file [examples/events-typo.json]: member "/events/6/operatr_id": unknown member`},
	} {
		args := []string{"check", "registry", "--registry", tc.registry, "--now-unix", now}
		if tc.events != "" {
			args = append(args, "--events", tc.events)
		}
		r := runCLI(t, "", fixedClock(0), args...)
		if r.exit != tc.exit {
			t.Errorf("teegate %v: exit %d, want %d\n%s%s", args, r.exit, tc.exit, r.stdout, r.stderr)
			continue
		}
		if tc.exit == ExitError {
			if !strings.HasPrefix(r.stderr, tc.stderr) {
				t.Errorf("teegate %v: stderr %q, want prefix %q", args, r.stderr, tc.stderr)
			}
			continue
		}
		if got := reasonCodes(t, r.stdout); !slices.Equal(got, tc.codes) {
			t.Errorf("teegate %v: codes %v, want %v", args, got, tc.codes)
		}
	}
}

// The token examples end as examples/token/README.md says.
func TestTokenExamples(t *testing.T) {
	t.Chdir("../..")
	diversity := []string{"token_signature_quorum_not_met", "token_signature_trust_root_diversity_violation", "token_signature_instance_diversity_violation"}
	for _, tc := range []struct {
		token, revocation string
		exit              int
		codes             []string
	}{
		{"token.json", "revocation.json", 0, []string{}},
		{"token.json", "revocation-revoked.json", 1, []string{"token_id_revoked"}},
		{"token-one-signature.json", "revocation.json", 1, diversity},
		{"token-one-instance.json", "revocation.json", 1, diversity},
	} {
		r := runCLI(t, "", fixedClock(0), "check", "token", "--registry", "examples/registry.json",
			"--keyset", "examples/token/keyset.json", "--token", "examples/token/"+tc.token,
			"--revocation-registry", "examples/token/"+tc.revocation, "--now-unix", "1767225600")
		if r.exit != tc.exit {
			t.Errorf("%s with %s: exit %d, want %d\n%s%s", tc.token, tc.revocation, r.exit, tc.exit, r.stdout, r.stderr)
			continue
		}
		if got := reasonCodes(t, r.stdout); !slices.Equal(got, tc.codes) {
			t.Errorf("%s with %s: codes %v, want %v", tc.token, tc.revocation, got, tc.codes)
		}
	}
}

// The runtime examples end as examples/runtime/README.md says.
func TestRuntimeExamples(t *testing.T) {
	t.Chdir("../..")
	for _, tc := range []struct {
		session string
		exit    int
		codes   []string
	}{
		{"session-start.json", 0, []string{}},
		{"session-mid-grace.json", 0, []string{}},
		{"session-vendor-outage.json", 0, []string{}},
		{"session-rejected.json", 1, []string{"denylist_stale", "selected_token_expired_for_session_start",
			"selected_operator_not_active", "selected_token_revoked", "vendor_diversity_cap_exceeded"}},
	} {
		r := runCLI(t, "", fixedClock(0), "check", "runtime", "--registry", "examples/registry.json",
			"--session", "examples/runtime/"+tc.session, "--now-unix", "1767225600")
		if r.exit != tc.exit {
			t.Errorf("%s: exit %d, want %d\n%s%s", tc.session, r.exit, tc.exit, r.stdout, r.stderr)
			continue
		}
		if got := reasonCodes(t, r.stdout); !slices.Equal(got, tc.codes) {
			t.Errorf("%s: codes %v, want %v", tc.session, got, tc.codes)
		}
	}
}

// The enforcement examples end as examples/enforcement/README.md says.
func TestEnforcementExamples(t *testing.T) {
	t.Chdir("../..")
	runtimeCodes := []string{"runtime_denylist_stale", "runtime_selected_token_expired_for_session_start",
		"runtime_selected_operator_not_active", "runtime_selected_token_revoked", "runtime_vendor_diversity_cap_exceeded"}
	for _, tc := range []struct {
		context  string
		exit     int
		decision string
		codes    []string
	}{
		{"context-monitor.json", 0, "allow_with_warnings", append([]string{"monitor_only_runtime_violation_observed"}, runtimeCodes...)},
		{"context-hard-canary.json", 1, "reject", append([]string{"hard_enforcement_canary_violation_blocked"}, runtimeCodes...)},
		{"context-full-break-glass.json", 0, "allow_with_warnings", []string{"full_enforcement_break_glass_applied", "runtime_vendor_diversity_cap_exceeded"}},
	} {
		r := runCLI(t, "", fixedClock(0), "check", "enforcement", "--registry", "examples/registry.json",
			"--context", "examples/enforcement/"+tc.context, "--now-unix", "1767225600")
		if r.exit != tc.exit || !strings.Contains(r.stdout, `"decision": "`+tc.decision+`"`) {
			t.Errorf("%s: exit %d, want %d and %s\n%s%s", tc.context, r.exit, tc.exit, tc.decision, r.stdout, r.stderr)
			continue
		}
		if got := reasonCodes(t, r.stdout); !slices.Equal(got, tc.codes) {
			t.Errorf("%s: codes %v, want %v", tc.context, got, tc.codes)
		}
	}
}
