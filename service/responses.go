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

// Why a request gets no decision, besides the errors of reading its body
// (readFailure), the decision slots (errBusy, errClientClosed,
// errDecisionTimeout, errClockBeforeEpoch) and its input.
var (
	errBodyTooLarge   = errors.New("the request body is larger than the endpoint's limit")
	errUnserialisable = errors.New("the decision could not be serialised")
	errDecisionLog    = errors.New("the decision could not be recorded in the decision log")
)

// contentTypeError is a request whose Content-Type is not JSON.
type contentTypeError string

func (e contentTypeError) Error() string {
	return fmt.Sprintf("content type %q is not application/json", string(e))
}

// causeError is an error of a kind (a sentinel that response matches)
// with the cause its message repeats.
type causeError struct{ kind, cause error }

func withCause(kind, cause error) error { return &causeError{kind, cause} }

func (e *causeError) Error() string   { return e.kind.Error() + ": " + e.cause.Error() }
func (e *causeError) Unwrap() []error { return []error{e.kind, e.cause} }

// response is the one mapping from why a decision request gets no decision
// to the status and body of its answer.
func (s *Service) response(err error, d decider) (int, apiError) {
	var ct contentTypeError
	switch {
	case errors.As(err, &ct):
		return http.StatusUnsupportedMediaType, apiError{Message: ct.Error()}
	case errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge, tooLarge(d.limit)
	case errors.Is(err, errBodyStalled):
		return http.StatusRequestTimeout, apiError{Message: fmt.Sprintf("the request body stopped arriving: no byte for %s", s.bodyStallTimeout)}
	case errors.Is(err, errBodyTimedOut):
		return http.StatusRequestTimeout, apiError{Message: fmt.Sprintf("the request body did not arrive within %s", s.bodyReadTimeout)}
	case errors.Is(err, errBodyCut):
		// Cut short, by a half-close or a broken connection: a 400, as
		// documented, whether or not the client still listens.
		return http.StatusBadRequest, apiError{Message: "the request body was cut short: " + causeOf(err) + "; it is not decided"}
	case errors.Is(err, errClientClosed):
		// Someone may still read the answer, and a handler that writes
		// nothing answers 200, so it says so plainly, with nginx's 499.
		return statusClientClosed, apiError{Message: "the request was cancelled by its client before a decision was made"}
	case errors.Is(err, errBusy):
		return http.StatusServiceUnavailable, s.busy(err)
	case errors.Is(err, errDecisionTimeout):
		return http.StatusServiceUnavailable, apiError{Message: fmt.Sprintf("the decision did not finish within %s, so none is given", s.opts.DecisionTimeout)}
	case errors.Is(err, errClockBeforeEpoch):
		return http.StatusServiceUnavailable, apiError{Message: "the service's clock reads before 1970; it makes no decision"}
	case errors.Is(err, errUnserialisable):
		return http.StatusInternalServerError, apiError{Message: "the decision could not be serialised"}
	case errors.Is(err, errDecisionLog):
		return http.StatusInternalServerError, apiError{Message: "the decision could not be recorded in the decision log, so none is given"}
	case errors.Is(err, errBodyUnreadable):
		return http.StatusBadRequest, apiError{Message: "cannot read the request body: " + causeOf(err)}
	default: // the body, decoded, is not a valid input
		return http.StatusBadRequest, inputError(err)
	}
}

// causeOf is what err's message repeats: the cause of a causeError, or
// err itself for a sentinel that came without one.
func causeOf(err error) string {
	var ce *causeError
	if errors.As(err, &ce) {
		return ce.cause.Error()
	}
	return err.Error()
}

// fail answers a decision request that gets no decision because of err.
func (s *Service) fail(w http.ResponseWriter, d decider, err error) {
	status, body := s.response(err, d)
	s.refuse(w, d.endpoint, status, body)
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
