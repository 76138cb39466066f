package governance

import (
	"slices"
	"testing"

	"github.com/teegate/teegate/decision"
)

const testNow = 1_700_100_000

func u64(v uint64) *uint64 { return &v }
func str(s string) *string { return &s }

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
	digestC = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// validRegistry is a mandatory registry that passes every check at testNow:
// one active, one suspended and one revoked operator.
func validRegistry() *Registry {
	return &Registry{
		ProfileStatus: "mandatory",
		Enforcement: Enforcement{
			AttestationMaxAgeSeconds:         3600,
			GracePeriodSeconds:               900,
			MinAttestedSignersPerCohort:      4,
			MaxSingleVendorSharePercent:      40,
			DenylistMaxStalenessSeconds:      60,
			BreakGlassTTLSeconds:             21600,
			BreakGlassMaxActivationsPer7d:    2,
			BreakGlassCooldownSeconds:        86400,
			BreakGlassScope:                  "named_operator_ids_only",
			BreakGlassQuorumBps:              6700,
			ActivationGateRequiredQuorumBps:  6700,
			ReAttestationPollIntervalSeconds: 300,
		},
		Operators: []Operator{
			{OperatorID: "op-alpha", SignerIdentifier: "signer-alpha", Status: "active",
				AllowedTEETypes: []string{"sgx", "tdx"}, AllowedMeasurements: []string{digestA},
				AttestationMaxAgeSeconds: 3600, GracePeriodSeconds: 600, EffectiveFrom: 1_699_000_000},
			{OperatorID: "op-bravo", SignerIdentifier: "signer-bravo", Status: "suspended",
				AllowedTEETypes: []string{"sev-snp"}, AllowedMeasurements: []string{digestB},
				AttestationMaxAgeSeconds: 3600, GracePeriodSeconds: 600, EffectiveFrom: 1_699_000_000},
			{OperatorID: "op-charlie", SignerIdentifier: "signer-charlie", Status: "revoked",
				AllowedTEETypes: []string{"tdx"}, AllowedMeasurements: []string{digestC},
				AttestationMaxAgeSeconds: 3600, GracePeriodSeconds: 600, EffectiveFrom: 1_699_000_000,
				EffectiveUntil: u64(1_699_500_000)},
		},
		ActivationGate: &ActivationGate{
			GovernanceDecisionID: "dao-vote-17",
			EffectiveAtUnix:      1_700_050_000,
			QuorumDenominator:    10000,
			AchievedQuorumBps:    7100,
			Approvers: []Approver{
				{ApproverID: "alice", Role: "security_owner", Decision: "approved", DecidedAtUnix: 1_700_040_000},
				{ApproverID: "bob", Role: "signer_runtime_owner", Decision: "approved", DecidedAtUnix: 1_700_040_100},
				{ApproverID: "carol", Role: "governance_delegate", Decision: "approved", DecidedAtUnix: 1_700_040_200},
			},
			ProfileStatusTransition: "draft -> mandatory",
			RollbackCondition:       "verifier quorum compromised",
			RollbackAuthority:       "security council",
		},
	}
}

// validLog is an event log that leads to exactly validRegistry's operators,
// with one break-glass incident opened and closed.
func validLog() *AuditLog {
	return &AuditLog{Events: []Event{
		{EventID: "e1", EventType: EventAdd, OperatorID: str("op-alpha"), SignerIdentifier: str("signer-alpha"), GovernanceDecisionID: "d1", EffectiveAtUnix: 1_699_000_000},
		{EventID: "e2", EventType: EventAdd, OperatorID: str("op-bravo"), SignerIdentifier: str("signer-bravo"), GovernanceDecisionID: "d2", EffectiveAtUnix: 1_699_000_100},
		{EventID: "e3", EventType: EventAdd, OperatorID: str("op-charlie"), SignerIdentifier: str("signer-charlie"), GovernanceDecisionID: "d3", EffectiveAtUnix: 1_699_000_200},
		{EventID: "e4", EventType: EventSuspend, OperatorID: str("op-bravo"), GovernanceDecisionID: "d4", EffectiveAtUnix: 1_699_100_000},
		{EventID: "e5", EventType: EventRevoke, OperatorID: str("op-charlie"), GovernanceDecisionID: "d5", EffectiveAtUnix: 1_699_200_000},
		{EventID: "e6", EventType: EventMeasurementUpdate, OperatorID: str("op-alpha"), MeasurementDigest: str(digestC), GovernanceDecisionID: "d6", EffectiveAtUnix: 1_699_300_000},
		{EventID: "e7", EventType: EventBreakGlassActivate, IncidentTicket: str("INC-1"), ScopeOperatorIDs: &[]string{"op-bravo"},
			ExpiresAtUnix: u64(1_699_410_000), GovernanceDecisionID: "d7", EffectiveAtUnix: 1_699_400_000},
		{EventID: "e8", EventType: EventBreakGlassExpire, IncidentTicket: str("inc-1"), GovernanceDecisionID: "d8", EffectiveAtUnix: 1_699_405_000},
	}}
}

// event returns a pointer to the log's event with the given id, for edits.
func event(log *AuditLog, id string) *Event {
	for i := range log.Events {
		if log.Events[i].EventID == id {
			return &log.Events[i]
		}
	}
	panic("no event " + id)
}

// activation is a valid break-glass activation of op-alpha at t for an hour.
func activation(id, ticket string, t uint64) Event {
	return Event{EventID: id, EventType: EventBreakGlassActivate, IncidentTicket: str(ticket),
		ScopeOperatorIDs: &[]string{"op-alpha"}, ExpiresAtUnix: u64(t + 3600), GovernanceDecisionID: "d-" + id, EffectiveAtUnix: t}
}

func expiry(id, ticket string, t uint64) Event {
	return Event{EventID: id, EventType: EventBreakGlassExpire, IncidentTicket: str(ticket), GovernanceDecisionID: "d-" + id, EffectiveAtUnix: t}
}

type registryCase struct {
	name string
	// edit changes the valid inputs; setting *log to nil drops the events.
	edit func(r *Registry, log **AuditLog)
	now  uint64 // 0 means testNow
	want []decision.Code
}

func TestCheckRegistryValidInputsAllow(t *testing.T) {
	for _, withLog := range []bool{false, true} {
		var log *AuditLog
		if withLog {
			log = validLog()
		}
		d := CheckRegistry(validRegistry(), log, testNow)
		if d.Outcome != decision.Allow || len(d.Reasons) != 0 || d.ValidatedAtUnix != testNow {
			t.Errorf("with log %v: got %v at %d, want allow at %d", withLog, d, d.ValidatedAtUnix, testNow)
		}
	}
}

func runCases(t *testing.T, cases []registryCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg, log := validRegistry(), validLog()
			tc.edit(reg, &log)
			now := tc.now
			if now == 0 {
				now = testNow
			}
			d := CheckRegistry(reg, log, now)
			if got := d.Codes(); !slices.Equal(got, tc.want) {
				t.Fatalf("codes = %v\nwant    %v\nreasons: %v", got, tc.want, d.Reasons)
			}
			wantOutcome := decision.Allow
			if len(tc.want) > 0 {
				wantOutcome = decision.Reject
			}
			if d.Outcome != wantOutcome {
				t.Fatalf("outcome = %s, want %s", d.Outcome, wantOutcome)
			}
			for _, r := range d.Reasons {
				if r.Detail == "" {
					t.Errorf("reason %s has no detail", r.Code)
				}
			}
		})
	}
}

func TestCheckRegistryEnforcement(t *testing.T) { runCases(t, enforcementCases) }
func TestCheckRegistryOperators(t *testing.T)   { runCases(t, operatorCases) }
func TestCheckRegistryActivationGate(t *testing.T) {
	runCases(t, gateCases)
}
func TestCheckRegistryEvents(t *testing.T) { runCases(t, eventCases) }
