package cli

import (
	"slices"
	"testing"
)

// The policy 2 examples end as examples/policy2/README.md says.
func TestPolicy2Examples(t *testing.T) {
	t.Chdir("../..")
	gate := func(session, revocation, events, now string) []string {
		args := []string{"gate", "--registry", "examples/policy2/registry.json", "--keyset", "examples/gate/keyset.json",
			"--revocation-registry", revocation, "--session", session, "--now-unix", now}
		if events != "" {
			args = append(args, "--events", events)
		}
		return args
	}
	for _, tc := range []struct {
		args  []string
		exit  int
		codes []string
	}{
		{[]string{"check", "registry", "--registry", "examples/policy2/registry.json", "--events", "examples/policy2/events.json", "--now-unix", "1767228400"}, 0, []string{}},
		{gate("examples/gate/session.json", "examples/gate/revocation.json", "examples/policy2/events.json", "1767225600"), 0, []string{}},
		{gate("examples/gate/session.json", "examples/policy2/revocation.json", "examples/policy2/events.json", "1767228400"), 1,
			[]string{"full_enforcement_violation_blocked", "selected_token_expired_for_session_start", "token_expired"}},
		{gate("examples/policy2/session-break-glass.json", "examples/policy2/revocation.json", "examples/policy2/events.json", "1767228400"), 0,
			[]string{"full_enforcement_break_glass_applied", "selected_token_expired_for_session_start", "token_expired"}},
		{gate("examples/policy2/session-break-glass.json", "examples/policy2/revocation.json", "examples/events.json", "1767228400"), 1,
			[]string{"full_enforcement_violation_blocked", "selected_token_expired_for_session_start", "token_expired", "break_glass_grant_not_activated"}},
	} {
		r := runCLI(t, "", fixedClock(0), tc.args...)
		if r.exit != tc.exit {
			t.Errorf("teegate %v: exit %d, want %d\n%s%s", tc.args, r.exit, tc.exit, r.stdout, r.stderr)
			continue
		}
		if got := reasonCodes(t, r.stdout); !slices.Equal(got, tc.codes) {
			t.Errorf("teegate %v: codes %v, want %v", tc.args, got, tc.codes)
		}
	}
}
