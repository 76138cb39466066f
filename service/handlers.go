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
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/internal/ident"
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
		"/v1/check/registry":    {endpointRegistry, envelopeLimit(2), s.checkRegistry},
		"/v1/check/token":       {endpointToken, envelopeLimit(4), s.checkToken},
		"/v1/check/runtime":     {endpointRuntime, envelopeLimit(2), s.checkRuntime},
		"/v1/check/enforcement": {endpointEnforcement, envelopeLimit(2), s.checkEnforcement},
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

// envelopeLimit is the body limit of a check that takes n documents: the
// CLI's limit for each, and room for the members' names around them.
func envelopeLimit(n int) int { return n*strictjson.MaxInputBytes + 1024 }

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
	decide   func(body []byte, snap *snapshot, now uint64) (*made, error)
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
}

type layerCode struct {
	layer string
	code  decision.Code
	label string // the code as metrics label it, when not the code itself
}

// Reading a body is bounded apart from deciding on it: a slow client
// holds only its share of the body budget, never a decision slot.
const (
	// bodyReadTimeout: the largest body, 64 MiB, takes well under a
	// second on loopback and a few seconds on a slow link.
	bodyReadTimeout = 10 * time.Second
)

// decisionHandler runs the life of a decision request: its share of the
// body budget, the body, strict decoding, a decision slot, the decision at
// one instant on one set of documents, the decision log, then the answer.
func (s *Service) decisionHandler(d decider) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
			s.refuse(w, d.endpoint, http.StatusUnsupportedMediaType, apiError{Message: fmt.Sprintf("content type %q is not application/json", ct)})
			return
		}
		if r.ContentLength > int64(d.limit) {
			s.refuse(w, d.endpoint, http.StatusRequestEntityTooLarge, tooLarge(d.limit))
			return
		}
		// Reserve the body's bytes before reading them: its declared length,
		// or the endpoint's limit when it declares none.
		reserve := int64(d.limit)
		if r.ContentLength >= 0 {
			reserve = r.ContentLength
		}
		// A body larger than the whole budget waits for all of it.
		reserve = min(reserve, s.opts.MaxBodyBytes)
		if !s.wait(r.Context(), func(ctx context.Context) error { return s.bodyBudget.Acquire(ctx, reserve) }) {
			s.refuse(w, d.endpoint, http.StatusServiceUnavailable, overloaded)
			return
		}
		held := reserve
		defer func() { s.bodyBudget.Release(held) }()

		http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(d.limit)))
		if err != nil {
			var maxBytes *http.MaxBytesError
			if errors.As(err, &maxBytes) {
				s.refuse(w, d.endpoint, http.StatusRequestEntityTooLarge, tooLarge(d.limit))
				return
			}
			s.refuse(w, d.endpoint, http.StatusBadRequest, apiError{Message: "cannot read the request body: " + err.Error()})
			return
		}

		if !s.wait(r.Context(), func(ctx context.Context) error {
			select {
			case s.slots <- struct{}{}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}) {
			s.refuse(w, d.endpoint, http.StatusServiceUnavailable, overloaded)
			return
		}
		s.metrics.inFlight.Inc()
		if s.testHookDecide != nil {
			s.testHookDecide()
		}
		start := time.Now()
		now := s.clock()
		snap := s.store.current.Load()
		var m *made
		if now.Unix() < 0 {
			err = errClockBeforeEpoch
		} else {
			m, err = d.decide(body, snap, uint64(now.Unix()))
		}
		var out []byte
		if err == nil {
			out, err = m.result.Marshal()
		}
		elapsed := time.Since(start)
		s.metrics.inFlight.Dec()
		<-s.slots
		switch {
		case errors.Is(err, errClockBeforeEpoch):
			s.log.Error("no decision: the system clock reads before 1970", "time", now.UTC().Format(time.RFC3339))
			s.refuse(w, d.endpoint, http.StatusServiceUnavailable, apiError{Message: "the service's clock reads before 1970; it makes no decision"})
			return
		case err != nil && m == nil:
			s.refuse(w, d.endpoint, http.StatusBadRequest, inputError(err))
			return
		case err != nil:
			// Never happens with teegate's types; if it did, no decision is
			// delivered, so none can admit.
			s.refuse(w, d.endpoint, http.StatusInternalServerError, apiError{Message: "the decision could not be serialised"})
			return
		}

		// The decision is recorded before it is delivered: one that cannot
		// be recorded is not given.
		id := rand.Text()
		if err := s.logDecision(r.Context(), id, d.endpoint, body, snap, m, uint64(now.Unix()), elapsed); err != nil {
			s.log.Error("no decision: the decision log cannot be written", "error", err)
			s.metrics.decisionLogErrors.Inc()
			s.refuse(w, d.endpoint, http.StatusInternalServerError, apiError{Message: "the decision could not be recorded in the decision log, so none is given"})
			return
		}
		s.bodyBudget.Release(held) // the body is done with; the answer may go slowly
		held = 0
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Teegate-Decision-Id", id)
		w.Header().Set("Teegate-Decision", string(m.outcome))
		if len(m.requestDocs) > 0 {
			w.Header().Set("Teegate-Request-Documents", strings.Join(m.requestDocs, ", "))
		}
		w.WriteHeader(http.StatusOK)
		w.Write(out)
		s.metrics.decided(d.endpoint, m.outcome, m.reasons, elapsed)
	})
}

var errClockBeforeEpoch = errors.New("the clock reads before 1970")

var overloaded = apiError{Message: "too many decisions in progress; retry shortly"}

func tooLarge(limit int) apiError {
	return apiError{Message: fmt.Sprintf("request body is larger than the %d-byte limit of this endpoint", limit)}
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

// wait runs acquire with the queue timeout and the request's context,
// reporting whether it succeeded.
func (s *Service) wait(ctx context.Context, acquire func(context.Context) error) bool {
	ctx, cancel := context.WithTimeout(ctx, s.opts.QueueTimeout)
	defer cancel()
	return acquire(ctx) == nil
}

// Bounds on what a decision log line repeats from the request, so that a
// hostile body cannot make lines megabytes long.
const (
	maxLoggedSessionID = 256 // bytes; longer ids are cut, and their digest logged
	maxLoggedCodes     = 256 // codes; the count of the rest is logged
)

// logDecision writes the decision's line: what was decided, on what, and
// when; never a token, a signature or a whole document, only digests.
func (s *Service) logDecision(ctx context.Context, id, endpoint string, body []byte, snap *snapshot, m *made, now uint64, elapsed time.Duration) error {
	sum := sha256.Sum256(body)
	codes := make([]string, 0, min(len(m.reasons), maxLoggedCodes))
	for _, r := range m.reasons[:min(len(m.reasons), maxLoggedCodes)] {
		codes = append(codes, string(r.code))
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
	if more := len(m.reasons) - len(codes); more > 0 {
		attrs = append(attrs, slog.Int("codes_not_logged", more))
	}
	if len(m.requestDocs) > 0 {
		attrs = append(attrs, slog.Any("request_documents", m.requestDocs))
	}
	if id := m.sessionID; id != "" {
		if len(id) > maxLoggedSessionID {
			idSum := sha256.Sum256([]byte(id))
			attrs = append(attrs, slog.String("session_id_sha256", hex.EncodeToString(idSum[:])))
			id = strings.ToValidUTF8(id[:maxLoggedSessionID], "") + "…"
		}
		attrs = append(attrs, slog.String("session_id", id))
	}
	rec := slog.NewRecord(time.Now(), slog.LevelInfo, "decision", 0)
	rec.AddAttrs(attrs...)
	// Handle, not LogAttrs, so that a write that fails is known.
	return s.decLog.Handler().Handle(ctx, rec)
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
	s.metrics.refused.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
	if e == overloaded {
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

// decideGate decides a gate session against the documents in force. A
// session that is not mid_session is rejected while the service's denylist
// is stale, whatever its enforcement mode (CodeDenylistStaleAtSessionStart).
func (s *Service) decideGate(body []byte, snap *snapshot, now uint64) (*made, error) {
	session, err := gate.DecodeSession(requestFile, body)
	if err != nil {
		return nil, err
	}
	res := snap.gate.Evaluate(session, now)
	// Layer C checks an unknown phase as session_start; so does this.
	starting := cohort.Phase(ident.Norm(session.Phase)) != cohort.PhaseMidSession
	if age, fresh := snap.denylistAge(now); starting && !fresh && res.Admits() {
		res.Outcome = decision.Reject
		res.Reasons = append([]gate.Reason{{Layer: LayerService, Code: CodeDenylistStaleAtSessionStart,
			Detail: staleDetail(snap, age, now) + "; a session may not start on it in any enforcement mode"}}, res.Reasons...)
	}
	m := &made{result: res, outcome: res.Outcome, sessionID: session.SessionID,
		used: []Document{DocRegistry, DocKeyset, DocRevocationRegistry}}
	for _, r := range res.Reasons {
		m.reasons = append(m.reasons, layerCode{layer: string(r.Layer), code: r.Code})
	}
	return m, nil
}
