package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/internal/strictjson"
)

// requestFile names a request body in input errors, where the CLI names a
// file.
const requestFile = "request body"

// Endpoint names, as metrics and the decision log label them.
const (
	endpointGate        = "gate"
	endpointRegistry    = "check_registry"
	endpointToken       = "check_token"
	endpointRuntime     = "check_runtime"
	endpointEnforcement = "check_enforcement"
)

// Handler returns the service's HTTP API:
//
//	POST /v1/gate                  a gate session document
//	POST /v1/check/registry        {"registry"?, "events"?}
//	POST /v1/check/token           {"registry"?, "keyset"?, "revocation_registry"?, "token"}
//	POST /v1/check/runtime         {"registry"?, "session"}
//	POST /v1/check/enforcement     {"registry"?, "context"}
//	POST /v1/attest                {"payload_json", "evidence"}, with the verifier role on
//	GET  /healthz, /readyz, /metrics
//
// A check's governed documents (registry, keyset, revocation registry) are
// the service's own unless the request carries them.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	decisionRoutes := map[string]decider{
		"/v1/gate":              {endpointGate, strictjson.MaxInputBytes, s.decideGate},
		"/v1/check/registry":    {endpointRegistry, s.checkLimit(registryCheckMembers), s.checkRegistry},
		"/v1/check/token":       {endpointToken, s.checkLimit(tokenCheckMembers), s.checkToken},
		"/v1/check/runtime":     {endpointRuntime, s.checkLimit(runtimeCheckMembers), s.checkRuntime},
		"/v1/check/enforcement": {endpointEnforcement, s.checkLimit(enforcementCheckMembers), s.checkEnforcement},
	}
	if s.opts.Attest.on() {
		decisionRoutes["/v1/attest"] = decider{endpointAttest, attestBodyLimit, s.decideAttest}
	}
	for path, d := range decisionRoutes {
		mux.Handle("POST "+path, s.decisionHandler(d))
		mux.Handle(path, methodNotAllowed(http.MethodPost))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("/healthz", methodNotAllowed(http.MethodGet, http.MethodHead))
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		rd := s.readiness(s.store.current.Load(), s.clock())
		status := http.StatusOK
		if !rd.Ready {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, rd)
	})
	mux.Handle("/readyz", methodNotAllowed(http.MethodGet, http.MethodHead))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError),
		// A scrape is cheap; more than a few at once is a misconfigured or
		// hostile scraper, not monitoring.
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	}))
	mux.Handle("/metrics", methodNotAllowed(http.MethodGet, http.MethodHead))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, apiError{Message: fmt.Sprintf("no such endpoint: %s", r.URL.Path)})
	})
	return mux
}

func methodNotAllowed(allowed ...string) http.Handler {
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, apiError{Message: fmt.Sprintf("method %s is not allowed here; use %s", r.Method, allow)})
	})
}

// decider is one decision endpoint: its name, the largest body it takes
// (the CLI's per-file limit for each document it may carry), and how it
// decides.
type decider struct {
	endpoint string
	limit    int
	decide   func(ctx context.Context, body []byte, snap *snapshot, now uint64) (*made, error)
}

// made is a decision as the service delivers and records it.
type made struct {
	result    interface{ Marshal() ([]byte, error) }
	outcome   decision.Outcome
	reasons   []layerCode
	sessionID string // empty when the request has no session
	// used are the service's own documents the decision rests on;
	// requestDocs the governed documents the request brought instead.
	used        []Document
	requestDocs []string
	// advisory says why the answer is not an admission decision on
	// governed facts (AdvisoryCallerAsserted, AdvisoryRequestDocuments);
	// empty when it is one.
	advisory []string
}

// Why an answer is advisory, as the Teegate-Advisory header, the decision
// log's "advisory" member and the metrics' advisory label say.
const (
	// AdvisoryCallerAsserted: the input is by nature the caller's word,
	// which the service cannot check: a runtime session's token snapshots
	// (/v1/check/runtime), a runtime decision (/v1/check/enforcement).
	AdvisoryCallerAsserted = "caller-asserted"
	// AdvisoryRequestDocuments: the request brought governed documents of
	// its own (with AllowRequestDocuments).
	AdvisoryRequestDocuments = "request-documents"
)

type layerCode struct {
	layer gate.Layer
	code  decision.Code
	label string // the code as metrics label it, when not the code itself
}

// decisionHandler runs the life of a decision request: the body, read
// against the body budget; strict decoding and the decision, in a decision
// slot, at one instant on one set of documents; the decision log; then the
// answer.
func (s *Service) decisionHandler(d decider) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
			s.fail(w, d, contentTypeError(ct))
			return
		}
		if r.ContentLength > int64(d.limit) {
			s.fail(w, d, errBodyTooLarge)
			return
		}
		sr := &stallReader{r: http.MaxBytesReader(w, r.Body, int64(d.limit)), rc: http.NewResponseController(w),
			end: time.Now().Add(s.bodyReadTimeout), stall: s.bodyStallTimeout}
		b := budgeted{s: s, ctx: r.Context(), declared: r.ContentLength}
		defer b.release()
		body, err := b.read(sr)
		if err := sr.finish(); err != nil {
			s.noDeadline.Do(func() {
				s.log.Warn("the response writer cannot set read deadlines; request bodies are bounded only by the server's own timeouts", "error", err)
			})
		}
		if err != nil {
			s.fail(w, d, readFailure(err, sr, r.Context()))
			return
		}

		// In flight from here to the answer: a decision waiting for its
		// log line is counted too.
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		res, err := s.decideInSlot(r.Context(), d, body)
		if err != nil {
			switch {
			case errors.Is(err, errDecisionTimeout):
				s.log.Warn("no decision: it took longer than the decision timeout", "endpoint", d.endpoint, "timeout", s.opts.DecisionTimeout, "body_bytes", len(body))
			case errors.Is(err, errClockBeforeEpoch):
				s.log.Error("no decision: the system clock reads before 1970", "time", res.now.UTC().Format(time.RFC3339))
			}
			s.fail(w, d, err)
			return
		}

		// The decision is recorded before it is delivered: one that cannot
		// be recorded is not given.
		m, now := res.made, uint64(res.now.Unix())
		id := rand.Text()
		if err := s.logDecision(id, d.endpoint, body, res.snap, m, now, res.elapsed); err != nil {
			s.log.Error("no decision: the decision log cannot be written", "decision_id", id, "error", err)
			s.metrics.decisionLogErrors.Inc()
			s.fail(w, d, errDecisionLog)
			return
		}
		b.release() // the body is done with; the answer may go slowly
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Teegate-Decision-Id", id)
		w.Header().Set("Teegate-Decision", string(m.outcome))
		if len(m.requestDocs) > 0 {
			w.Header().Set("Teegate-Request-Documents", strings.Join(m.requestDocs, ", "))
		}
		if len(m.advisory) > 0 {
			w.Header().Set("Teegate-Advisory", strings.Join(m.advisory, ", "))
		}
		w.WriteHeader(http.StatusOK)
		w.Write(res.out)
		s.metrics.decided(d.endpoint, m.outcome, len(m.advisory) > 0, m.reasons, res.elapsed)
	})
}

// isJSON reports whether a Content-Type is JSON in UTF-8, the only
// encoding JSON has (RFC 8259).
func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}
