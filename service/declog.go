package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/teegate/teegate/internal/bounded"
)

// DefaultDecisionLogTimeout bounds each decision log write (Options
// .DecisionLogTimeout). A line is a few hundred bytes: a healthy file or
// pipe takes microseconds, so a write that takes seconds has a reader that
// stopped reading or a disk that stopped answering.
const DefaultDecisionLogTimeout = 2 * time.Second

// logRetryInterval is how often a failed decision log is tried again, by a
// decision or by a readiness probe, while it stays failed.
const logRetryInterval = time.Second

// errLogUnavailable is the cause of a decision withheld because the
// decision log cannot be written.
var errLogUnavailable = errors.New("the decision log cannot be written")

// decisionLog writes the decision log: one JSON line per decision, each
// write bounded in time. A decision whose line is not written within the
// bound is withheld (500): no decision goes out unrecorded. Once a write
// fails or passes its bound the log is failed: decisions are withheld at
// once, without writing, and /readyz reports it, until a retry (at most
// once a second, by a decision or a readiness probe) writes a record that
// the log resumed, with how many decisions it withheld meanwhile.
type decisionLog struct {
	out        *bounded.Writer
	retryEvery time.Duration // logRetryInterval; tests shorten it

	mu      sync.Mutex
	failed  *logFailure // nil while the log is healthy
	lastTry time.Time
}

// logFailure is why, and since when, the decision log is failed.
type logFailure struct {
	since    time.Time
	cause    string
	withheld uint64 // decisions withheld since
}

func newDecisionLog(w io.Writer, timeout time.Duration) *decisionLog {
	return &decisionLog{out: bounded.New(w, timeout), retryEvery: logRetryInterval}
}

// record writes a decision's line, or says why it cannot.
func (l *decisionLog) record(line []byte, decisionID string) error {
	if err := l.retry(); err != nil {
		l.withhold()
		return err
	}
	err := l.out.WriteLate(line, func(err error) { l.late(decisionID, err) })
	if err != nil {
		l.fail(err)
		l.withhold()
		return fmt.Errorf("%w: %w", errLogUnavailable, err)
	}
	return nil
}

func (l *decisionLog) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed == nil {
		l.failed = &logFailure{since: time.Now(), cause: err.Error()}
		l.lastTry = time.Now()
	}
}

func (l *decisionLog) withhold() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed != nil {
		l.failed.withheld++
	}
}

// late follows a write that returned after its bound. If it wrote the
// line, the log now holds a decision that was withheld: a second record
// says so, so that the log never shows a decision as given that was not.
func (l *decisionLog) late(decisionID string, err error) {
	if err != nil {
		return // the line is not in the log
	}
	l.out.TryWrite(formatRecord(slog.LevelWarn, "decision withheld",
		slog.String("decision_id", decisionID),
		slog.String("reason", "its line was written after the decision log's time bound; the caller got 500, not this decision")), nil)
}

// retry, while the log is failed, tries at most once a second to write the
// record that it resumed; until that succeeds, it returns why the log is
// failed.
func (l *decisionLog) retry() error {
	l.mu.Lock()
	f := l.failed
	if f == nil {
		l.mu.Unlock()
		return nil
	}
	if time.Since(l.lastTry) < l.retryEvery {
		l.mu.Unlock()
		return fmt.Errorf("%w since %s: %s", errLogUnavailable, f.since.UTC().Format(time.RFC3339), f.cause)
	}
	l.lastTry = time.Now()
	rec := formatRecord(slog.LevelWarn, "decision log resumed",
		slog.String("failed_at", f.since.UTC().Format(time.RFC3339Nano)),
		slog.String("error", f.cause),
		slog.Uint64("decisions_withheld", f.withheld))
	l.mu.Unlock()
	// Without waiting: a write still stuck holds the writer.
	if err := l.out.TryWrite(rec, nil); err != nil {
		return fmt.Errorf("%w since %s: %s", errLogUnavailable, f.since.UTC().Format(time.RFC3339), err)
	}
	l.mu.Lock()
	if l.failed == f {
		l.failed = nil
	}
	l.mu.Unlock()
	return nil
}

// problem is why the log is failed, after a retry; "" when it is healthy.
func (l *decisionLog) problem() string {
	if err := l.retry(); err != nil {
		return err.Error() + "; decisions are withheld"
	}
	return ""
}

// formatRecord renders one log record as a JSON line, as log/slog's JSON
// handler does, into its own buffer: the write happens apart from it.
func formatRecord(level slog.Level, msg string, attrs ...slog.Attr) []byte {
	var buf bytes.Buffer
	rec := slog.NewRecord(time.Now(), level, msg, 0)
	rec.AddAttrs(attrs...)
	slog.NewJSONHandler(&buf, nil).Handle(context.Background(), rec) // a bytes.Buffer does not fail
	return buf.Bytes()
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
