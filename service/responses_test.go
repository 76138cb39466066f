package service

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/teegate/teegate/internal/strictjson"
)

// Every reason a decision request gets no decision has one status and one
// message, from response.
func TestResponseMapsEveryError(t *testing.T) {
	s := &Service{opts: Options{DecisionTimeout: 5e9, QueueTimeout: 1e9, MaxConcurrentDecisions: 4, MaxBodyBytes: 1 << 20},
		bodyReadTimeout: 10e9, bodyStallTimeout: 2e9, heavyLanes: make(chan struct{}, 1)}
	d := decider{endpoint: endpointGate, limit: 1000}
	input := &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Pointer: "/session_id", Offset: 7, Msg: "unknown member"}
	for _, tc := range []struct {
		err    error
		status int
		msg    string
	}{
		{contentTypeError("text/plain"), http.StatusUnsupportedMediaType, `content type "text/plain" is not application/json`},
		{errBodyTooLarge, http.StatusRequestEntityTooLarge, "larger than the 1000-byte limit"},
		{errBodyStalled, http.StatusRequestTimeout, "no byte for 2s"},
		{errBodyTimedOut, http.StatusRequestTimeout, "did not arrive within 10s"},
		{withCause(errBodyCut, io.ErrUnexpectedEOF), http.StatusBadRequest, "cut short: unexpected EOF; it is not decided"},
		{errClientClosed, statusClientClosed, "cancelled by its client"},
		{errSlotsFull, http.StatusServiceUnavailable, "all 4 decision slots stayed taken for 1s"},
		{errBudgetFull, http.StatusServiceUnavailable, "request-body budget (1048576 bytes"},
		{errDecisionTimeout, http.StatusServiceUnavailable, "did not finish within 5s"},
		{errClockBeforeEpoch, http.StatusServiceUnavailable, "clock reads before 1970"},
		{withCause(errUnserialisable, errors.New("x")), http.StatusInternalServerError, "could not be serialised"},
		{errDecisionLog, http.StatusInternalServerError, "could not be recorded in the decision log"},
		{withCause(errBodyUnreadable, errors.New("connection reset")), http.StatusBadRequest, "cannot read the request body: connection reset"},
		{errBodyCut, http.StatusBadRequest, "cut short: the request body was cut short; it is not decided"}, // no cause: no panic
		{input, http.StatusBadRequest, `invalid request body: member "/session_id": unknown member (at byte 7)`},
		{fmt.Errorf("cohort too large"), http.StatusBadRequest, "invalid request body: cohort too large"},
	} {
		status, body := s.response(tc.err, d)
		if status != tc.status || !strings.Contains(body.Message, tc.msg) {
			t.Errorf("%v: %d %q, want %d and %q", tc.err, status, body.Message, tc.status, tc.msg)
		}
		if busy := errors.Is(tc.err, errBusy); body.busy != busy {
			t.Errorf("%v: Retry-After %v, want %v", tc.err, body.busy, busy)
		}
	}
	if _, body := s.response(input, d); body.Member != "/session_id" || body.Offset == nil || *body.Offset != 7 {
		t.Errorf("an input error's member and offset: %+v", body)
	}
}
