package service

import (
	"bytes"
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
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
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

// checkLimit is the body limit of a check with these members. Without
// --request-documents allow a body may carry only the members that are not
// governed documents, and its limit counts only those, and refusedAllowance:
// a body sized for four documents would hold four times the body budget it
// needs, read in full before its governed members were refused.
func (s *Service) checkLimit(members []string) int {
	if s.opts.AllowRequestDocuments {
		return envelopeLimit(len(members))
	}
	n := 0
	for _, m := range members {
		if !governedMember(m) {
			n++
		}
	}
	return envelopeLimit(n) + refusedAllowance
}

// refusedAllowance is the room a check's body has, without
// --request-documents allow, beyond the members it may carry: enough for a
// governed document of a real deployment (a registry of a thousand
// operators is about 450 KB) to arrive and be refused by name (400),
// rather than by size (413).
const refusedAllowance = 1 << 20

// governedMember says whether a check's member is a governed document:
// one of the service's own documents, or the audit log.
func governedMember(m string) bool {
	return m == memberEvents || slices.Contains(documents[:], Document(m))
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

// Reading a body is bounded apart from deciding on it: a slow client
// holds only the budget for the bytes it has sent, never a decision slot.
const (
	// defaultBodyReadTimeout: the largest body, 64 MiB, takes well under
	// a second on loopback and a few seconds on a slow link.
	defaultBodyReadTimeout = 10 * time.Second
	// bodyChunk is the most a body reserves, and allocates, at a time: a
	// chunk is taken only once its first byte has arrived, so a connection
	// that sends nothing holds nothing.
	bodyChunk = 64 << 10
	// firstBodyChunk is the most a body's first byte reserves. A
	// connection that sends one byte and stalls holds this, not its
	// Content-Length; a small cohort's session (a ten-signer one is 14 KB)
	// is read in one chunk, with no copy to join chunks. 4 KiB chunks made
	// a ten-signer gate 15 % slower.
	firstBodyChunk = 16 << 10
	// bodyStallTimeout: a body whose bytes stop coming for this long is
	// cut off (408), so that a sender cannot hold its share of the budget
	// by trickling.
	bodyStallTimeout = 2 * time.Second
)

// decisionHandler runs the life of a decision request: the body, read
// against the body budget; strict decoding and the decision, in a decision
// slot, at one instant on one set of documents; the decision log; then the
// answer.
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
			var maxBytes *http.MaxBytesError
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded) && sr.stalled:
				s.refuse(w, d.endpoint, http.StatusRequestTimeout, apiError{Message: fmt.Sprintf("the request body stopped arriving: no byte for %s", s.bodyStallTimeout)})
			case errors.Is(err, os.ErrDeadlineExceeded):
				s.refuse(w, d.endpoint, http.StatusRequestTimeout, apiError{Message: fmt.Sprintf("the request body did not arrive within %s", s.bodyReadTimeout)})
			case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errBodyLength):
				// Cut short, by a half-close or a broken connection: a 400,
				// as documented, whether or not the client still listens.
				s.refuse(w, d.endpoint, http.StatusBadRequest, apiError{Message: "the request body was cut short: " + err.Error() + "; it is not decided"})
			case r.Context().Err() != nil:
				s.clientGone(w, d.endpoint)
			case errors.Is(err, errBusy):
				s.refuse(w, d.endpoint, http.StatusServiceUnavailable, s.busy(err))
			case errors.As(err, &maxBytes):
				s.refuse(w, d.endpoint, http.StatusRequestEntityTooLarge, tooLarge(d.limit))
			default:
				s.refuse(w, d.endpoint, http.StatusBadRequest, apiError{Message: "cannot read the request body: " + err.Error()})
			}
			return
		}

		// In flight from here to the answer: a decision waiting for its
		// log line is counted too.
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		res, err := s.decideInSlot(r.Context(), d, body)
		switch {
		case errors.Is(err, errClientClosed):
			s.clientGone(w, d.endpoint)
			return
		case errors.Is(err, errBusy):
			s.refuse(w, d.endpoint, http.StatusServiceUnavailable, s.busy(err))
			return
		case errors.Is(err, errDecisionTimeout):
			s.log.Warn("no decision: it took longer than the decision timeout", "endpoint", d.endpoint, "timeout", s.opts.DecisionTimeout, "body_bytes", len(body))
			s.refuse(w, d.endpoint, http.StatusServiceUnavailable, apiError{Message: fmt.Sprintf("the decision did not finish within %s, so none is given", s.opts.DecisionTimeout)})
			return
		case errors.Is(err, errClockBeforeEpoch):
			s.log.Error("no decision: the system clock reads before 1970", "time", res.now.UTC().Format(time.RFC3339))
			s.refuse(w, d.endpoint, http.StatusServiceUnavailable, apiError{Message: "the service's clock reads before 1970; it makes no decision"})
			return
		case err != nil && res.made == nil:
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
		m, now := res.made, uint64(res.now.Unix())
		id := rand.Text()
		if err := s.logDecision(id, d.endpoint, body, res.snap, m, now, res.elapsed); err != nil {
			s.log.Error("no decision: the decision log cannot be written", "decision_id", id, "error", err)
			s.metrics.decisionLogErrors.Inc()
			s.refuse(w, d.endpoint, http.StatusInternalServerError, apiError{Message: "the decision could not be recorded in the decision log, so none is given"})
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

// errBusy: the body budget or the decision slots stayed full for the
// queue timeout. errBudgetFull and errSlotsFull say which.
var (
	errBusy           = errors.New("busy")
	errBudgetFull     = fmt.Errorf("%w: the request-body budget is full", errBusy)
	errSlotsFull      = fmt.Errorf("%w: every decision slot is taken", errBusy)
	errHeavyLanesFull = fmt.Errorf("%w: every heavy lane is taken", errBusy)
)

// errClientClosed: the request was cancelled, its client gone, before a
// decision was made; none is.
var errClientClosed = errors.New("the client went away")

// statusClientClosed is the status of requests whose client left before
// their answer: nginx's 499, outside the standard codes, and never 2xx.
const statusClientClosed = 499

// errBodyLength: the body is not as long as its Content-Length says. The
// standard server never lets it be longer, but a middleware in front of
// Handler that replaces the body might.
var errBodyLength = errors.New("the body's length does not match its Content-Length")

// budgeted reads a request body, reserving its bytes from the service's
// body budget as they arrive, so that what a request holds is what it has
// sent, not what it declares. Only a clean end of the body ends it: a
// body cut short (a closed connection, a chunked body without its last
// chunk) is an error, never a body.
type budgeted struct {
	s        *Service
	ctx      context.Context
	declared int64 // the body's Content-Length, or -1
	held     int64
}

func (b *budgeted) reserve(n int64) error {
	if !b.s.wait(b.ctx, func(ctx context.Context) error { return b.s.bodyBudget.Acquire(ctx, n) }) {
		return errBudgetFull
	}
	b.held += n
	return nil
}

func (b *budgeted) read(r io.Reader) ([]byte, error) {
	var chunks [][]byte
	total := 0
	for {
		// Nothing is reserved or allocated before the next byte arrives.
		var first [1]byte
		n, err := fill(r, first[:])
		if n == 0 {
			if err == io.EOF {
				break
			}
			return nil, err
		}
		ended := err == io.EOF // the last byte came with the end
		// What a body holds grows with what it has sent: the first chunk
		// is small, and each after is as large as the body so far, up to
		// bodyChunk. So a body holds at most twice what it has sent, and
		// a first chunk. No chunk exceeds the declared length and one
		// byte (to see the end).
		size := min(max(int64(firstBodyChunk), int64(total)), bodyChunk)
		if b.declared >= 0 {
			if int64(total) >= b.declared {
				return nil, errBodyLength // a byte beyond the declared length
			}
			size = min(size, b.declared-int64(total)+1)
		}
		if ended {
			size = 1
		}
		if err := b.reserve(size); err != nil {
			return nil, err
		}
		c := make([]byte, size)
		c[0] = first[0]
		if !ended {
			n, err = fill(r, c[1:])
		} else {
			n = 0
		}
		chunks = append(chunks, c[:1+n])
		total += 1 + n
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if b.declared >= 0 && int64(total) != b.declared {
		return nil, errBodyLength
	}
	switch len(chunks) {
	case 0:
		return nil, nil
	case 1:
		return chunks[0], nil
	}
	// The decoders want one slice: the joined copy is reserved, and the
	// chunks' reservation given back once they are garbage.
	chunkBytes := b.held
	if err := b.reserve(int64(total)); err != nil {
		return nil, err
	}
	body := bytes.Join(chunks, nil)
	b.s.bodyBudget.Release(chunkBytes)
	b.held -= chunkBytes
	return body, nil
}

// stallReader reads a request body under two deadlines: the whole body
// by end, and each read within stall of the one before, so that a body
// that trickles is cut off long before end.
//
// The deadlines are the connection's, and must not outlive the body: once
// a body has ended, net/http reads the connection in the background to
// notice a client that goes away, and a deadline left on it would end
// that read, cancelling this request's context and every later request's
// on the connection. So nothing is set once the body has returned an
// error (io.EOF included), and finish clears the deadline of a body that
// ended.
type stallReader struct {
	r       io.Reader
	rc      *http.ResponseController // nil: deadlines cannot be set
	end     time.Time
	stall   time.Duration
	stalled bool  // the deadline that passed was the stall deadline
	err     error // what the body returned last, once not nil
	setErr  error // why deadlines cannot be set
}

func (sr *stallReader) Read(p []byte) (int, error) {
	if sr.err != nil {
		return 0, sr.err
	}
	if sr.rc != nil {
		deadline := time.Now().Add(sr.stall)
		sr.stalled = deadline.Before(sr.end)
		if !sr.stalled {
			deadline = sr.end
		}
		if err := sr.rc.SetReadDeadline(deadline); err != nil {
			sr.rc, sr.setErr = nil, err
		}
	}
	n, err := sr.r.Read(p)
	sr.err = err
	return n, err
}

// finish clears the read deadline once the body has ended, and reports
// an error if deadlines could not be set at all. A body that did not end
// keeps its deadline: net/http discards what is left of it after the
// answer, and without the deadline a client that stopped sending would
// hold the connection for ever.
func (sr *stallReader) finish() error {
	if sr.rc != nil && sr.err == io.EOF {
		sr.rc.SetReadDeadline(time.Time{})
	}
	return sr.setErr
}

// fill reads into p until it is full or r ends. Unlike io.ReadFull it
// passes r's own errors through untouched: io.EOF is the body's clean
// end, and io.ErrUnexpectedEOF (net/http's for a body cut short) stays an
// error.
func fill(r io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// release gives back what the body holds; it may be called more than once.
func (b *budgeted) release() {
	b.s.bodyBudget.Release(b.held)
	b.held = 0
}

// decided is a decision made in a slot, with what it was made on.
type decided struct {
	made    *made
	out     []byte
	snap    *snapshot
	now     time.Time
	elapsed time.Duration
}

// decideInSlot decodes and decides body holding a decision slot, which it
// gives back however deciding ends, panics included.
func (s *Service) decideInSlot(ctx context.Context, d decider, body []byte) (res decided, err error) {
	take := func(slots chan struct{}, full error) error {
		if s.wait(ctx, func(ctx context.Context) error {
			select {
			case slots <- struct{}{}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}) {
			return nil
		}
		if ctx.Err() != nil {
			return errClientClosed
		}
		return full
	}
	// A heavy body takes a heavy lane first, so that a few of them never
	// hold every decision slot: light requests keep the rest.
	if len(body) > heavyBodyBytes {
		if err := take(s.heavyLanes, errHeavyLanesFull); err != nil {
			return res, err
		}
		defer func() { <-s.heavyLanes }()
	}
	if err := take(s.slots, errSlotsFull); err != nil {
		return res, err
	}
	defer func() { <-s.slots }()
	if ctx.Err() != nil {
		return res, errClientClosed // a slot and a cancelled request were both ready
	}
	if s.testHookDecide != nil {
		s.testHookDecide()
	}
	start := time.Now()
	res.now = s.clock()
	res.snap = s.store.current.Load()
	if res.now.Unix() < 0 {
		return res, errClockBeforeEpoch
	}
	dctx, cancel := context.WithTimeoutCause(ctx, s.opts.DecisionTimeout, errDecisionTimeout)
	defer cancel()
	if res.made, err = d.decide(dctx, body, res.snap, uint64(res.now.Unix())); err != nil {
		switch {
		case errors.Is(context.Cause(dctx), errDecisionTimeout):
			return res, errDecisionTimeout
		case ctx.Err() != nil:
			return res, errClientClosed
		}
		return res, err
	}
	res.out, err = res.made.result.Marshal()
	res.elapsed = time.Since(start)
	return res, err
}

var errClockBeforeEpoch = errors.New("the clock reads before 1970")

// errDecisionTimeout: the decision took longer than DecisionTimeout and
// was abandoned; none is given.
var errDecisionTimeout = errors.New("the decision took too long")

// heavyBodyBytes is the body size past which a request is heavy: about
// 180 signers of a gate session (a 100-signer session is about 110 KB).
// Heavy requests take a heavy lane as well as a decision slot.
const heavyBodyBytes = 256 << 10

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
	maxLoggedCodeBytes = 128 // bytes of each code; teegate's own are under 64
)

// logDecision writes the decision's line: what was decided, on what, and
// when; never a token, a signature or a whole document, only digests.
func (s *Service) logDecision(id, endpoint string, body []byte, snap *snapshot, m *made, now uint64, elapsed time.Duration) error {
	sum := sha256.Sum256(body)
	codes := make([]string, 0, min(len(m.reasons), maxLoggedCodes))
	for _, r := range m.reasons[:min(len(m.reasons), maxLoggedCodes)] {
		codes = append(codes, cut(string(r.code), maxLoggedCodeBytes))
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
	if len(m.advisory) > 0 {
		attrs = append(attrs, slog.Any("advisory", m.advisory))
	}
	if id := m.sessionID; id != "" {
		if len(id) > maxLoggedSessionID {
			idSum := sha256.Sum256([]byte(id))
			attrs = append(attrs, slog.String("session_id_sha256", hex.EncodeToString(idSum[:])))
			id = cut(id, maxLoggedSessionID)
		}
		attrs = append(attrs, slog.String("session_id", id))
	}
	return s.decLog.record(formatRecord(slog.LevelInfo, "decision", attrs...), id)
}

// cut shortens s to at most n bytes of valid UTF-8, marking a cut with an
// ellipsis.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

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

// decideGate decides a gate session against the documents in force. The
// gate is built with RejectStaleDenylist: a session that is not
// mid_session is rejected while the service's denylist is stale, whatever
// its enforcement mode.
func (s *Service) decideGate(ctx context.Context, body []byte, snap *snapshot, now uint64) (*made, error) {
	// A heavy body's cohort is counted before decoding: a 16 MiB body of
	// 13,800 signers is refused after a scan of its first thousand, not
	// after a full strict decode. A light one decodes faster than the scan
	// would save.
	if len(body) > heavyBodyBytes {
		if n := countElements(body, "selected_signers", s.opts.MaxSigners+1); n > s.opts.MaxSigners {
			return nil, s.cohortSize("/selected_signers", n)
		}
	}
	session, err := gate.DecodeSession(requestFile, body)
	if err != nil {
		return nil, err
	}
	if err := s.cohortSize("/selected_signers", len(session.SelectedSigners)); err != nil {
		return nil, err
	}
	res, err := snap.gate.EvaluateContext(ctx, session, now)
	if err != nil {
		return nil, err
	}
	answer := capSignerReasons(res)
	m := &made{result: answer, outcome: res.Outcome, sessionID: session.SessionID,
		used: []Document{DocRegistry, DocKeyset, DocRevocationRegistry}}
	for _, r := range answer.Reasons {
		m.reasons = append(m.reasons, layerCode{layer: r.Layer, code: r.Code})
	}
	return m, nil
}

// countElements counts the elements of the array that is the top-level
// member name of the JSON object doc, stopping at limit. It only scans:
// on anything it cannot scan it returns what it counted so far, and the
// strict decoder that follows says what is wrong. A cohort over limit
// then reads "over limit", not its exact size.
func countElements(doc []byte, name string, limit int) int {
	dec := jsontext.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return 0
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return 0
		}
		if tok.String() != name {
			if dec.SkipValue() != nil {
				return 0
			}
			continue
		}
		if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
			return 0
		}
		n := 0
		for n < limit && dec.PeekKind() != ']' && dec.PeekKind() != 0 {
			if dec.SkipValue() != nil {
				return n
			}
			n++
		}
		return n
	}
	return 0
}

// cohortSize refuses a cohort larger than the service decides: one gate
// decision verifies every signer's token, so the cohort bounds its work.
func (s *Service) cohortSize(pointer string, n int) error {
	if n <= s.opts.MaxSigners {
		return nil
	}
	return &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Pointer: pointer, Offset: -1,
		Msg: fmt.Sprintf("more signers than this service decides on (%d, --max-signers)", s.opts.MaxSigners)}
}

// MaxReasonsPerSigner bounds the reasons a gate answer gives for one
// signer. A token yields a few reasons at most, but one with thousands of
// signatures under one key id yields one reason each; the answer keeps the
// first ones and says how many it left out.
const MaxReasonsPerSigner = 16

// gateAnswer is the gate's decision as the service answers it: the CLI's,
// byte for byte, unless a signer had more than MaxReasonsPerSigner
// reasons; then the rest are left out and reasons_omitted says so.
type gateAnswer struct {
	gate.Result    `json:",inline"`
	ReasonsOmitted *reasonsOmitted `json:"reasons_omitted,omitempty"`
}

type reasonsOmitted struct {
	PerSignerLimit int `json:"per_signer_limit"`
	Reasons        int `json:"reasons"`
	Signers        int `json:"signers"`
}

func (a gateAnswer) Marshal() ([]byte, error) {
	if a.ReasonsOmitted == nil {
		return a.Result.Marshal()
	}
	return decision.MarshalIndent(a)
}

func capSignerReasons(res gate.Result) gateAnswer {
	counts := map[string]int{}
	over := false
	for _, r := range res.Reasons {
		if r.Signer == "" {
			continue
		}
		if counts[r.Signer]++; counts[r.Signer] > MaxReasonsPerSigner {
			over = true
		}
	}
	if !over {
		return gateAnswer{Result: res}
	}
	om := &reasonsOmitted{PerSignerLimit: MaxReasonsPerSigner}
	kept := make([]gate.Reason, 0, len(res.Reasons))
	given := map[string]int{}
	for _, r := range res.Reasons {
		if r.Signer != "" {
			if given[r.Signer]++; given[r.Signer] > MaxReasonsPerSigner {
				om.Reasons++
				continue
			}
		}
		kept = append(kept, r)
	}
	for _, n := range counts {
		if n > MaxReasonsPerSigner {
			om.Signers++
		}
	}
	res.Reasons = kept
	return gateAnswer{Result: res, ReasonsOmitted: om}
}
