package governance

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/teegate/teegate/internal/strictjson"
)

const minimalRegistry = `{
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
    "allowed_tee_types": ["sgx"], "allowed_measurements": [],
    "attestation_max_age_seconds": 3600, "grace_period_seconds": 900,
    "effective_from": 1, "effective_until": null
  }],
  "activation_gate": null
}`

func TestDecodeRegistry(t *testing.T) {
	r, err := DecodeRegistry("r.json", []byte(minimalRegistry), Requirement{})
	if err != nil {
		t.Fatal(err)
	}
	if r.ActivationGate != nil || r.Operators[0].EffectiveUntil != nil {
		t.Errorf("null optional members decoded as %v, %v; want nil", r.ActivationGate, r.Operators[0].EffectiveUntil)
	}
	if r.Enforcement.BreakGlassScope != BreakGlassScopeNamedOperators || r.Operators[0].SignerIdentifier != "s-1" {
		t.Errorf("decoded %+v", r)
	}
}

func TestDecodeRegistryRequirement(t *testing.T) {
	doc := strings.Replace(minimalRegistry, `"grace_period_seconds": 900,
    "effective_from"`, `"effective_from"`, 1)
	if doc == minimalRegistry {
		t.Fatal("fixture edit did not apply")
	}
	_, err := DecodeRegistry("r.json", []byte(doc), Requirement{})
	var serr *strictjson.Error
	if !errors.As(err, &serr) || serr.Pointer != "/operators/0" || !strings.Contains(serr.Msg, `"grace_period_seconds"`) {
		t.Fatalf("layer A error = %v; want missing grace_period_seconds in /operators/0", err)
	}
	// A layer that does not read the operator grace period accepts it.
	req := RequireMembers("/profile_status", "/enforcement", "/operators", "/operators/*/operator_id")
	if _, err := DecodeRegistry("r.json", []byte(doc), req); err != nil {
		t.Fatalf("narrow requirement: %v", err)
	}
	// But unknown members are refused whatever the layer reads.
	bad := strings.Replace(doc, `"effective_from"`, `"effective_fromm": 1, "effective_from"`, 1)
	if _, err := DecodeRegistry("r.json", []byte(bad), req); err == nil {
		t.Fatal("unknown member accepted under a narrow requirement")
	}
}

func TestDecodeAuditLogShapes(t *testing.T) {
	const ev = `{"event_id":"e1","event_type":"add","operator_id":"op-1","signer_identifier":"s-1","governance_decision_id":"d","effective_at_unix":5}`
	for _, doc := range []string{"[" + ev + "]", " \n[" + ev + "]", `{"events":[` + ev + `]}`} {
		log, err := DecodeAuditLog("e.json", []byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if len(log.Events) != 1 || *log.Events[0].OperatorID != "op-1" || log.Events[0].EventType != EventAdd {
			t.Fatalf("%s: decoded %+v", doc, log.Events)
		}
	}
	for _, doc := range []string{"[]", `{"events":[]}`} {
		log, err := DecodeAuditLog("e.json", []byte(doc))
		if err != nil || log == nil || len(log.Events) != 0 {
			t.Fatalf("%s: got %v, %v; want an empty log", doc, log, err)
		}
	}
}

func TestDecodeAuditLogRejects(t *testing.T) {
	for _, tc := range []struct{ name, doc, pointer, msg string }{
		{"unknown event type", `[{"event_id":"e","event_type":"Add","governance_decision_id":"d","effective_at_unix":1}]`, "/0/event_type", `member "/0/event_type": unknown event type "Add" (want add,`},
		{"events null", `{"events":null}`, "/events", "null"},
		{"no events member", `{}`, "", `missing required member "events"`},
		{"other envelope member", `{"events":[],"generated_by":"x"}`, "/generated_by", "unknown member"},
		{"nested arrays", `[[]]`, "/0", "want an object"},
		{"document null", `null`, "", "null"},
		{"missing effective time", `[{"event_id":"e","event_type":"add","governance_decision_id":"d"}]`, "/0", "effective_at_unix"},
		{"scope not an array", `[{"event_id":"e","event_type":"break_glass_activate","governance_decision_id":"d","effective_at_unix":1,"scope_operator_ids":"op"}]`, "/0/scope_operator_ids", "want an array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeAuditLog("events.json", []byte(tc.doc))
			var serr *strictjson.Error
			if !errors.As(err, &serr) {
				t.Fatalf("err = %v, want a *strictjson.Error", err)
			}
			if serr.File != "events.json" || serr.Pointer != tc.pointer || !strings.Contains(serr.Error(), tc.msg) {
				t.Fatalf("err = %q (pointer %q); want pointer %q and %q", err, serr.Pointer, tc.pointer, tc.msg)
			}
		})
	}
}

func TestSweepsAreSortedByKey(t *testing.T) {
	reg, log := validRegistry(), validLog()
	log.Events = log.Events[:6]
	appendEvents(&log,
		activation("b1", "INC-Z", e7At), activation("b2", "inc-a", e7At+86400), activation("b3", "Inc-M", e7At+2*86400),
		Event{EventID: "a1", EventType: EventAdd, OperatorID: str("op-zz"), SignerIdentifier: str("z"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 3*86400},
		Event{EventID: "a2", EventType: EventAdd, OperatorID: str("OP-AA"), SignerIdentifier: str("a"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 3*86400},
	)
	reg.Enforcement.BreakGlassMaxActivationsPer7d = 3
	var first string
	for range 20 { // map iteration order varies from run to run; the output must not
		d := CheckRegistry(reg, log, testNow)
		var details []string
		for _, r := range d.Reasons {
			details = append(details, r.Detail)
		}
		got := strings.Join(details, "\n")
		if first == "" {
			first = got
			want := []string{`"inc-a"`, `"inc-m"`, `"inc-z"`, `"op-aa"`, `"op-zz"`}
			if len(details) != len(want) {
				t.Fatalf("reasons: %v", d.Reasons)
			}
			for i, w := range want {
				if !strings.Contains(details[i], w) {
					t.Errorf("reason %d = %q, want it to name %s", i, details[i], w)
				}
			}
		} else if got != first {
			t.Fatalf("output changed between runs:\n%s\n---\n%s", first, got)
		}
	}
}

// ReadAuditLog reads both shapes, from a file (which it reads again from
// the start) and from a reader that cannot seek, and refuses what
// DecodeAuditLog refuses with the same error.
func TestReadAuditLogMatchesDecode(t *testing.T) {
	const ev = `{"event_id":"e1","event_type":"add","operator_id":"op-1","signer_identifier":"s-1","governance_decision_id":"d","effective_at_unix":5}`
	pad := strings.Repeat(" \n", 700) // past the first read
	for _, doc := range []string{
		"[" + ev + "]", " \n[" + ev + "]", `{"events":[` + ev + `]}`, pad + "[" + ev + "]", pad + `{"events":[]}`,
		"", pad, "\x00[]", "[" + ev, `{"events":[` + ev + `],"x":1}`, `[{"event_id":"e","event_type":"Add","governance_decision_id":"d","effective_at_unix":1}]`,
	} {
		want, errWant := DecodeAuditLog("e.json", []byte(doc))
		path := filepath.Join(t.TempDir(), "e.json")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		fromFile, errFile := ReadAuditLog("e.json", f)
		f.Close()
		fromPipe, errPipe := ReadAuditLog("e.json", iotest.OneByteReader(strings.NewReader(doc)))
		for _, got := range []struct {
			from string
			log  *AuditLog
			err  error
		}{{"file", fromFile, errFile}, {"reader", fromPipe, errPipe}} {
			if fmt.Sprint(got.err) != fmt.Sprint(errWant) || !reflect.DeepEqual(got.log, want) {
				t.Errorf("%q from a %s: %+v, %v; DecodeAuditLog: %+v, %v", doc, got.from, got.log, got.err, want, errWant)
			}
		}
	}
}

// emptyReader returns nothing and no error, forever.
type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

// A read error while ReadAuditLog looks for the log's shape is reported
// as a read error, not as the wrong shape; a reader that returns nothing
// is given up on.
func TestReadAuditLogReadErrors(t *testing.T) {
	doc := strings.Repeat(" ", 600) + "[]"
	_, err := ReadAuditLog("e.json", iotest.TimeoutReader(strings.NewReader(doc)))
	var serr *strictjson.Error
	if !errors.As(err, &serr) || serr.Op != strictjson.OpRead || !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("a timeout while looking for the shape: %v", err)
	}
	if _, err := ReadAuditLog("e.json", emptyReader{}); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("a reader that returns nothing: %v", err)
	}
}
