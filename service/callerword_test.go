package service

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Issue 14, defect 6: by default no check decides on a governed document
// the caller brought. Each gets a 400 naming the member, and no decision.
func TestRequestDocumentsAreRefusedByDefault(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	opts := f.options()
	opts.DecisionLog = &log
	ts := f.start(t, opts)
	session := string(readExample(t, "runtime/session-start.json"))
	for _, c := range []struct{ path, body, member string }{
		{"/v1/check/token", fmt.Sprintf(`{"token": %s, "keyset": %s}`, readExample(t, "token/token.json"), readExample(t, "token/keyset.json")), "/keyset"},
		{"/v1/check/token", fmt.Sprintf(`{"token": %s, "revocation_registry": %s}`, readExample(t, "token/token.json"), readExample(t, "gate/revocation.json")), "/revocation_registry"},
		{"/v1/check/registry", fmt.Sprintf(`{"registry": %s}`, readExample(t, "registry.json")), "/registry"},
		{"/v1/check/registry", fmt.Sprintf(`{"events": %s}`, readExample(t, "events.json")), "/events"},
		{"/v1/check/runtime", fmt.Sprintf(`{"session": %s}`, session), "/session/denylist"},
		{"/v1/check/enforcement", fmt.Sprintf(`{"registry": %s, "context": %s}`, readExample(t, "registry.json"), readExample(t, "enforcement/context-monitor.json")), "/registry"},
		{"/v1/check/enforcement", fmt.Sprintf(`{"context": %s, "events": %s}`, readExample(t, "enforcement/context-monitor.json"), readExample(t, "events.json")), "/events"},
	} {
		t.Run(c.path+c.member, func(t *testing.T) {
			r := ts.post(t, c.path, []byte(c.body))
			var e apiError
			if err := json.Unmarshal(r.body, &e); err != nil {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if r.status != http.StatusBadRequest || e.Member != c.member || !strings.Contains(e.Message, "decides on its own") || e.Offset == nil {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if c.member == "/events" && !strings.Contains(e.Message, `"/events": the audit-event log is a governed document`) {
				t.Errorf("the log is named %q", e.Message)
			}
			if c.member == "/session/denylist" && !strings.HasPrefix(c.body[*e.Offset:], `{`) {
				t.Errorf("offset %d does not point at the denylist's value: %.20q", *e.Offset, c.body[*e.Offset:])
			}
		})
	}
	if ts.stop(t); log.Len() != 0 {
		t.Fatalf("refused requests were logged as decisions:\n%s", log.String())
	}
}

// runtimeSession is the examples' runtime session of the gate's cohort,
// with the gate's token ids and without a denylist: the service's is used.
func runtimeSession(t *testing.T) []byte {
	t.Helper()
	var s map[string]jsontext.Value
	if err := json.Unmarshal(readExample(t, "runtime/session-start.json"), &s); err != nil {
		t.Fatal(err)
	}
	delete(s, "denylist")
	// bravo presents the token the gate's session carries
	s["selected_signers"] = jsontext.Value(strings.Replace(string(s["selected_signers"]), "adm-keep-bravo-20260101-0004", "adm-keep-bravo-20260101-0001", 1))
	return marshal(t, s)
}

// Issue 14, defect 5: /v1/check/runtime decides on the service's own
// denylist. A token that the service's denylist revokes, which /v1/gate
// rejects, is not let through the runtime check; nor is a session start
// while the service's denylist is stale. Its answer is advisory.
func TestRuntimeCheckUsesTheServicesDenylist(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	opts := f.options()
	opts.DecisionLog = &log
	ts := f.start(t, opts)
	body := []byte(`{"session": ` + string(runtimeSession(t)) + `}`)

	r := ts.post(t, "/v1/check/runtime", body)
	if r.status != 200 || r.header.Get("Teegate-Decision") != "allow" {
		t.Fatalf("on the examples' denylist: %d %s", r.status, r.body)
	}
	if got := r.header.Get("Teegate-Advisory"); got != AdvisoryCallerAsserted {
		t.Errorf("Teegate-Advisory = %q, want %q", got, AdvisoryCallerAsserted)
	}

	f.write(t, DocRevocationRegistry, readExample(t, "gate/revocation-bravo-revoked.json"))
	if err := ts.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	if r := ts.post(t, "/v1/gate", f.session); r.header.Get("Teegate-Decision") != "reject" {
		t.Fatalf("the gate admits bravo's revoked token: %s", r.body)
	}
	r = ts.post(t, "/v1/check/runtime", body)
	if r.status != 200 || r.header.Get("Teegate-Decision") != "reject" || !bytes.Contains(r.body, []byte(`"selected_token_revoked"`)) {
		t.Fatalf("bravo's revoked token through the runtime check: %d %s", r.status, r.body)
	}

	f.clock.Set(testNow + 41) // the service's denylist is 61 s old; the bound is 60
	if readiness(t, ts).Ready {
		t.Fatal("ready on a stale denylist")
	}
	f.write(t, DocRevocationRegistry, readExample(t, "gate/revocation.json")) // bravo's revocation withdrawn
	if err := ts.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	r = ts.post(t, "/v1/check/runtime", body)
	if r.header.Get("Teegate-Decision") != "reject" || !bytes.Contains(r.body, []byte(`"denylist_stale"`)) {
		t.Fatalf("a session start on a stale denylist through the runtime check: %s", r.body)
	}

	ts.stop(t)
	for line := range strings.Lines(log.String()) {
		if !strings.Contains(line, `"endpoint":"check_runtime"`) {
			continue
		}
		if !strings.Contains(line, `"advisory":["caller-asserted"]`) || !strings.Contains(line, `"revocation_registry":{`) {
			t.Errorf("a runtime check's log line is not marked advisory on the service's denylist: %s", line)
		}
	}
}

// Issue 14, defect 5: /v1/check/enforcement enforces a runtime decision the
// caller wrote. It still answers, marked advisory everywhere the answer
// goes, and it admits no session start while the service's denylist is
// stale, whatever the caller's runtime decision says.
func TestEnforcementCheckIsAdvisory(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	opts := f.options()
	opts.DecisionLog = &log
	ts := f.start(t, opts)
	ctx := monitorContext(t)
	ctx.RuntimeDecision.Decision = "allow" // the caller's word, for a cohort with a revoked signer
	ctx.RuntimeDecision.Reasons = nil
	body := []byte(`{"context": ` + string(marshal(t, ctx)) + `}`)

	r := ts.post(t, "/v1/check/enforcement", body)
	if r.status != 200 || r.header.Get("Teegate-Decision") != "allow" || r.header.Get("Teegate-Advisory") != AdvisoryCallerAsserted {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	if got := ts.metric(t, `teegate_decisions_total{advisory="true",endpoint="check_enforcement",outcome="allow"}`); got != 1 {
		t.Errorf("advisory allow counted %v times", got)
	}
	if got := ts.metric(t, `teegate_decisions_total{advisory="false",endpoint="check_enforcement",outcome="allow"}`); got > 0 {
		t.Errorf("the caller's allow counted as an admission decision")
	}

	f.clock.Set(testNow + 41)
	r = ts.post(t, "/v1/check/enforcement", body)
	if r.header.Get("Teegate-Decision") != "reject" || !bytes.Contains(r.body, []byte(`"code": "service_denylist_stale_at_session_start"`)) {
		t.Fatalf("the caller's allow on a stale denylist: %s", r.body)
	}
	if got := ts.metric(t, `teegate_decision_reasons_total{code="service_denylist_stale_at_session_start",endpoint="check_enforcement",layer="service"}`); got != 1 {
		t.Errorf("the service's reason counted %v times under layer service", got)
	}
	ts.stop(t)
	if n := strings.Count(log.String(), `"advisory":["caller-asserted"]`); n != 2 {
		t.Errorf("%d of 2 log lines marked advisory:\n%s", n, log.String())
	}
}
