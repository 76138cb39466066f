package governance

import (
	"maps"
	"slices"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/sat"
)

// replay is the state the audit events build up, event by event: operator
// lifecycles, break-glass incidents, and the activation history that the
// rate limits are measured against.
type replay struct {
	b         *decision.Builder
	policy    *Enforcement
	seenIDs   map[string]bool
	status    map[string]Status // norm(operator_id) -> status the events lead to
	signer    map[string]string // norm(operator_id) -> trimmed signer of its add event
	incidents map[string]uint64 // norm(incident_ticket) -> expires_at_unix, while open
	window    []uint64          // activation times within the trailing 7 days, oldest first
	last      uint64            // time of the previous activation
	hasLast   bool
}

func checkAuditLog(b *decision.Builder, reg *Registry, events []Event, now uint64) {
	if len(events) == 0 {
		b.Addf(CodeAuditEventsMissing, "the audit event log has no events")
		return
	}
	for i := 0; i+1 < len(events); i++ {
		if events[i].EffectiveAtUnix > events[i+1].EffectiveAtUnix {
			b.Addf(CodeAuditEventsNotChronological, "event %q (%d) comes before event %q (%d) but is later",
				events[i].EventID, events[i].EffectiveAtUnix, events[i+1].EventID, events[i+1].EffectiveAtUnix)
			break // reported once; the events are still replayed in file order
		}
	}
	// The maps are sized for the usual log, an add per registry operator,
	// so that a large one is not rehashed as it fills.
	r := replay{
		b:         b,
		policy:    &reg.Enforcement,
		seenIDs:   make(map[string]bool, len(events)),
		status:    make(map[string]Status, len(reg.Operators)),
		signer:    make(map[string]string, len(reg.Operators)),
		incidents: map[string]uint64{},
	}
	for i := range events {
		r.apply(&events[i])
	}
	r.sweepIncidents(now)
	r.reconcile(reg.Operators)
}

func (r *replay) apply(ev *Event) {
	if ident.Blank(ev.EventID) {
		r.b.Addf(CodeAuditEventIDMissing, "an %s event has a blank event_id and is ignored", ev.EventType)
		return
	}
	id := ident.Norm(ev.EventID)
	if r.seenIDs[id] {
		r.b.Addf(CodeAuditEventIDDuplicate, "event_id %q appears more than once", ev.EventID)
	}
	r.seenIDs[id] = true
	if ev.EffectiveAtUnix == 0 {
		r.b.Addf(CodeAuditEventEffectiveTimeInvalid, "event %q: effective_at_unix must be greater than 0", ev.EventID)
	}
	if ident.Blank(ev.GovernanceDecisionID) {
		r.b.Addf(CodeAuditEventDecisionIDMissing, "event %q: governance_decision_id is blank", ev.EventID)
	}
	switch ev.EventType {
	case EventAdd:
		r.add(ev)
	case EventSuspend:
		r.suspend(ev)
	case EventRevoke:
		r.revoke(ev)
	case EventMeasurementUpdate:
		r.measurementUpdate(ev)
	case EventBreakGlassActivate:
		r.activate(ev)
	case EventBreakGlassExpire:
		r.expire(ev)
	}
}

// keyMember reads an event's optional key member. An absent member makes
// the event a silent no-op and a blank one reports code; either way ok is
// false and the event has no further effect. The silent case is the
// reference's behaviour; reconciliation catches most of its consequences.
func (r *replay) keyMember(ev *Event, v *string, member string, code decision.Code) (string, bool) {
	if v == nil {
		return "", false
	}
	if ident.Blank(*v) {
		r.b.Addf(code, "event %q (%s): %s is blank", ev.EventID, ev.EventType, member)
		return "", false
	}
	return *v, true
}

func (r *replay) add(ev *Event) {
	op, ok := r.keyMember(ev, ev.OperatorID, "operator_id", CodeAuditAddOperatorIDMissing)
	if !ok {
		return
	}
	signer, ok := r.keyMember(ev, ev.SignerIdentifier, "signer_identifier", CodeAuditAddSignerIdentifierMissing)
	if !ok {
		return
	}
	key := ident.Norm(op)
	if _, known := r.status[key]; known {
		r.b.Addf(CodeAuditAddDuplicateOperator, "event %q adds operator %q, which was already added", ev.EventID, op)
		return
	}
	r.status[key] = StatusActive
	r.signer[key] = ident.Trim(signer)
}

func (r *replay) suspend(ev *Event) {
	op, ok := r.keyMember(ev, ev.OperatorID, "operator_id", CodeAuditSuspendOperatorIDMissing)
	if !ok {
		return
	}
	key := ident.Norm(op)
	switch st, known := r.status[key]; {
	case !known:
		r.b.Addf(CodeAuditSuspendUnknownOperator, "event %q suspends operator %q, which was never added", ev.EventID, op)
	case st == StatusRevoked:
		r.b.Addf(CodeAuditSuspendAfterRevoke, "event %q suspends operator %q, which is already revoked", ev.EventID, op)
	default:
		r.status[key] = StatusSuspended
	}
}

func (r *replay) revoke(ev *Event) {
	op, ok := r.keyMember(ev, ev.OperatorID, "operator_id", CodeAuditRevokeOperatorIDMissing)
	if !ok {
		return
	}
	key := ident.Norm(op)
	if _, known := r.status[key]; !known {
		r.b.Addf(CodeAuditRevokeUnknownOperator, "event %q revokes operator %q, which was never added", ev.EventID, op)
		return
	}
	r.status[key] = StatusRevoked
}

func (r *replay) measurementUpdate(ev *Event) {
	op, ok := r.keyMember(ev, ev.OperatorID, "operator_id", CodeAuditMeasurementUpdateOperatorIDMissing)
	if !ok {
		return
	}
	digest, ok := r.keyMember(ev, ev.MeasurementDigest, "measurement_digest", CodeAuditMeasurementDigestMissing)
	if !ok {
		return
	}
	if _, known := r.status[ident.Norm(op)]; !known {
		r.b.Addf(CodeAuditMeasurementUpdateUnknownOperator, "event %q updates the measurement of operator %q, which was never added", ev.EventID, op)
		return
	}
	if !ident.IsSHA256Digest(digest) {
		r.b.Addf(CodeAuditMeasurementDigestInvalidFormat, "event %q: measurement_digest %q is not sha256: followed by 64 hex digits",
			ev.EventID, ident.Trim(digest))
	}
}

func (r *replay) activate(ev *Event) {
	ticket, ok := r.keyMember(ev, ev.IncidentTicket, "incident_ticket", CodeAuditBreakGlassTicketMissing)
	if !ok {
		return
	}
	if ev.ExpiresAtUnix == nil {
		// Unlike the other optional members, a missing expiry is reported:
		// an open-ended waiver is exactly what break-glass must not be.
		r.b.Addf(CodeAuditBreakGlassExpiryMissing, "event %q: break-glass activation has no expires_at_unix", ev.EventID)
		return
	}
	t, expires := ev.EffectiveAtUnix, *ev.ExpiresAtUnix
	if expires <= t {
		r.b.Addf(CodeAuditBreakGlassExpiryInvalid, "event %q: expires_at_unix (%d) is not after effective_at_unix (%d)", ev.EventID, expires, t)
	}
	if ttl := sat.Sub(expires, t); ttl > r.policy.BreakGlassTTLSeconds {
		r.b.Addf(CodeAuditBreakGlassTTLExceedsPolicy, "event %q: waiver lasts %d s, above enforcement.break_glass_ttl_seconds (%d)",
			ev.EventID, ttl, r.policy.BreakGlassTTLSeconds)
	}
	var scope []string
	if ev.ScopeOperatorIDs != nil {
		scope = *ev.ScopeOperatorIDs
	}
	if len(scope) == 0 {
		r.b.Addf(CodeAuditBreakGlassScopeMissing, "event %q: scope_operator_ids names no operator", ev.EventID)
	}
	for _, entry := range scope {
		if ident.Blank(entry) {
			r.b.Addf(CodeAuditBreakGlassScopeContainsEmpty, "event %q: scope_operator_ids contains a blank entry", ev.EventID)
			continue
		}
		switch st, known := r.status[ident.Norm(entry)]; {
		case !known:
			r.b.Addf(CodeAuditBreakGlassScopeUnknownOperator, "event %q: scope names operator %q, which was never added", ev.EventID, entry)
		case st == StatusRevoked:
			r.b.Addf(CodeAuditBreakGlassScopeRevokedOperator, "event %q: scope names operator %q, which is revoked", ev.EventID, entry)
		}
	}
	// The rate limits count every activation that got this far, valid or
	// not, so a malformed waiver still uses up the budget.
	for len(r.window) > 0 && sat.Sub(t, r.window[0]) > SecondsPer7Days {
		r.window = r.window[1:]
	}
	r.window = append(r.window, t)
	if uint64(len(r.window)) > r.policy.BreakGlassMaxActivationsPer7d {
		r.b.Addf(CodeAuditBreakGlassActivationLimitExceeded, "event %q is activation %d within 7 days; enforcement.break_glass_max_activations_per_7d is %d",
			ev.EventID, len(r.window), r.policy.BreakGlassMaxActivationsPer7d)
	}
	if r.hasLast {
		if elapsed := sat.Sub(t, r.last); elapsed < r.policy.BreakGlassCooldownSeconds {
			r.b.Addf(CodeAuditBreakGlassCooldownViolation, "event %q comes %d s after the previous activation; enforcement.break_glass_cooldown_seconds is %d",
				ev.EventID, elapsed, r.policy.BreakGlassCooldownSeconds)
		}
	}
	r.last, r.hasLast = t, true
	key := ident.Norm(ticket)
	if _, open := r.incidents[key]; open {
		r.b.Addf(CodeAuditBreakGlassDuplicateIncident, "event %q re-activates incident %q, which is still open; its expiry becomes %d",
			ev.EventID, ident.Trim(ticket), expires)
	}
	r.incidents[key] = expires
}

func (r *replay) expire(ev *Event) {
	ticket, ok := r.keyMember(ev, ev.IncidentTicket, "incident_ticket", CodeAuditBreakGlassExpireTicketMissing)
	if !ok {
		return
	}
	key := ident.Norm(ticket)
	expires, open := r.incidents[key]
	if !open {
		r.b.Addf(CodeAuditBreakGlassExpireWithoutActivation, "event %q expires incident %q, which is not open", ev.EventID, ticket)
		return
	}
	delete(r.incidents, key)
	if ev.EffectiveAtUnix > expires {
		r.b.Addf(CodeAuditBreakGlassExpireAfterTTL, "event %q expires incident %q at %d, after its deadline %d",
			ev.EventID, ticket, ev.EffectiveAtUnix, expires)
	}
}

// sweepIncidents reports incidents still open past their expiry, sorted by
// ticket: the reference walks a hash map here, teegate is deterministic.
func (r *replay) sweepIncidents(now uint64) {
	for _, ticket := range slices.Sorted(maps.Keys(r.incidents)) {
		if expires := r.incidents[ticket]; expires <= now {
			r.b.Addf(CodeAuditBreakGlassMissingExpireEvent, "incident %q expired at %d but has no break_glass_expire event", ticket, expires)
		}
	}
}

// reconcile compares the registry with the state the events lead to:
// registry operators in array order, then operators known only to the
// events, sorted by id (a hash-map walk in the reference).
func (r *replay) reconcile(ops []Operator) {
	inRegistry := make(map[string]bool, len(ops))
	for i := range ops {
		op := &ops[i]
		key := ident.Norm(op.OperatorID)
		inRegistry[key] = true // every operator counts here, even one skipped below
		want, ok := ParseStatus(op.Status)
		if !ok {
			continue // already reported as operator_status_invalid
		}
		if got, known := r.status[key]; !known {
			r.b.Addf(CodeOperatorMissingAddEvent, "registry operator %q has no add event", op.OperatorID)
		} else if got != want {
			r.b.Addf(CodeOperatorStatusMismatchWithEvents, "operator %q is %s in the registry but %s after the events", op.OperatorID, want, got)
		}
		if signer, added := r.signer[key]; added && ident.Norm(signer) != ident.Norm(op.SignerIdentifier) {
			r.b.Addf(CodeOperatorSignerIdentifierMismatchWithEvents, "operator %q: registry signer_identifier %q differs from %q in its add event",
				op.OperatorID, op.SignerIdentifier, signer)
		}
	}
	// Only the operators missing from the registry are sorted: sorting
	// every key was a tenth of checking a log of 20,000 adds.
	var missing []string
	for key := range r.status {
		if !inRegistry[key] {
			missing = append(missing, key)
		}
	}
	slices.Sort(missing)
	for _, key := range missing {
		r.b.Addf(CodeOperatorPresentInEventsMissingFromRegistry, "operator %q was added by the events but is not in the registry", key)
	}
}
