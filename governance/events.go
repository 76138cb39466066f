package governance

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/teegate/teegate/internal/strictjson"
)

// EventType is the kind of a governance audit event. It is matched exactly
// and case-sensitively, as in the reference; any other value is an input
// error.
type EventType string

const (
	EventAdd                EventType = "add"
	EventSuspend            EventType = "suspend"
	EventRevoke             EventType = "revoke"
	EventMeasurementUpdate  EventType = "measurement_update"
	EventBreakGlassActivate EventType = "break_glass_activate"
	EventBreakGlassExpire   EventType = "break_glass_expire"
)

// UnmarshalText refuses event types the schema does not define.
func (t *EventType) UnmarshalText(b []byte) error {
	switch v := EventType(b); v {
	case EventAdd, EventSuspend, EventRevoke, EventMeasurementUpdate, EventBreakGlassActivate, EventBreakGlassExpire:
		*t = v
		return nil
	}
	return fmt.Errorf("unknown event type %q (want add, suspend, revoke, measurement_update, break_glass_activate or break_glass_expire)", b)
}

// Event is one governance audit event. The pointer members are optional;
// each event type reads only its own, and an absent key member makes the
// event a silent no-op, as in the reference (a blank one is a reason).
type Event struct {
	EventID              string    `json:"event_id"`
	EventType            EventType `json:"event_type"`
	OperatorID           *string   `json:"operator_id" teegate:"id"`       // add, suspend, revoke, measurement_update
	SignerIdentifier     *string   `json:"signer_identifier" teegate:"id"` // add
	MeasurementDigest    *string   `json:"measurement_digest"`             // measurement_update
	GovernanceDecisionID string    `json:"governance_decision_id" teegate:"id"`
	EffectiveAtUnix      uint64    `json:"effective_at_unix"`
	IncidentTicket       *string   `json:"incident_ticket" teegate:"id"`    // break_glass_activate, break_glass_expire
	ScopeOperatorIDs     *[]string `json:"scope_operator_ids" teegate:"id"` // break_glass_activate
	ExpiresAtUnix        *uint64   `json:"expires_at_unix"`                 // break_glass_activate
}

// AuditLog is the governance audit event log, oldest event first.
type AuditLog struct {
	Events []Event `json:"events"`
}

// DecodeAuditLog decodes an event log written either as a bare array of
// events or as an object {"events": [...]}, the two shapes the reference
// accepts. file names the document in errors.
func DecodeAuditLog(file string, data []byte) (*AuditLog, error) {
	var log AuditLog
	var err error
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		err = strictjson.Decode(file, data, &log.Events, nil)
	} else {
		err = strictjson.Decode(file, data, &log, nil)
	}
	if err != nil {
		return nil, err
	}
	return &log, nil
}

// ReadAuditLog is DecodeAuditLog for a log read from r, holding a window
// of it rather than all of it (strictjson.DecodeReader). Its shape is
// told by the first byte that is not whitespace: r is read up to it, then
// the decode reads again from the start, from r itself if it can seek
// (a file keeps its size, which sizes the list of events) and else from
// the bytes read and the rest of r.
func ReadAuditLog(file string, r io.Reader) (*AuditLog, error) {
	start, seekErr := int64(0), error(nil)
	seeker, canSeek := r.(io.Seeker)
	if canSeek {
		start, seekErr = seeker.Seek(0, io.SeekCurrent)
	}
	var head []byte
	var first byte
	buf := make([]byte, 512)
	for found, empty := false, 0; !found; {
		n, err := r.Read(buf)
		if i := bytes.IndexFunc(buf[:n], func(c rune) bool { return !strings.ContainsRune(" \t\r\n", c) }); i >= 0 {
			first, found = buf[i], true
		}
		head = append(head, buf[:n]...)
		if n == 0 && err == nil {
			empty++
		}
		switch {
		case err == io.EOF || len(head) > strictjson.MaxInputBytes:
			found = true // the decode meets the end or the limit again
		case err != nil:
			return nil, strictjson.ReadError(file, err)
		case empty == 100: // as strictjson and bufio give up
			return nil, strictjson.ReadError(file, io.ErrNoProgress)
		}
	}
	rest := io.MultiReader(bytes.NewReader(head), r)
	if canSeek && seekErr == nil {
		if _, err := seeker.Seek(start, io.SeekStart); err == nil {
			rest = r
		}
	}
	var log AuditLog
	var err error
	if first == '[' {
		err = strictjson.DecodeReader(file, rest, &log.Events, nil)
	} else {
		err = strictjson.DecodeReader(file, rest, &log, nil)
	}
	if err != nil {
		return nil, err
	}
	return &log, nil
}
