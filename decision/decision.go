// Package decision holds the one result type every teegate check returns:
// an outcome, the reasons behind it in evaluation order, and the time it was
// made. Its JSON form is the command-line contract:
//
//	{"decision": "reject", "reasons": [{"code": "...", "detail": "..."}], "validated_at_unix": N}
//
// Reason codes are stable identifiers that operators alert on and scripts
// match, so each layer declares its codes as Code constants in one place and
// nothing else in teegate spells a code as a string literal.
package decision

import (
	"errors"
	"fmt"
	"strings"
)

// Outcome is the verdict of a check.
type Outcome string

const (
	// Allow admits: no reason was found.
	Allow Outcome = "allow"
	// AllowWithWarnings admits, with reasons that do not block (layer D only).
	AllowWithWarnings Outcome = "allow_with_warnings"
	// Reject refuses: at least one blocking reason was found.
	Reject Outcome = "reject"
)

// Admits reports whether the outcome lets the signer in.
func (o Outcome) Admits() bool { return o == Allow || o == AllowWithWarnings }

// Code is a stable reason code. It is an error, so a caller can ask
// errors.Is(d.Err(), governance.CodeOperatorsEmpty) without parsing text.
type Code string

func (c Code) Error() string { return string(c) }

// Reason is one finding: a stable code and a human-readable detail. The
// detail's wording is not part of the contract; the code is.
type Reason struct {
	Code   Code   `json:"code"`
	Detail string `json:"detail"`
}

// Error makes a Reason an error whose kind is its code.
func (r Reason) Error() string { return string(r.Code) + ": " + r.Detail }

// Unwrap lets errors.Is match a Reason against its Code.
func (r Reason) Unwrap() error { return r.Code }

// Decision is the result of a check. Reasons are in evaluation order and
// never nil once built by a Builder, so they serialise as [] when empty.
type Decision struct {
	Outcome Outcome `json:"decision"`
	// SessionID names the session the decision is about, where a later
	// layer must be able to tell: layer C sets it under policy 2, and
	// layer D then enforces the decision only for that session. Empty, it
	// is not printed.
	SessionID string   `json:"session_id,omitzero"`
	Reasons   []Reason `json:"reasons"`
	// ValidatedAtUnix is the evaluation time, in Unix seconds, that the
	// caller passed in.
	ValidatedAtUnix uint64 `json:"validated_at_unix"`
}

// Admits reports whether the decision lets the signer in.
func (d Decision) Admits() bool { return d.Outcome.Admits() }

// Has reports whether any reason carries code.
func (d Decision) Has(code Code) bool {
	for _, r := range d.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// Codes returns the reason codes in order.
func (d Decision) Codes() []Code {
	codes := make([]Code, len(d.Reasons))
	for i, r := range d.Reasons {
		codes[i] = r.Code
	}
	return codes
}

// Err is nil when the decision admits without reasons; otherwise it joins
// every reason, so errors.Is finds any of their codes.
func (d Decision) Err() error {
	if len(d.Reasons) == 0 {
		return nil
	}
	errs := make([]error, len(d.Reasons))
	for i, r := range d.Reasons {
		errs[i] = r
	}
	return errors.Join(errs...)
}

// String is a one-line summary for logs.
func (d Decision) String() string {
	if len(d.Reasons) == 0 {
		return string(d.Outcome)
	}
	var b strings.Builder
	b.WriteString(string(d.Outcome))
	for i, r := range d.Reasons {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(string(r.Code))
	}
	return b.String()
}

// Builder collects reasons in the order a check finds them. Checks record
// their own findings with Addf, which takes a code and a detail, and copy
// reasons found elsewhere with Add. It is not the only way a reason is
// made: enforce builds Reason literals for its mode reason and for the
// runtime reasons it re-emits (enforce.RuntimeReasonPrefix + code) before
// adding them, and gate builds its token-mismatch reasons as literals and
// assembles its runtime Decision from them without a Builder. Whoever
// builds a reason must give it a code from a layer's Code constants and a
// detail.
type Builder struct {
	reasons []Reason
}

// Addf appends a reason with a formatted detail.
func (b *Builder) Addf(code Code, format string, args ...any) {
	b.reasons = append(b.reasons, Reason{Code: code, Detail: fmt.Sprintf(format, args...)})
}

// Len is the number of reasons so far.
func (b *Builder) Len() int { return len(b.reasons) }

// Decide builds a decision that rejects if any reason was found and allows
// otherwise: the rule of layers A, B and C, which have no warning tier.
func (b *Builder) Decide(now uint64) Decision {
	outcome := Allow
	if len(b.reasons) > 0 {
		outcome = Reject
	}
	return Decision{Outcome: outcome, Reasons: b.list(), ValidatedAtUnix: now}
}

// Add appends reasons found elsewhere, such as another builder's.
func (b *Builder) Add(reasons ...Reason) {
	b.reasons = append(b.reasons, reasons...)
}

// Reasons returns the reasons so far, in order.
func (b *Builder) Reasons() []Reason { return b.list() }

// DecideTiered builds a decision from a blocking and a warning tier, the
// rule of layer D: reject with the blocking reasons if there are any, else
// allow with warnings if there are warnings, else allow.
func DecideTiered(now uint64, blocking, warnings *Builder) Decision {
	switch {
	case blocking.Len() > 0:
		return Decision{Outcome: Reject, Reasons: blocking.list(), ValidatedAtUnix: now}
	case warnings.Len() > 0:
		return Decision{Outcome: AllowWithWarnings, Reasons: warnings.list(), ValidatedAtUnix: now}
	default:
		return Decision{Outcome: Allow, Reasons: []Reason{}, ValidatedAtUnix: now}
	}
}

func (b *Builder) list() []Reason {
	if b.reasons == nil {
		return []Reason{}
	}
	return b.reasons
}

// CodeSerializationError is the code of the fixed decision printed when a
// decision cannot be encoded. It rejects, whatever the real outcome was.
const CodeSerializationError Code = "serialization_error"
