package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The gate's decision on the examples equals the one an operator reaches
// by running teegate check token for each signer, check runtime on the
// verified facts, and check enforcement on the result, file by file.
func TestGateAgreesWithTheCheckCommands(t *testing.T) {
	t.Chdir("../..")
	const now = "1767225600"
	for _, tc := range []struct {
		revocation string
		exit       int
	}{
		{"examples/gate/revocation.json", 0},
		{"examples/gate/revocation-bravo-revoked.json", 1},
	} {
		g := runCLI(t, "", fixedClock(0), "gate", "--registry", "examples/registry.json", "--keyset", "examples/gate/keyset.json",
			"--revocation-registry", tc.revocation, "--session", "examples/gate/session.json", "--now-unix", now)
		if g.exit != tc.exit {
			t.Fatalf("%s: gate exit %d, want %d\n%s%s", tc.revocation, g.exit, tc.exit, g.stdout, g.stderr)
		}
		var gateOut struct {
			Decision string
			Reasons  []struct{ Layer, Code string }
		}
		if err := json.Unmarshal([]byte(g.stdout), &gateOut); err != nil {
			t.Fatal(err)
		}
		var gateCodes []string // as check enforcement prints them
		for _, r := range gateOut.Reasons {
			if r.Layer == "enforcement" {
				gateCodes = append(gateCodes, r.Code)
			} else {
				gateCodes = append(gateCodes, "runtime_"+r.Code)
			}
		}
		decisionByHand, codesByHand := gateByHand(t, tc.revocation, now)
		if gateOut.Decision != decisionByHand || !slices.Equal(gateCodes, codesByHand) {
			t.Fatalf("%s: gate %s %v\nby hand %s %v", tc.revocation, gateOut.Decision, gateCodes, decisionByHand, codesByHand)
		}
	}
}

func gateByHand(t *testing.T, revocationPath, now string) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, v any) string {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var session struct {
		SessionID       string `json:"session_id"`
		Phase           string `json:"phase"`
		Threshold       uint64 `json:"threshold"`
		SelectedSigners []struct {
			OperatorID       string          `json:"operator_id"`
			SignerIdentifier string          `json:"signer_identifier"`
			VendorID         string          `json:"vendor_id"`
			Token            json.RawMessage `json:"token"`
		} `json:"selected_signers"`
		Enforcement struct {
			Mode          string `json:"mode"`
			CanarySession bool   `json:"canary_session"`
		} `json:"enforcement"`
	}
	var revocation struct {
		Refreshed       uint64                                    `json:"denylist_refreshed_at_unix"`
		MinEpoch        uint64                                    `json:"min_token_revocation_epoch"`
		RevokedTokens   map[string]struct{ RevokedAtUnix uint64 } `json:"revoked_token_ids"`
		RevokedOperator []string                                  `json:"revoked_operator_ids"`
		RevokedSigners  []string                                  `json:"revoked_signer_identifiers"`
	}
	for path, v := range map[string]any{"examples/gate/session.json": &session, revocationPath: &revocation} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatal(err)
		}
	}
	type reason struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}
	type decisionOut struct {
		Decision string   `json:"decision"`
		Reasons  []reason `json:"reasons"`
	}
	parse := func(out string) decisionOut {
		var d decisionOut
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return d
	}

	var tokenReasons [][]reason // each token's reasons from check token
	var selected []map[string]any
	var operators []string
	nowNum := json.Number(now)
	midSession := strings.EqualFold(strings.TrimSpace(session.Phase), "mid_session")
	for i, s := range session.SelectedSigners {
		tokPath := filepath.Join(dir, "token-"+s.OperatorID+".json")
		if err := os.WriteFile(tokPath, s.Token, 0o600); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, "", fixedClock(0), "check", "token", "--registry", "examples/registry.json", "--keyset", "examples/gate/keyset.json",
			"--token", tokPath, "--revocation-registry", revocationPath, "--now-unix", now)
		var own []reason
		for _, rs := range parse(r.stdout).Reasons {
			if !(midSession && rs.Code == "token_expired") { // layer C judges expiry mid-session
				own = append(own, rs)
			}
		}
		var tok struct {
			PayloadJSON string `json:"payload_json"`
		}
		json.Unmarshal(s.Token, &tok)
		var p struct {
			TokenID  string `json:"token_id"`
			Operator string `json:"operator_id"`
			Signer   string `json:"signer_identifier"`
			Issued   uint64 `json:"issued_at_unix"`
			Expires  uint64 `json:"expires_at_unix"`
			Epoch    uint64 `json:"token_revocation_epoch"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(tok.PayloadJSON)), &p); err != nil {
			t.Fatalf("signer %d payload: %v", i, err)
		}
		// A token must be for the signer presenting it.
		if !strings.EqualFold(p.Operator, s.OperatorID) {
			own = append(own, reason{Code: "token_operator_mismatch"})
		}
		if !strings.EqualFold(p.Signer, s.SignerIdentifier) {
			own = append(own, reason{Code: "token_signer_identifier_mismatch"})
		}
		tokenReasons = append(tokenReasons, own)
		selected = append(selected, map[string]any{"operator_id": s.OperatorID, "signer_identifier": s.SignerIdentifier, "vendor_id": s.VendorID,
			"token": map[string]any{"token_id": p.TokenID, "issued_at_unix": p.Issued, "expires_at_unix": p.Expires, "token_revocation_epoch": p.Epoch}})
		operators = append(operators, s.OperatorID)
	}
	revokedTokens := []string{}
	for id, rec := range revocation.RevokedTokens {
		if n, _ := nowNum.Int64(); rec.RevokedAtUnix <= uint64(n) {
			revokedTokens = append(revokedTokens, id)
		}
	}
	runtimeSession := write("session.json", map[string]any{
		"session_id": session.SessionID, "phase": session.Phase, "threshold": session.Threshold, "selected_signers": selected,
		"denylist": map[string]any{"refreshed_at_unix": revocation.Refreshed, "revoked_operator_ids": append([]string{}, revocation.RevokedOperator...),
			"revoked_signer_identifiers": append([]string{}, revocation.RevokedSigners...), "revoked_token_ids": revokedTokens,
			"min_token_revocation_epoch": revocation.MinEpoch},
	})
	rt := parse(runCLI(t, "", fixedClock(0), "check", "runtime", "--registry", "examples/registry.json", "--session", runtimeSession, "--now-unix", now).stdout)
	// A finding that every token reports alike (about the registry, keyset
	// or denylist) is reported once, then each token's own.
	shared := func(r reason) bool {
		for _, rs := range tokenReasons {
			if !slices.Contains(rs, r) {
				return false
			}
		}
		return true
	}
	for i, rs := range tokenReasons {
		for _, r := range rs {
			if !shared(r) || i == 0 {
				rt.Reasons = append(rt.Reasons, r)
			}
		}
	}
	if len(rt.Reasons) > 0 {
		rt.Decision = "reject"
	}
	if rt.Reasons == nil {
		rt.Reasons = []reason{}
	}
	context := write("context.json", map[string]any{
		"session_id": session.SessionID, "canary_session": session.Enforcement.CanarySession, "selected_operator_ids": operators,
		"enforcement_mode": session.Enforcement.Mode,
		"runtime_decision": map[string]any{"decision": rt.Decision, "reasons": rt.Reasons, "validated_at_unix": nowNum},
	})
	final := parse(runCLI(t, "", fixedClock(0), "check", "enforcement", "--registry", "examples/registry.json", "--context", context, "--now-unix", now).stdout)
	codes := []string{}
	for _, r := range final.Reasons {
		codes = append(codes, r.Code)
	}
	return final.Decision, codes
}
