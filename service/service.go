// Package service is teegate's admission decision service: a policy
// decision point that answers the session gate and the four checks over
// HTTP, from governed documents it loads from files and keeps current.
//
// The registry, verifier keyset and revocation registry are loaded when the
// service starts and put in force as one set. A poll (and Reload, which
// teegate serve calls on SIGHUP) notices when their files change and loads
// them again; a set that fails to load or validate is refused, logged and
// reported, and the set before it stays in force. Requests carry only what
// varies per call: a session, a token, a cohort, an enforcement context.
//
// Every decision is the one the CLI prints for the same documents at the
// same time, with one rule the CLI leaves to an option: no session starts
// on a stale denylist, whatever its enforcement mode (the gate's
// Options.RejectStaleDenylist, teegate gate --stale-denylist reject). The
// service adds a decision id, a JSON line in the decision log and
// Prometheus metrics.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/strictjson"
)

// Options are the service's deployment settings. Zero values mean the
// defaults named beside them.
type Options struct {
	// Paths name the governed documents' files.
	Paths Paths
	// Clock tells the time of every decision and of readiness; nil means
	// time.Now. teegate serve --now-unix fixes it, for demonstrations and
	// replays.
	Clock func() time.Time
	// DecisionLog receives one JSON line per decision; nil discards them.
	DecisionLog io.Writer
	// DecisionLogTimeout bounds each write to DecisionLog, waiting for
	// earlier writes included (DefaultDecisionLogTimeout). A decision
	// whose line is not written within it is withheld (500), and the log
	// counts as failed until a retry succeeds.
	DecisionLogTimeout time.Duration
	// Log receives operational messages: start, reloads and refusals. Nil
	// discards them.
	Log *slog.Logger
	// ReloadInterval is how often the files are checked for change
	// (DefaultReloadInterval); negative turns polling off, leaving Reload.
	ReloadInterval time.Duration
	// ReloadTimeout bounds how long a reload may take to read and check
	// the documents (DefaultReloadTimeout). One that takes longer is
	// reported as stuck; the set in force stays.
	ReloadTimeout time.Duration
	// MaxSigners bounds the cohort of a gate session, a runtime session
	// and an enforcement context (DefaultMaxSigners); a larger one is a
	// 400. A gate decision verifies every signer's token, so this bounds
	// its work.
	MaxSigners int
	// DecisionTimeout bounds the time of one decision once it holds a
	// slot (DefaultDecisionTimeout): a gate evaluation past it is
	// abandoned and answered 503, no decision.
	DecisionTimeout time.Duration
	// MaxConcurrentDecisions bounds the requests decided at once, and so
	// the memory their bodies hold (DefaultMaxConcurrentDecisions).
	MaxConcurrentDecisions int
	// QueueTimeout is how long a request waits for a decision slot before
	// it is turned away with 503 (DefaultQueueTimeout).
	QueueTimeout time.Duration
	// ShutdownTimeout is how long Serve waits, once stopped, for requests
	// in flight to finish (DefaultShutdownTimeout).
	ShutdownTimeout time.Duration
	// MaxBodyBytes bounds the bytes of request bodies held at once, read
	// or being read (DefaultMaxBodyBytes); a request whose body does not
	// fit within QueueTimeout gets 503. It is raised to what the largest
	// body needs: twice its size (its chunks, then their joined copy) and
	// a chunk.
	MaxBodyBytes int64
	// DrainDelay is how long Serve, once stopped, keeps answering (with
	// /readyz reporting not ready) before it closes its listener, so that
	// load balancers see it leave; 0 closes at once.
	DrainDelay time.Duration
	// AllowRequestDocuments lets a check request bring its own governed
	// documents (registry, audit-event log, keyset, revocation registry, a
	// runtime session's denylist) in place of the service's, for test
	// benches and what-if questions. Every answer that rests on one is
	// marked advisory. Off (the default), a body that carries one is a
	// 400, and every decision rests on the documents the service holds.
	AllowRequestDocuments bool
	// Workers is how many tokens one gate evaluation verifies at once; 0
	// means one per CPU.
	Workers int
	// Attest, when its key is set, turns on the attestation verifier role
	// (POST /v1/attest); Paths.AttestPolicy must then name its policy.
	Attest AttestRole
}

// Defaults of Options.
const (
	// DefaultReloadInterval: the plan allows a denylist at most 60 s old at
	// session start; polling every 2 s spends little of that budget.
	DefaultReloadInterval = 2 * time.Second
	// DefaultMaxSigners: tBTC signing cohorts are about a hundred signers;
	// a thousand leaves room for every cohort the plan foresees, and a
	// cold thousand-signer gate takes about a second on two cores.
	DefaultMaxSigners = 1000
	// DefaultDecisionTimeout: five times the slowest legitimate decision
	// (a cold thousand-signer gate on two cores).
	DefaultDecisionTimeout = 5 * time.Second
	// DefaultReloadTimeout: a reload reads four files of at most 16 MiB
	// and checks them in well under a second; ten seconds is a file that
	// does not answer.
	DefaultReloadTimeout = 10 * time.Second
	// DefaultQueueTimeout: a caller about to sign would rather hear "busy"
	// quickly and retry than wait behind a burst.
	DefaultQueueTimeout = 2 * time.Second
	// DefaultShutdownTimeout: the slowest decision (a cold thousand-signer
	// gate on two cores) takes about a second.
	DefaultShutdownTimeout = 30 * time.Second
	// DefaultMaxBodyBytes: eight of the largest gate bodies as they are
	// joined, or thousands of ordinary ones (a 100-signer session is
	// about 110 KB).
	DefaultMaxBodyBytes = 16 * strictjson.MaxInputBytes
)

// minBodyBudget is what the largest body, a four-document check, needs.
var minBodyBudget = int64(2*envelopeLimit(4) + bodyChunk)

// DefaultMaxConcurrentDecisions is four per CPU: decisions are CPU-bound,
// so more in parallel only queue inside the scheduler while holding their
// request bodies in memory.
func DefaultMaxConcurrentDecisions() int { return 4 * runtime.GOMAXPROCS(0) }

// defaultIdleCloseGrace is how long, at shutdown, an idle keep-alive
// connection may still bring a request before it is closed. A client sends
// within microseconds on loopback, but one descheduled on a loaded host
// can take a good part of a second; a request that arrives after its
// connection closed is reset, and POST is not retried.
const defaultIdleCloseGrace = 500 * time.Millisecond

// HTTP server timeouts. Bodies are at most a few tens of megabytes and
// decisions take at most seconds, so anything slower is a stuck or hostile
// client.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
)

// Service is the decision service. Build it with New, then Serve it.
type Service struct {
	opts       Options
	clock      func() time.Time
	log        *slog.Logger
	decLog     *decisionLog
	store      *store
	metrics    *metrics
	verifier   *admission.Verifier
	slots      chan struct{}
	heavyLanes chan struct{} // taken, before a slot, by bodies over heavyBodyBytes
	bodyBudget *semaphore.Weighted
	draining   atomic.Bool

	reloadTurn      chan struct{} // held by the reload under way
	reloadStartedAt atomic.Int64  // when the reload under way started, Unix nanoseconds of the system clock; 0 when none is
	noDeadline      sync.Once     // warns once that bodies have no read deadline

	bodyReadTimeout  time.Duration // defaultBodyReadTimeout; tests shorten it
	bodyStallTimeout time.Duration // bodyStallTimeout; tests shorten it
	idleCloseGrace   time.Duration // defaultIdleCloseGrace; tests shorten it

	testHookDecide func()                               // called with a decision slot held; tests only
	after          func(time.Duration) <-chan time.Time // time.After; tests replace it
}

// New loads the governed documents and returns a service ready to serve
// them. Documents that fail to load or validate are an error: the service
// does not start without a set to enforce.
func New(opts Options) (*Service, error) {
	if opts.Attest.on() != (opts.Paths.AttestPolicy != "") {
		return nil, errors.New("the verifier role needs both a signing key and an attestation policy")
	}
	if opts.Attest.on() && ident.Blank(opts.Attest.KeyID) {
		return nil, errors.New("the verifier role needs the key id its signatures are made under")
	}
	s := &Service{opts: opts, clock: opts.Clock, log: opts.Log, after: time.After, bodyReadTimeout: defaultBodyReadTimeout,
		bodyStallTimeout: bodyStallTimeout, idleCloseGrace: defaultIdleCloseGrace}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	decisionLog := opts.DecisionLog
	if decisionLog == nil {
		decisionLog = io.Discard
	}
	if s.opts.DecisionLogTimeout <= 0 {
		s.opts.DecisionLogTimeout = DefaultDecisionLogTimeout
	}
	s.decLog = newDecisionLog(decisionLog, s.opts.DecisionLogTimeout)
	if s.opts.ReloadInterval == 0 {
		s.opts.ReloadInterval = DefaultReloadInterval
	}
	if s.opts.MaxConcurrentDecisions <= 0 {
		s.opts.MaxConcurrentDecisions = DefaultMaxConcurrentDecisions()
	}
	if s.opts.ReloadTimeout <= 0 {
		s.opts.ReloadTimeout = DefaultReloadTimeout
	}
	if s.opts.QueueTimeout <= 0 {
		s.opts.QueueTimeout = DefaultQueueTimeout
	}
	if s.opts.ShutdownTimeout <= 0 {
		s.opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	s.slots = make(chan struct{}, s.opts.MaxConcurrentDecisions)
	s.reloadTurn = make(chan struct{}, 1)
	// An eighth of the slots, at least one, for heavy bodies: on two
	// cores, one heavy decision at a time, which leaves a core to the rest.
	s.heavyLanes = make(chan struct{}, max(1, s.opts.MaxConcurrentDecisions/8))
	if s.opts.MaxSigners <= 0 {
		s.opts.MaxSigners = DefaultMaxSigners
	}
	if s.opts.DecisionTimeout <= 0 {
		s.opts.DecisionTimeout = DefaultDecisionTimeout
	}
	if s.opts.MaxBodyBytes <= 0 {
		s.opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s.opts.MaxBodyBytes = max(s.opts.MaxBodyBytes, minBodyBudget)
	s.bodyBudget = semaphore.NewWeighted(s.opts.MaxBodyBytes)
	s.metrics = newMetrics(s)
	s.verifier = admission.NewObservedVerifier(s.metrics)
	s.store = &store{paths: opts.Paths, verifier: s.verifier, workers: opts.Workers, read: readDocument}
	if _, _, err := s.store.reload(s.clock(), true); err != nil {
		return nil, err
	}
	s.logDocuments("governed documents in force", s.store.current.Load())
	if opts.Attest.on() {
		s.checkAttestKey(s.store.current.Load().keyset)
	}
	return s, nil
}

// checkAttestKey warns when the verifier role's key is not the keyset's
// key of that id: its signatures would count for no gate. It is a warning,
// not a refusal: the keyset that will carry the key may come later.
func (s *Service) checkAttestKey(ks *admission.Keyset) {
	for _, k := range ks.Keys {
		if ident.Norm(k.KeyID) != ident.Norm(s.opts.Attest.KeyID) {
			continue
		}
		if ident.Norm(k.PubkeyHex) != s.opts.Attest.Key.PubKeyHex() {
			s.log.Warn("the verifier role's key is not the keyset's key of its id: gates will not count its signatures",
				"key_id", s.opts.Attest.KeyID, "keyset_pubkey", k.PubkeyHex, "own_pubkey", s.opts.Attest.Key.PubKeyHex())
		}
		return
	}
	s.log.Warn("the keyset has no key of the verifier role's id: gates will not count its signatures", "key_id", s.opts.Attest.KeyID)
}

// Reload reads the governed documents' files again and puts them in force
// if they changed and load and validate, as teegate serve does on SIGHUP.
// A refused set is logged, counted and reported by /readyz; the set in
// force stays.
func (s *Service) Reload() error { return s.reload(true) }

// errReloadStuck marks a reload that has not finished within
// ReloadTimeout: a file that blocks on read, such as one on a network
// mount that stopped answering.
var errReloadStuck = errors.New("reading the governed documents has not finished")

// reload is Reload, or with force unset the poll's cheaper look at the
// files, bounded in time: it reads in a goroutine of its own, and returns
// once that reload ends or ReloadTimeout passes, whichever is first. A
// reload past its bound is refused as stuck (logged, counted, shown in
// /readyz); the set in force stays, the poll and SIGHUP go on answering,
// and no new reload starts until the stuck one returns. A refusal is
// logged and counted once, not again on each retry that fails the same
// way.
func (s *Service) reload(force bool) error {
	timer := time.NewTimer(s.opts.ReloadTimeout)
	defer timer.Stop()
	// One reload at a time, each after the one before: a SIGHUP during a
	// poll's reload still reads the files itself.
	asked := time.Now()
	for acquired := false; !acquired; {
		select {
		case s.reloadTurn <- struct{}{}:
			acquired = true
		case <-timer.C:
			at := s.reloadStartedAt.Load()
			if at >= asked.UnixNano() {
				// The reload under way began after this one was asked
				// for: it reads the files as they are now.
				return nil
			}
			if at != 0 {
				return s.reloadStuck(at)
			}
			// The one under way ended as the bound passed.
			timer.Reset(s.opts.ReloadTimeout)
		}
	}
	started := time.Now().UnixNano()
	s.reloadStartedAt.Store(started)
	now := s.clock()
	done := make(chan error, 1)
	go func() {
		changed, before, err := s.store.reload(now, force)
		err = s.reloaded(changed, before, err)
		s.reloadStartedAt.Store(0)
		<-s.reloadTurn
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		select {
		case err := <-done: // it ended as the bound passed
			return err
		default:
		}
		return s.reloadStuck(started)
	}
}

// reloadStuck reports a reload, started at Unix nanoseconds startedAt, that
// is still under way past its bound.
func (s *Service) reloadStuck(startedAt int64) error {
	started := time.Unix(0, startedAt).UTC()
	err := fmt.Errorf("%w after %s (started %s); the set in force stays, and no reload starts until it returns",
		errReloadStuck, s.opts.ReloadTimeout, started.Format(time.RFC3339))
	prev := s.store.lastErr.Load()
	if prev != nil && strings.HasPrefix(prev.Message, errReloadStuck.Error()) {
		return err // reported once
	}
	s.store.lastErr.Store(&ReloadError{AtUnix: s.clock().Unix(), Message: err.Error()})
	s.metrics.reloads.WithLabelValues(reloadFailure).Inc()
	s.log.Error("governed documents refused; the previous set stays in force", "error", err)
	return err
}

// reloaded logs and counts the end of a reload.
func (s *Service) reloaded(changed bool, before *ReloadError, err error) error {
	if changed && err != nil {
		// The attestation policy was refused alone; the rest came in.
		s.metrics.reloads.WithLabelValues(reloadSuccess).Inc()
		s.logDocuments("governed documents reloaded, but for the attestation policy", s.store.current.Load())
	}
	switch {
	case err != nil:
		if before == nil || before.Message != err.Error() {
			s.metrics.reloads.WithLabelValues(reloadFailure).Inc()
			level := slog.LevelError
			if errors.Is(err, errFuture) {
				level = slog.LevelWarn // it comes into force at its time
			}
			s.log.Log(context.Background(), level, "governed documents refused; the previous set stays in force", "error", err)
		}
	case changed:
		s.metrics.reloads.WithLabelValues(reloadSuccess).Inc()
		s.logDocuments("governed documents reloaded", s.store.current.Load())
	case before != nil:
		s.log.Info("the refused documents were put back; the set in force is unchanged")
	}
	return err
}

func (s *Service) logDocuments(msg string, snap *snapshot) {
	attrs := make([]any, 0, len(documents))
	for i, d := range documents {
		if !s.opts.Paths.held(d) {
			continue
		}
		attrs = append(attrs, slog.Group(string(d), "path", snap.info[i].Path, "sha256", snap.info[i].SHA256, "generation", snap.info[i].Generation))
	}
	s.log.Info(msg, attrs...)
}

func (s *Service) lastReloadError() *ReloadError { return s.store.lastErr.Load() }

// Serve answers requests on ln until ctx is done, polling the documents
// for change meanwhile. It then stops accepting connections, reports not
// ready, and waits up to ShutdownTimeout for requests in flight to finish.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	conns := newConns()
	srv := &http.Server{
		Handler:           conns.closeWhenClosing(s.Handler()),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         conns.track,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	pollDone := make(chan struct{})
	// Polling goes on through the drain and the shutdown: the denylist
	// must stay fresh while requests are still answered.
	pollCtx, stopPoll := context.WithCancel(context.Background())
	go func() {
		defer close(pollDone)
		s.Watch(pollCtx)
	}()
	defer func() { stopPoll(); <-pollDone }()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(jsonErrorListener{ln}) }()
	s.log.Info("serving", "address", ln.Addr().String())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	if s.opts.DrainDelay > 0 {
		s.log.Info("draining: still answering, but not ready", "delay", s.opts.DrainDelay)
		select {
		case <-s.after(s.opts.DrainDelay):
		case err := <-served:
			return err
		}
	}
	s.log.Info("shutting down; finishing requests in flight", "timeout", s.opts.ShutdownTimeout)
	// Stop accepting first: a client turned away now is refused a
	// connection, never reset on one. Then every answer closes its
	// connection, and idle keep-alive connections get a short grace in
	// which a request already sent is still answered; quiet ones close
	// cleanly. This goes on until no connection is left, since one busy
	// now may answer keep-alive and come back idle. http.Server.Shutdown
	// then waits for what is left until ShutdownTimeout runs out, and
	// returns its error if any is still active.
	deadline := time.Now().Add(s.opts.ShutdownTimeout)
	ln.Close()
	serr := <-served
	conns.closing.Store(true)
	until := map[net.Conn]time.Time{}
	tick := time.NewTicker(10 * time.Millisecond)
	for now := time.Now(); conns.closeIdle(now, s.idleCloseGrace, until) && now.Before(deadline); now = <-tick.C {
	}
	tick.Stop()
	shutdownCtx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if !errors.Is(serr, net.ErrClosed) && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// Watch polls the governed documents every ReloadInterval until ctx is
// done, putting changed ones in force. Serve runs it; a program that
// serves Handler itself runs it too.
func (s *Service) Watch(ctx context.Context) {
	if s.opts.ReloadInterval < 0 {
		return
	}
	t := time.NewTicker(s.opts.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.reload(false) // a refusal is logged and counted inside
		}
	}
}

// Readiness is the body of /readyz.
type Readiness struct {
	Ready bool `json:"ready"`
	// Problems say why the service is not ready; empty when it is.
	Problems                    []string     `json:"problems"`
	NowUnix                     int64        `json:"now_unix"`
	DenylistAgeSeconds          uint64       `json:"denylist_age_seconds"`
	DenylistMaxStalenessSeconds uint64       `json:"denylist_max_staleness_seconds"`
	Documents                   DocumentSet  `json:"documents"`
	LastReloadError             *ReloadError `json:"last_reload_error"`
	// DecisionLogError says why the decision log cannot be written, and
	// so why decisions are withheld; null when it can.
	DecisionLogError *string `json:"decision_log_error"`
}

// DocumentSet describes the governed documents in force.
type DocumentSet struct {
	Registry           DocumentInfo `json:"registry"`
	Keyset             DocumentInfo `json:"keyset"`
	RevocationRegistry DocumentInfo `json:"revocation_registry"`
	// AttestPolicy is present when the verifier role is on.
	AttestPolicy *DocumentInfo `json:"attest_policy,omitzero"`
	// Events is present when the service holds an audit log.
	Events *DocumentInfo `json:"events,omitzero"`
}

// readiness says whether the service may be sent sessions to admit. It is
// not ready while draining, when its clock reads before 1970, when the
// decision log cannot be written (decisions are withheld; asking retries
// it), or when the denylist in force is older than the registry's
// denylist_max_staleness_seconds: sessions would then not start
// (gate.Options.RejectStaleDenylist), so traffic belongs elsewhere until a
// fresh denylist loads.
func (s *Service) readiness(snap *snapshot, now time.Time) Readiness {
	denylist := snap.denylistFreshness(unixSeconds(now))
	r := Readiness{
		Ready:                       true,
		Problems:                    []string{},
		NowUnix:                     now.Unix(),
		DenylistAgeSeconds:          denylist.AgeSeconds,
		DenylistMaxStalenessSeconds: snap.registry.Enforcement.DenylistMaxStalenessSeconds,
		Documents: DocumentSet{Registry: snap.infoOf(DocRegistry), Keyset: snap.infoOf(DocKeyset),
			RevocationRegistry: snap.infoOf(DocRevocationRegistry)},
		LastReloadError: s.lastReloadError(),
	}
	if snap.attestPolicy != nil {
		info := snap.infoOf(DocAttestPolicy)
		r.Documents.AttestPolicy = &info
	}
	if snap.events != nil {
		info := snap.infoOf(DocEvents)
		r.Documents.Events = &info
	}
	if now.Unix() < 0 {
		r.Ready = false
		r.Problems = append(r.Problems, "the clock reads before 1970")
	} else if !denylist.Fresh {
		r.Ready = false
		r.Problems = append(r.Problems, denylist.Problem)
	}
	if p := s.decLog.problem(); p != "" {
		r.Ready = false
		r.Problems = append(r.Problems, p)
		r.DecisionLogError = &p
	}
	if s.draining.Load() {
		r.Ready = false
		r.Problems = append(r.Problems, "shutting down")
	}
	return r
}
