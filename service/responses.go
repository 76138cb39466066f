package service

// Error responses: one mapping from what went wrong to its status and body.

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/strictjson"
)

// statusClientClosed is the status of requests whose client left before
// their answer: nginx's 499, outside the standard codes, and never 2xx.
const statusClientClosed = 499

// apiError is the body of every error response.
type apiError struct {
	Message string `json:"error"`
	// Member is the JSON pointer of the offending member of the body, and
	// Offset its byte offset, when the body is at fault.
	Member string `json:"member,omitempty"`
	Offset *int64 `json:"offset,omitempty"`
	busy   bool   // a 503 for a full resource: Retry-After goes with it
}

func inputError(err error) apiError {
	var e *strictjson.Error
	if errors.As(err, &e) {
		a := apiError{Message: "invalid request body: " + e.Problem(), Member: e.Pointer}
		if e.Offset >= 0 {
			a.Offset = &e.Offset
		}
		return a
	}
	return apiError{Message: "invalid request body: " + err.Error()}
}

// busy is the 503 of a request turned away because err's resource stayed
// full for the queue timeout; it says which, and how large it is.
func (s *Service) busy(err error) apiError {
	var what string
	switch {
	case errors.Is(err, errBudgetFull):
		what = fmt.Sprintf("the request-body budget (%d bytes, held by bodies being read and decided) stayed full for %s", s.opts.MaxBodyBytes, s.opts.QueueTimeout)
	case errors.Is(err, errHeavyLanesFull):
		what = fmt.Sprintf("all %d lanes for bodies over %d bytes stayed taken for %s", cap(s.heavyLanes), heavyBodyBytes, s.opts.QueueTimeout)
	default:
		what = fmt.Sprintf("all %d decision slots stayed taken for %s", s.opts.MaxConcurrentDecisions, s.opts.QueueTimeout)
	}
	return apiError{Message: "busy: " + what + "; retry shortly", busy: true}
}

func tooLarge(limit int) apiError {
	return apiError{Message: fmt.Sprintf("request body is larger than the %d-byte limit of this endpoint", limit)}
}

// clientGone answers a request whose client left before a decision was
// made. Someone may still read the answer, and a handler that writes
// nothing answers 200, so it says so plainly, with nginx's 499.
func (s *Service) clientGone(w http.ResponseWriter, endpoint string) {
	s.refuse(w, endpoint, statusClientClosed, apiError{Message: "the request was cancelled by its client before a decision was made"})
}

func (s *Service) refuse(w http.ResponseWriter, endpoint string, status int, e apiError) {
	s.metrics.refused.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
	if e.busy {
		w.Header().Set("Retry-After", "1")
	}
	writeError(w, status, e)
}

func writeError(w http.ResponseWriter, status int, e apiError) { writeJSON(w, status, e) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	out, err := decision.MarshalIndent(v)
	if err != nil {
		status, out = http.StatusInternalServerError, []byte(`{"error": "the response could not be serialised"}`+"\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(out)
}
