package service

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/teegate/teegate/decision"
)

// metrics are the service's Prometheus metrics, on its own registry so
// that embedding the service in another program adds nothing to that
// program's default registry. No label takes an identifier (operator,
// signer, session, token, key): label values are endpoints, layers,
// outcomes, reason codes and document names, all fixed sets.
type metrics struct {
	registry *prometheus.Registry

	decisions         *prometheus.CounterVec   // endpoint, outcome, advisory
	reasons           *prometheus.CounterVec   // endpoint, layer, code
	decisionSeconds   *prometheus.HistogramVec // endpoint
	refused           *prometheus.CounterVec   // endpoint, status
	decisionLogErrors prometheus.Counter
	inFlight          prometheus.Gauge
	verifySeconds     prometheus.Histogram
	cacheHits         prometheus.Counter
	reloads           *prometheus.CounterVec // result
}

// Buckets of the latency histograms, in seconds. Decisions span a cached
// single-token check (tens of microseconds) to a cold thousand-signer gate
// (about a second on two cores); one BIP-340 verification is 40-250 µs.
var (
	decisionBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
	verifyBuckets   = []float64{0.00002, 0.00005, 0.0001, 0.00015, 0.0002, 0.0003, 0.0005, 0.001, 0.0025, 0.01}
)

func newMetrics(s *Service) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "teegate_decisions_total", Help: "Decisions made, by endpoint, outcome and whether the answer is advisory (on the caller's word or documents, not an admission decision).",
		}, []string{"endpoint", "outcome", "advisory"}),
		reasons: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "teegate_decision_reasons_total", Help: "Reasons given in decisions, by endpoint, layer and reason code.",
		}, []string{"endpoint", "layer", "code"}),
		decisionSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "teegate_decision_duration_seconds", Help: "Time to decide a request once its body is read: decoding, deciding and encoding the answer.",
			Buckets: decisionBuckets,
		}, []string{"endpoint"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "teegate_refused_requests_total", Help: "Decision requests answered without a decision, by endpoint and HTTP status (4xx: the request; 503: busy or no trustworthy clock; 500: the decision log).",
		}, []string{"endpoint", "status"}),
		decisionLogErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "teegate_decision_log_errors_total", Help: "Decisions withheld because their decision log line could not be written.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "teegate_decisions_in_flight", Help: "Requests read whole and not yet answered: waiting for a decision slot, being decided or being recorded in the decision log.",
		}),
		verifySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "teegate_signature_verification_duration_seconds", Help: "Time of each BIP-340 signature verification performed (cache hits excluded).",
			Buckets: verifyBuckets,
		}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "teegate_signature_cache_hits_total", Help: "Signature checks answered from the verification cache.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "teegate_reloads_total", Help: "Attempts to put changed governed documents in force, by result (success, failure).",
		}, []string{"result"}),
	}
	m.registry.MustRegister(m.decisions, m.reasons, m.decisionSeconds, m.refused, m.decisionLogErrors, m.inFlight,
		m.verifySeconds, m.cacheHits, m.reloads, documentCollector{s},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []string{reloadSuccess, reloadFailure} {
		m.reloads.WithLabelValues(r) // exported at 0 from the start, so rate() works
	}
	return m
}

const (
	reloadSuccess = "success"
	reloadFailure = "failure"
)

// Verified and Remembered make metrics an admission.Observer.
func (m *metrics) Verified(elapsed time.Duration) { m.verifySeconds.Observe(elapsed.Seconds()) }
func (m *metrics) Remembered()                    { m.cacheHits.Inc() }

// decided counts one decision.
func (m *metrics) decided(endpoint string, outcome decision.Outcome, advisory bool, reasons []layerCode, elapsed time.Duration) {
	m.decisions.WithLabelValues(endpoint, string(outcome), strconv.FormatBool(advisory)).Inc()
	for _, r := range reasons {
		label := string(r.code)
		if r.label != "" {
			label = r.label
		}
		m.reasons.WithLabelValues(endpoint, string(r.layer), label).Inc()
	}
	m.decisionSeconds.WithLabelValues(endpoint).Observe(elapsed.Seconds())
}

// documentCollector reports the governed documents in force, read at
// scrape time so that ages are current.
type documentCollector struct{ s *Service }

var (
	docGenerationDesc = prometheus.NewDesc("teegate_document_generation",
		"Contents of the governed document loaded since start (grows on each accepted change).", []string{"document"}, nil)
	docLoadedDesc = prometheus.NewDesc("teegate_document_loaded_timestamp_seconds",
		"When the governed document in force was loaded, Unix seconds.", []string{"document"}, nil)
	docAgeDesc = prometheus.NewDesc("teegate_document_age_seconds",
		"Seconds since the governed document in force was loaded.", []string{"document"}, nil)
	keysetVersionDesc = prometheus.NewDesc("teegate_keyset_version",
		"keyset_version of the verifier keyset in force.", nil, nil)
	denylistAgeDesc = prometheus.NewDesc("teegate_denylist_age_seconds",
		"Age of the denylist in force (now - denylist_refreshed_at_unix); 0 when it is dated in the future.", nil, nil)
	denylistMaxDesc = prometheus.NewDesc("teegate_denylist_max_staleness_seconds",
		"The registry's denylist_max_staleness_seconds: the age past which the service is not ready.", nil, nil)
	readyDesc = prometheus.NewDesc("teegate_ready",
		"1 when the service is ready to admit sessions, else 0 (see /readyz).", nil, nil)
	decisionLogFailedDesc = prometheus.NewDesc("teegate_decision_log_failed",
		"1 while the decision log cannot be written, so that decisions are withheld (see /readyz).", nil, nil)
	reloadErrorDesc = prometheus.NewDesc("teegate_last_reload_failed",
		"1 when the last attempt to load changed documents was refused and older ones stay in force.", nil, nil)
)

func (documentCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{docGenerationDesc, docLoadedDesc, docAgeDesc, keysetVersionDesc, denylistAgeDesc, denylistMaxDesc, readyDesc, reloadErrorDesc, decisionLogFailedDesc} {
		ch <- d
	}
}

func (c documentCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.s.clock()
	snap := c.s.store.current.Load()
	for i, d := range documents {
		if !c.s.opts.Paths.held(d) {
			continue
		}
		info := snap.info[i]
		ch <- prometheus.MustNewConstMetric(docGenerationDesc, prometheus.GaugeValue, float64(info.Generation), string(d))
		ch <- prometheus.MustNewConstMetric(docLoadedDesc, prometheus.GaugeValue, float64(info.LoadedAtUnix), string(d))
		ch <- prometheus.MustNewConstMetric(docAgeDesc, prometheus.GaugeValue, float64(max(0, now.Unix()-info.LoadedAtUnix)), string(d))
	}
	ch <- prometheus.MustNewConstMetric(keysetVersionDesc, prometheus.GaugeValue, float64(snap.keyset.KeysetVersion))
	rd := c.s.readiness(snap, now)
	ch <- prometheus.MustNewConstMetric(denylistAgeDesc, prometheus.GaugeValue, float64(rd.DenylistAgeSeconds))
	ch <- prometheus.MustNewConstMetric(denylistMaxDesc, prometheus.GaugeValue, float64(rd.DenylistMaxStalenessSeconds))
	ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, gaugeBool(rd.Ready))
	ch <- prometheus.MustNewConstMetric(reloadErrorDesc, prometheus.GaugeValue, gaugeBool(rd.LastReloadError != nil))
	ch <- prometheus.MustNewConstMetric(decisionLogFailedDesc, prometheus.GaugeValue, gaugeBool(rd.DecisionLogError != nil))
}

func gaugeBool(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
