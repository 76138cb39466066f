package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
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
//	GET  /healthz, /readyz, /metrics
//
// A check's governed documents (registry, keyset, revocation registry) are
// the service's own unless the request carries them.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	decisionRoutes := map[string]decider{
		"/v1/gate":              {endpointGate, strictjson.MaxInputBytes, s.decideGate},
		"/v1/check/registry":    {endpointRegistry, 2 * strictjson.MaxInputBytes, s.checkRegistry},
		"/v1/check/token":       {endpointToken, 4 * strictjson.MaxInputBytes, s.checkToken},
		"/v1/check/runtime":     {endpointRuntime, 2 * strictjson.MaxInputBytes, s.checkRuntime},
		"/v1/check/enforcement": {endpointEnforcement, 2 * strictjson.MaxInputBytes, s.checkEnforcement},
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
		rd := s.readiness(s.clock())
		status := http.StatusOK
		if !rd.Ready {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, rd)
	})
	mux.Handle("/readyz", methodNotAllowed(http.MethodGet, http.MethodHead))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError)}))
	mux.Handle("/metrics", methodNotAllowed(http.MethodGet, http.MethodHead))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, apiError{Message: fmt.Sprintf("no such endpoint: %s", r.URL.Path)})
	})
	return mux
}

func methodNotAllowed(allowed ...string) http.Handler {
	allow := ""
	for i, m := range allowed {
		if i > 0 {
			allow += ", "
		}
		allow += m
	}
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
	decide   func(body []byte, snap *snapshot, now uint64) (*made, error)
}

// made is a decision as the service delivers and records it.
type made struct {
	result    interface{ Marshal() ([]byte, error) }
	outcome   decision.Outcome
	reasons   []layerCode
	sessionID string // empty when the request has no session
	// used are the service's own documents the decision rests on.
	used []Document
}

type layerCode struct {
	layer string
	code  decision.Code
}

// decisionHandler runs the life of a decision request: admission to a
// decision slot, the body, strict decoding, the decision at one instant on
// one set of documents, then the response, metrics and the decision log.
func (s *Service) decisionHandler(d decider) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
				s.refuse(w, d.endpoint, http.StatusUnsupportedMediaType, apiError{Message: fmt.Sprintf("content type %q is not application/json", ct)})
				return
			}
		}
		// The slot is taken before the body is read, so that the slots
		// bound the memory held by bodies as well as the CPU.
		if !s.acquire(r.Context()) {
			s.metrics.overloaded.WithLabelValues(d.endpoint).Inc()
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, apiError{Message: "too many decisions in progress; retry shortly"})
			return
		}
		defer func() { <-s.slots }()
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()

		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(d.limit)))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				s.refuse(w, d.endpoint, http.StatusRequestEntityTooLarge, apiError{Message: fmt.Sprintf("request body is larger than the %d-byte limit of this endpoint", d.limit)})
				return
			}
			s.refuse(w, d.endpoint, http.StatusBadRequest, apiError{Message: "cannot read the request body: " + err.Error()})
			return
		}

		start := time.Now()
		now := s.clock()
		snap := s.store.current.Load()
		m, err := d.decide(body, snap, unixSeconds(now))
		if err != nil {
			s.refuse(w, d.endpoint, http.StatusBadRequest, inputError(err))
			return
		}
		out, err := m.result.Marshal()
		if err != nil {
			// Never happens with teegate's types; if it did, no decision
			// is delivered, so none can admit.
			s.refuse(w, d.endpoint, http.StatusInternalServerError, apiError{Message: "the decision could not be serialised"})
			return
		}
		elapsed := time.Since(start)
		id := rand.Text()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Teegate-Decision-Id", id)
		w.Header().Set("Teegate-Decision", string(m.outcome))
		w.WriteHeader(http.StatusOK)
		w.Write(out)

		s.metrics.decided(d.endpoint, m.outcome, m.reasons, elapsed)
		s.logDecision(id, d.endpoint, body, snap, m, unixSeconds(now), elapsed)
	})
}

func (s *Service) acquire(ctx context.Context) bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(s.opts.QueueTimeout)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// logDecision writes the decision's line: what was decided, on what, and
// when; never a token, a signature or a whole document, only digests.
func (s *Service) logDecision(id, endpoint string, body []byte, snap *snapshot, m *made, now uint64, elapsed time.Duration) {
	sum := sha256.Sum256(body)
	codes := make([]string, len(m.reasons))
	for i, r := range m.reasons {
		codes[i] = string(r.code)
	}
	docs := make([]any, 0, len(m.used))
	for _, d := range m.used {
		info := snap.infoOf(d)
		docs = append(docs, slog.Group(string(d), "sha256", info.SHA256, "generation", info.Generation))
	}
	attrs := []slog.Attr{
		slog.String("decision_id", id),
		slog.String("endpoint", endpoint),
		slog.String("decision", string(m.outcome)),
		slog.Any("codes", codes),
		slog.Uint64("validated_at_unix", now),
		slog.String("input_sha256", hex.EncodeToString(sum[:])),
		slog.Group("documents", docs...),
		slog.Int64("duration_us", elapsed.Microseconds()),
	}
	if m.sessionID != "" {
		attrs = append(attrs, slog.String("session_id", m.sessionID))
	}
	s.decLog.LogAttrs(context.Background(), slog.LevelInfo, "decision", attrs...)
}

// apiError is the body of every error response.
type apiError struct {
	Message string `json:"error"`
	// Member is the JSON pointer of the offending member of the body, and
	// Offset its byte offset, when the body is at fault.
	Member string `json:"member,omitempty"`
	Offset *int64 `json:"offset,omitempty"`
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

func (s *Service) refuse(w http.ResponseWriter, endpoint string, status int, e apiError) {
	s.metrics.inputErrors.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
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

// decideGate decides a gate session against the documents in force.
func (s *Service) decideGate(body []byte, snap *snapshot, now uint64) (*made, error) {
	session, err := gate.DecodeSession(requestFile, body)
	if err != nil {
		return nil, err
	}
	res := snap.gate.Evaluate(session, now)
	m := &made{result: res, outcome: res.Outcome, sessionID: session.SessionID,
		used: []Document{DocRegistry, DocKeyset, DocRevocationRegistry}}
	for _, r := range res.Reasons {
		m.reasons = append(m.reasons, layerCode{string(r.Layer), r.Code})
	}
	return m, nil
}
