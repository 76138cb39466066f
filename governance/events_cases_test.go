package governance

// e7 is the valid log's break-glass activation; later activations must keep
// the cooldown (86400 s) from it.
const e7At = 1_699_400_000

func appendEvents(log **AuditLog, evs ...Event) { (*log).Events = append((*log).Events, evs...) }

var eventCases = []registryCase{
	{"empty log ends event checks", func(_ *Registry, log **AuditLog) { (*log).Events = []Event{} }, 0,
		codes{CodeAuditEventsMissing}},
	{"first inversion reported once", func(_ *Registry, log **AuditLog) {
		event(*log, "e4").EffectiveAtUnix = 1
		event(*log, "e6").EffectiveAtUnix = 2
	}, 0, codes{CodeAuditEventsNotChronological}},
	{"equal timestamps are chronological", func(_ *Registry, log **AuditLog) {
		event(*log, "e2").EffectiveAtUnix = event(*log, "e1").EffectiveAtUnix
	}, 0, nil},
	{"blank event id drops the event", func(_ *Registry, log **AuditLog) { event(*log, "e4").EventID = " " }, 0,
		codes{CodeAuditEventIDMissing, CodeOperatorStatusMismatchWithEvents}},
	{"duplicate event id is still applied", func(_ *Registry, log **AuditLog) { event(*log, "e5").EventID = "E4 " }, 0,
		codes{CodeAuditEventIDDuplicate}},
	{"event time zero", func(_ *Registry, log **AuditLog) { event(*log, "e1").EffectiveAtUnix = 0 }, 0,
		codes{CodeAuditEventEffectiveTimeInvalid}},
	{"blank decision id", func(_ *Registry, log **AuditLog) { event(*log, "e2").GovernanceDecisionID = "" }, 0,
		codes{CodeAuditEventDecisionIDMissing}},

	// add
	{"add without operator_id is silently ignored", func(_ *Registry, log **AuditLog) {
		appendEvents(log, Event{EventID: "a", EventType: EventAdd, SignerIdentifier: str("s"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 10000})
	}, 0, nil},
	{"add without signer is silently ignored", func(_ *Registry, log **AuditLog) {
		appendEvents(log, Event{EventID: "a", EventType: EventAdd, OperatorID: str("op-x"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 10000})
	}, 0, nil},
	{"add with blank operator_id", func(_ *Registry, log **AuditLog) { event(*log, "e1").OperatorID = str("") }, 0,
		codes{CodeAuditAddOperatorIDMissing, CodeAuditMeasurementUpdateUnknownOperator, CodeOperatorMissingAddEvent}},
	{"add with blank signer", func(_ *Registry, log **AuditLog) { event(*log, "e2").SignerIdentifier = str(" ") }, 0,
		codes{CodeAuditAddSignerIdentifierMissing, CodeAuditSuspendUnknownOperator, CodeAuditBreakGlassScopeUnknownOperator, CodeOperatorMissingAddEvent}},
	{"add of a known operator", func(_ *Registry, log **AuditLog) {
		appendEvents(log, Event{EventID: "a", EventType: EventAdd, OperatorID: str("OP-CHARLIE"), SignerIdentifier: str("other"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 10000})
	}, 0, codes{CodeAuditAddDuplicateOperator}},

	// suspend and revoke
	{"suspend with blank operator_id", func(_ *Registry, log **AuditLog) { event(*log, "e4").OperatorID = str("") }, 0,
		codes{CodeAuditSuspendOperatorIDMissing, CodeOperatorStatusMismatchWithEvents}},
	{"suspend of an unknown operator", func(_ *Registry, log **AuditLog) { event(*log, "e4").OperatorID = str("op-zulu") }, 0,
		codes{CodeAuditSuspendUnknownOperator, CodeOperatorStatusMismatchWithEvents}},
	{"suspend after revoke", func(_ *Registry, log **AuditLog) {
		appendEvents(log, Event{EventID: "s", EventType: EventSuspend, OperatorID: str("op-charlie"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 10000})
	}, 0, codes{CodeAuditSuspendAfterRevoke}},
	{"suspend twice and revoke twice are allowed", func(r *Registry, log **AuditLog) {
		appendEvents(log,
			Event{EventID: "s", EventType: EventSuspend, OperatorID: str("op-bravo"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 10000},
			Event{EventID: "r", EventType: EventRevoke, OperatorID: str("op-charlie"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 10001})
	}, 0, nil},
	{"revoke with blank operator_id", func(_ *Registry, log **AuditLog) { event(*log, "e5").OperatorID = str("\n") }, 0,
		codes{CodeAuditRevokeOperatorIDMissing, CodeOperatorStatusMismatchWithEvents}},
	{"revoke of an unknown operator", func(_ *Registry, log **AuditLog) { event(*log, "e5").OperatorID = str("op-zulu") }, 0,
		codes{CodeAuditRevokeUnknownOperator, CodeOperatorStatusMismatchWithEvents}},
	{"suspended operator re-suspended after revoke stays revoked", func(r *Registry, log **AuditLog) {
		appendEvents(log,
			Event{EventID: "r", EventType: EventRevoke, OperatorID: str("op-bravo"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 10000},
			Event{EventID: "s", EventType: EventSuspend, OperatorID: str("op-bravo"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 10001})
		r.Operators[1].Status = "revoked"
	}, 0, codes{CodeAuditSuspendAfterRevoke}},

	// measurement_update
	{"measurement update with blank operator_id", func(_ *Registry, log **AuditLog) { event(*log, "e6").OperatorID = str("") }, 0,
		codes{CodeAuditMeasurementUpdateOperatorIDMissing}},
	{"measurement update with blank digest", func(_ *Registry, log **AuditLog) { event(*log, "e6").MeasurementDigest = str(" ") }, 0,
		codes{CodeAuditMeasurementDigestMissing}},
	{"measurement update without digest is ignored", func(_ *Registry, log **AuditLog) { event(*log, "e6").MeasurementDigest = nil }, 0, nil},
	{"measurement update of an unknown operator skips the digest check", func(_ *Registry, log **AuditLog) {
		event(*log, "e6").OperatorID, event(*log, "e6").MeasurementDigest = str("op-zulu"), str("md5:0")
	}, 0, codes{CodeAuditMeasurementUpdateUnknownOperator}},
	{"measurement update with a bad digest", func(_ *Registry, log **AuditLog) { event(*log, "e6").MeasurementDigest = str("sha256:xyz") }, 0,
		codes{CodeAuditMeasurementDigestInvalidFormat}},
	{"measurement update of a revoked operator is accepted", func(_ *Registry, log **AuditLog) { event(*log, "e6").OperatorID = str("op-charlie") }, 0, nil},

	// break_glass_activate
	{"activation with blank ticket is skipped", func(_ *Registry, log **AuditLog) { event(*log, "e7").IncidentTicket = str("") }, 0,
		codes{CodeAuditBreakGlassTicketMissing, CodeAuditBreakGlassExpireWithoutActivation}},
	{"activation without expiry is skipped", func(_ *Registry, log **AuditLog) { event(*log, "e7").ExpiresAtUnix = nil }, 0,
		codes{CodeAuditBreakGlassExpiryMissing, CodeAuditBreakGlassExpireWithoutActivation}},
	{"expiry not after activation", func(_ *Registry, log **AuditLog) { event(*log, "e7").ExpiresAtUnix = u64(e7At) }, 0,
		codes{CodeAuditBreakGlassExpiryInvalid, CodeAuditBreakGlassExpireAfterTTL}},
	{"ttl above policy", func(_ *Registry, log **AuditLog) { event(*log, "e7").ExpiresAtUnix = u64(e7At + 21601) }, 0,
		codes{CodeAuditBreakGlassTTLExceedsPolicy}},
	{"ttl equal to policy", func(_ *Registry, log **AuditLog) { event(*log, "e7").ExpiresAtUnix = u64(e7At + 21600) }, 0, nil},
	{"scope absent", func(_ *Registry, log **AuditLog) { event(*log, "e7").ScopeOperatorIDs = nil }, 0,
		codes{CodeAuditBreakGlassScopeMissing}},
	{"scope empty", func(_ *Registry, log **AuditLog) { event(*log, "e7").ScopeOperatorIDs = &[]string{} }, 0,
		codes{CodeAuditBreakGlassScopeMissing}},
	{"scope entries checked one by one", func(_ *Registry, log **AuditLog) {
		event(*log, "e7").ScopeOperatorIDs = &[]string{"", "op-zulu", " ", " OP-Charlie", "op-alpha", "op-bravo", "op-alpha"}
	}, 0, codes{CodeAuditBreakGlassScopeContainsEmpty, CodeAuditBreakGlassScopeUnknownOperator,
		CodeAuditBreakGlassScopeContainsEmpty, CodeAuditBreakGlassScopeRevokedOperator}},
	{"activation within the cooldown", func(_ *Registry, log **AuditLog) {
		appendEvents(log, activation("b", "INC-2", e7At+86399), expiry("c", "INC-2", e7At+86399+100))
	}, 0, codes{CodeAuditBreakGlassCooldownViolation}},
	{"activation exactly one cooldown later", func(_ *Registry, log **AuditLog) {
		appendEvents(log, activation("b", "INC-2", e7At+86400), expiry("c", "INC-2", e7At+86400+100))
	}, 0, nil},
	{"activation limit counts a window edge 7 days back", func(r *Registry, log **AuditLog) {
		r.Enforcement.BreakGlassMaxActivationsPer7d = 1
		appendEvents(log, activation("b", "INC-2", e7At+604800), expiry("c", "INC-2", e7At+604800+100))
	}, 0, codes{CodeAuditBreakGlassActivationLimitExceeded}},
	{"activation limit forgets activations older than 7 days", func(r *Registry, log **AuditLog) {
		r.Enforcement.BreakGlassMaxActivationsPer7d = 1
		appendEvents(log, activation("b", "INC-2", e7At+604801), expiry("c", "INC-2", e7At+604801+100))
	}, 0, nil},
	{"re-activating an open incident", func(_ *Registry, log **AuditLog) {
		evs := (*log).Events
		re := activation("b", " inc-1", e7At+86400)
		(*log).Events = append(evs[:7:7], re, expiry("e8", "INC-1", e7At+86400+100))
	}, 0, codes{CodeAuditBreakGlassDuplicateIncident}},

	// break_glass_expire
	{"expire with blank ticket", func(_ *Registry, log **AuditLog) { event(*log, "e8").IncidentTicket = str("") }, 0,
		codes{CodeAuditBreakGlassExpireTicketMissing, CodeAuditBreakGlassMissingExpireEvent}},
	{"expire without ticket is ignored, leaving the incident open", func(_ *Registry, log **AuditLog) { event(*log, "e8").IncidentTicket = nil }, 0,
		codes{CodeAuditBreakGlassMissingExpireEvent}},
	{"expire of a ticket never opened", func(_ *Registry, log **AuditLog) {
		appendEvents(log, expiry("x", "INC-404", e7At+10000))
	}, 0, codes{CodeAuditBreakGlassExpireWithoutActivation}},
	{"expire twice", func(_ *Registry, log **AuditLog) {
		appendEvents(log, expiry("x", "INC-1", e7At+10000))
	}, 0, codes{CodeAuditBreakGlassExpireWithoutActivation}},
	{"expire after the deadline", func(_ *Registry, log **AuditLog) { event(*log, "e8").EffectiveAtUnix = e7At + 10001 }, 0,
		codes{CodeAuditBreakGlassExpireAfterTTL}},
	{"expire at the deadline", func(_ *Registry, log **AuditLog) { event(*log, "e8").EffectiveAtUnix = e7At + 10000 }, 0, nil},
	{"open incident not yet expired is accepted", func(_ *Registry, log **AuditLog) {
		(*log).Events = (*log).Events[:6]
		appendEvents(log, activation("b", "INC-9", testNow-100))
	}, 0, nil},
	{"open incident expiring exactly now", func(_ *Registry, log **AuditLog) {
		(*log).Events = (*log).Events[:6]
		appendEvents(log, activation("b", "INC-9", testNow-3600))
	}, 0, codes{CodeAuditBreakGlassMissingExpireEvent}},

	// reconciliation
	{"registry status differs from the events", func(r *Registry, _ **AuditLog) { r.Operators[1].Status = "active" }, 0,
		codes{CodeOperatorStatusMismatchWithEvents}},
	{"registry operator never added", func(_ *Registry, log **AuditLog) { (*log).Events = (*log).Events[1:] }, 0,
		codes{CodeAuditMeasurementUpdateUnknownOperator, CodeOperatorMissingAddEvent}},
	{"registry signer differs from the add event", func(r *Registry, _ **AuditLog) { r.Operators[2].SignerIdentifier = "signer-delta" }, 0,
		codes{CodeOperatorSignerIdentifierMismatchWithEvents}},
	{"status and signer mismatch together", func(r *Registry, _ **AuditLog) {
		r.Operators[1].Status, r.Operators[1].SignerIdentifier = "revoked", "signer-x"
	}, 0, codes{CodeOperatorStatusMismatchWithEvents, CodeOperatorSignerIdentifierMismatchWithEvents}},
	{"signers compared normalised", func(r *Registry, _ **AuditLog) { r.Operators[2].SignerIdentifier = " SIGNER-charlie" }, 0, nil},
	{"operator added by events only", func(_ *Registry, log **AuditLog) {
		appendEvents(log, Event{EventID: "a", EventType: EventAdd, OperatorID: str("op-delta"), SignerIdentifier: str("s-d"), GovernanceDecisionID: "d", EffectiveAtUnix: e7At + 10000})
	}, 0, codes{CodeOperatorPresentInEventsMissingFromRegistry}},
	{"operators with invalid status are not reconciled", func(r *Registry, _ **AuditLog) { r.Operators[1].Status = "paused" }, 0,
		codes{CodeOperatorStatusInvalid}},
	{"blank registry id is reconciled under the empty key", func(r *Registry, _ **AuditLog) { r.Operators[0].OperatorID = "" }, 0,
		codes{CodeOperatorIDMissing, CodeOperatorMissingAddEvent, CodeOperatorPresentInEventsMissingFromRegistry}},
}
