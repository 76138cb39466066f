// Package gendocs generates large, valid input documents (a registry, its
// audit log and a layer C session) for measuring teegate on big inputs. The
// same Config gives the same bytes. cmd teegate-gen writes them to files;
// benchmarks call Generate.
package gendocs

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

// pcgStream is the PCG's second seed word, fixed ("teegateg"): -seed is
// the first.
const pcgStream = 0x7465656761746567

// vendorSpec is a TEE vendor, how many of the registry's operators run on
// it (by weight), and the TEE types they allow.
type vendorSpec struct {
	id     string
	weight int
	tees   []teeChoice
}

// teeChoice is one allowed_tee_types list, sorted, and its weight.
type teeChoice struct {
	types  []string
	weight int
}

var vendorSpecs = []vendorSpec{
	{"intel", 38, []teeChoice{{[]string{"tdx"}, 55}, {[]string{"sgx"}, 30}, {[]string{"sgx", "tdx"}, 15}}},
	{"amd", 34, []teeChoice{{[]string{"sev-snp"}, 1}}},
	{"arm", 14, []teeChoice{{[]string{"cca"}, 1}}},
	{"aws", 14, []teeChoice{{[]string{"nitro"}, 1}}},
}

// teeTypes are every TEE type above, in the order their releases are drawn.
var teeTypes = []string{"cca", "nitro", "sev-snp", "sgx", "tdx"}

// attestationProfiles are the per-operator attestation_max_age_seconds and
// grace_period_seconds, by weight. None exceeds the registry-wide 3600 s.
var attestationProfiles = []attestationProfile{{3600, 900, 70}, {1800, 600, 15}, {3600, 1800, 10}, {2700, 900, 5}}

type attestationProfile struct {
	maxAge, grace uint64
	weight        int
}

// orgs name the organisations that run operators (fictional).
var orgs = []string{
	"keep", "northwind", "bluefin", "granite", "harbor", "lumen", "meridian", "obsidian", "pinecrest", "quartz",
	"redwood", "saltmarsh", "tidewater", "umber", "vantage", "wolfram", "aurora", "basalt", "cobalt", "driftwood",
}

// release is one signer release for a TEE type: its measurement digest and
// when it shipped.
type release struct {
	at      uint64
	version string
	digest  string
}

type operator struct {
	id, signer, vendor string
	tees               []string // allowed_tee_types
	primary, secondary string   // TEE types; secondary is "" for one-TEE operators
	added              uint64   // its add event, and effective_from
	maxAge, grace      uint64
	track              []int // releases of primary it ran, ascending; track[0] at its add
	secondaryK         int   // the release of secondary at its add
	status             governance.Status
	suspendedAt        uint64 // 0: never
	revokedAt          uint64 // 0: never
	selected           bool
}

type timedEvent struct {
	at  uint64
	seq int // creation order, to break ties deterministically
	ev  eventDoc
}

type gen struct {
	cfg      Config
	rng      *rand.Rand
	releases map[string][]release
	ops      []operator
	cohort   []int // indices into ops, in session order
	events   []timedEvent
	counts   map[governance.EventType]int
	pairs    int // break-glass activate/expire pairs
}

// Documents as written. The types of the project are used where every
// member is written; the ones with optional members are mirrored here so
// that an absent member is left out rather than written as null.
type registryDoc struct {
	ProfileStatus  governance.Profile        `json:"profile_status"`
	Enforcement    governance.Enforcement    `json:"enforcement"`
	Operators      []operatorDoc             `json:"operators"`
	ActivationGate governance.ActivationGate `json:"activation_gate"`
}

type operatorDoc struct {
	OperatorID               string            `json:"operator_id"`
	SignerIdentifier         string            `json:"signer_identifier"`
	Status                   governance.Status `json:"status"`
	AllowedTEETypes          []string          `json:"allowed_tee_types"`
	AllowedMeasurements      []string          `json:"allowed_measurements"`
	AttestationMaxAgeSeconds uint64            `json:"attestation_max_age_seconds"`
	GracePeriodSeconds       uint64            `json:"grace_period_seconds"`
	EffectiveFrom            uint64            `json:"effective_from"`
	EffectiveUntil           uint64            `json:"effective_until,omitempty"`
}

type eventsDoc struct {
	Events []eventDoc `json:"events"`
}

type eventDoc struct {
	EventID              string               `json:"event_id"`
	EventType            governance.EventType `json:"event_type"`
	OperatorID           string               `json:"operator_id,omitempty"`
	SignerIdentifier     string               `json:"signer_identifier,omitempty"`
	MeasurementDigest    string               `json:"measurement_digest,omitempty"`
	IncidentTicket       string               `json:"incident_ticket,omitempty"`
	ScopeOperatorIDs     []string             `json:"scope_operator_ids,omitempty"`
	ExpiresAtUnix        uint64               `json:"expires_at_unix,omitempty"`
	GovernanceDecisionID string               `json:"governance_decision_id"`
	EffectiveAtUnix      uint64               `json:"effective_at_unix"`
}

type sessionDoc struct {
	SessionID       string                  `json:"session_id"`
	Phase           cohort.Phase            `json:"phase"`
	Threshold       uint64                  `json:"threshold"`
	SelectedSigners []cohort.SelectedSigner `json:"selected_signers"`
	Denylist        cohort.Denylist         `json:"denylist"`
}

// Generate builds the three documents, in the order of Files, and a
// one-line summary of each.
func Generate(cfg Config) (docs [len(Files)][]byte, summary [len(Files)]string, err error) {
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, pcgStream)), counts: map[governance.EventType]int{}}
	g.makeReleases()
	g.makeOperators()
	g.selectCohort()
	// The events beyond one add per operator: about 30 % change statuses,
	// 10 % are break-glass waivers and the rest measurement updates. Where
	// the operators have too few later releases to move to (a small
	// registry given many events), more waivers take up the difference.
	extra := cfg.Events - cfg.Operators
	left := extra - g.changeStatuses(extra*3/10)
	cands := g.updateCandidates()
	_, _, maxPairs := g.breakGlassSpan()
	pairs := min(max(extra/20, (left-len(cands)+1)/2), maxPairs, left/2)
	updates := left - 2*pairs
	if updates > len(cands) {
		return docs, summary, fmt.Errorf("-events %d is more than these operators' history can hold (%d measurement updates and %d break-glass waivers at most, beyond the adds and status changes); lower -events",
			cfg.Events, len(cands), maxPairs)
	}
	g.breakGlass(pairs)
	g.measurementUpdates(cands, updates)
	g.addEvents()

	values := [len(Files)]any{g.registry(), g.eventLog(), g.session()}
	for i, v := range values {
		if docs[i], err = encode(v, cfg.Compact); err != nil {
			return docs, summary, err
		}
	}
	return docs, g.summary(), nil
}

func encode(v any, compact bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "draft -> mandatory", as written in the examples
	if !compact {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// between is a uniform draw from [lo, hi].
func (g *gen) between(lo, hi uint64) uint64 {
	if hi <= lo {
		return lo
	}
	return lo + g.rng.Uint64N(hi-lo+1)
}

func (g *gen) pick(weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := g.rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	panic("unreachable")
}

// makeReleases draws each TEE type's release schedule, one release every
// 30 to 60 days from before the first operator joined to the end of 2025,
// each with its own measurement.
func (g *gen) makeReleases() {
	g.releases = map[string][]release{}
	for _, tee := range teeTypes {
		period := 30*day + g.rng.Uint64N(31*day)
		at := firstRelease - g.rng.Uint64N(20*day)
		var rs []release
		for k := 0; at <= lastChange; k++ {
			var m [48]byte // an SEV-SNP MEASUREMENT or a TDX MRTD is 48 bytes
			for j := 0; j < len(m); j += 8 {
				binary.LittleEndian.PutUint64(m[j:], g.rng.Uint64())
			}
			rs = append(rs, release{at: at, version: fmt.Sprintf("v1.%d.0", k), digest: measurementDigest(tee, m[:])})
			at += period
		}
		g.releases[tee] = rs
	}
}

// measurementDigest is a measurement digest as package attest computes
// it: sha256: and the hex of SHA-256("teegate/measurement/v1" || 0x00 ||
// tee || 0x00 || measurement).
func measurementDigest(tee string, measurement []byte) string {
	h := sha256.New()
	h.Write([]byte("teegate/measurement/v1\x00" + tee + "\x00"))
	h.Write(measurement)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// releaseAt is the index of the latest release of tee shipped at or before t.
func (g *gen) releaseAt(tee string, t uint64) int {
	rs := g.releases[tee]
	k, _ := slices.BinarySearchFunc(rs, t+1, func(r release, t uint64) int { return cmp.Compare(r.at, t) })
	return k - 1 // rs[0] predates every operator
}

// makeOperators draws every operator's onboarding time, identity and
// attestation parameters; the registry lists them in onboarding order.
func (g *gen) makeOperators() {
	n := g.cfg.Operators
	added := make([]uint64, n)
	for i := range added {
		added[i] = g.between(onboardingStart, onboardingEnd)
	}
	slices.Sort(added)
	width := max(4, len(strconv.Itoa(n)))
	signers := make(map[string]bool, n)
	g.ops = make([]operator, n)
	for i := range g.ops {
		op := &g.ops[i]
		op.id = fmt.Sprintf("%s-%0*d", orgs[g.rng.IntN(len(orgs))], width, i+1)
		for op.signer == "" || signers[op.signer] {
			var b [24]byte
			for j := 0; j < len(b); j += 8 {
				binary.LittleEndian.PutUint64(b[j:], g.rng.Uint64())
			}
			op.signer = "0x" + hex.EncodeToString(b[:20]) // an Ethereum-style operator address
		}
		signers[op.signer] = true
		op.added = added[i]
		p := attestationProfiles[g.pick(weightsOf(attestationProfiles, func(p attestationProfile) int { return p.weight })...)]
		op.maxAge, op.grace = p.maxAge, p.grace
		op.status = governance.StatusActive
	}
}

func weightsOf[T any](items []T, weight func(T) int) []int {
	w := make([]int, len(items))
	for i, it := range items {
		w[i] = weight(it)
	}
	return w
}

// cohortVendorCounts splits a cohort of m signers over the vendors by
// weight, with no vendor above the cap: floor(count*100/m) <= cap. Four
// vendors at a cap of 40 % hold any cohort of 3 or more.
func cohortVendorCounts(m int) []int {
	limit := m * vendorCapPercent / 100
	total := 0
	for _, v := range vendorSpecs {
		total += v.weight
	}
	counts := make([]int, len(vendorSpecs))
	placed := 0
	for i, v := range vendorSpecs {
		counts[i] = min(limit, m*v.weight/total)
		placed += counts[i]
	}
	for placed < m {
		before := placed
		for i := range counts {
			if placed < m && counts[i] < limit {
				counts[i]++
				placed++
			}
		}
		if placed == before {
			panic(fmt.Sprintf("a cohort of %d cannot keep every vendor at or below %d %%", m, vendorCapPercent))
		}
	}
	return counts
}

// selectCohort picks the session's signers from all operators (none of
// them will be suspended or revoked), spreads them over the vendors within
// the cap, and gives every other operator a vendor by weight; then each
// operator's TEE types and the releases it joined on.
func (g *gen) selectCohort() {
	n, m := g.cfg.Operators, g.cfg.Signers
	g.cohort = g.rng.Perm(n)[:m]
	var cohortVendors []int
	for v, c := range cohortVendorCounts(m) {
		for range c {
			cohortVendors = append(cohortVendors, v)
		}
	}
	g.rng.Shuffle(len(cohortVendors), func(i, j int) { cohortVendors[i], cohortVendors[j] = cohortVendors[j], cohortVendors[i] })
	vendor := make([]int, n)
	for i := range vendor {
		vendor[i] = -1
	}
	for j, i := range g.cohort {
		g.ops[i].selected = true
		vendor[i] = cohortVendors[j]
	}
	vendorWeights := weightsOf(vendorSpecs, func(v vendorSpec) int { return v.weight })
	for i := range g.ops {
		v := vendor[i]
		if v < 0 {
			v = g.pick(vendorWeights...)
		}
		op, spec := &g.ops[i], &vendorSpecs[v]
		op.vendor = spec.id
		choice := spec.tees[g.pick(weightsOf(spec.tees, func(t teeChoice) int { return t.weight })...)]
		op.tees = choice.types
		op.primary = choice.types[0]
		if len(choice.types) == 2 {
			p := g.rng.IntN(2)
			op.primary, op.secondary = choice.types[p], choice.types[1-p]
			op.secondaryK = g.releaseAt(op.secondary, op.added)
		}
		op.track = []int{g.releaseAt(op.primary, op.added)}
	}
}

func (g *gen) event(at uint64, ev eventDoc) {
	g.events = append(g.events, timedEvent{at: at, seq: len(g.events), ev: ev})
	g.counts[ev.EventType]++
}

func date(t uint64) string { return time.Unix(int64(t), 0).UTC().Format("20060102") }

// changeStatuses suspends or revokes operators outside the cohort with at
// most budget events, at most a tenth of the registry: a third of the
// changed operators are revoked, a third of those after a suspension. It
// returns the number of events written.
func (g *gen) changeStatuses(budget int) int {
	n, m := g.cfg.Operators, g.cfg.Signers
	maxChanged := min(n-m, n/10)
	nRevoked := min(budget/3, maxChanged/2)
	nSuspendedFirst := nRevoked / 3
	nSuspended := max(0, min(budget-nRevoked-nSuspendedFirst, maxChanged-nRevoked))
	if nRevoked+nSuspended == 0 {
		return 0
	}
	var candidates []int
	for i := range g.ops {
		if !g.ops[i].selected {
			candidates = append(candidates, i)
		}
	}
	g.rng.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	for j, i := range candidates[:nRevoked+nSuspended] {
		op := &g.ops[i]
		suspend := func(lo, hi uint64) {
			op.suspendedAt = g.between(lo, hi)
			op.status = governance.StatusSuspended
			g.event(op.suspendedAt, eventDoc{EventType: governance.EventSuspend, OperatorID: op.id,
				GovernanceDecisionID: fmt.Sprintf("tip-%s-suspend-%s", date(op.suspendedAt), op.id), EffectiveAtUnix: op.suspendedAt})
		}
		if j >= nRevoked {
			suspend(op.added+day, lastChange)
			continue
		}
		from := op.added + day
		if j < nSuspendedFirst {
			suspend(from, lastChange-2*day)
			from = op.suspendedAt + day
		}
		op.revokedAt = g.between(from, lastChange)
		op.status = governance.StatusRevoked
		g.event(op.revokedAt, eventDoc{EventType: governance.EventRevoke, OperatorID: op.id,
			GovernanceDecisionID: fmt.Sprintf("tip-%s-revoke-%s", date(op.revokedAt), op.id), EffectiveAtUnix: op.revokedAt})
	}
	return nRevoked + nSuspendedFirst + nSuspended
}

// breakGlassSpan is when waivers may be activated: from a day after the
// first operator that stays active joined (a waiver names such operators
// only) to the end of the history, at least 4 days apart.
func (g *gen) breakGlassSpan() (active []int, start uint64, maxPairs int) {
	for i := range g.ops {
		if g.ops[i].status == governance.StatusActive {
			active = append(active, i) // in onboarding order
		}
	}
	start = max(onboardingStart+30*day, g.ops[active[0]].added+day) // the cohort is active: never empty
	if start+4*day > lastChange {
		return active, start, 0
	}
	return active, start, int((lastChange - start) / (4 * day))
}

// breakGlass writes pairs break-glass waivers, each an activation and its
// expiry: one in each of pairs equal slots of the span, at least 4 days
// after the previous one (so never more than two in 7 days, and never
// within the one-day cooldown), each lasting at most the policy's 6 hours
// and naming one to three operators that were added before it and are
// active throughout. pairs is at most breakGlassSpan's maxPairs.
func (g *gen) breakGlass(pairs int) {
	if pairs <= 0 {
		return
	}
	active, start, _ := g.breakGlassSpan()
	slot := (lastChange - start) / uint64(pairs) // at least 4 days
	ticket := 100 + g.rng.IntN(200)
	for p := range pairs {
		t := start + uint64(p)*slot + g.rng.Uint64N(slot-4*day+1)
		ttl := [...]uint64{7200, 14400, 21600}[g.rng.IntN(3)]
		// Only operators added before the waiver may be named in it.
		c, _ := slices.BinarySearchFunc(active, t, func(i int, t uint64) int { return cmp.Compare(g.ops[i].added, t) })
		var scope []string
		first := active[g.rng.IntN(c)]
		for k, i := 1+g.rng.IntN(min(3, c)), first; len(scope) < k; i = active[g.rng.IntN(c)] {
			if id := g.ops[i].id; !slices.Contains(scope, id) {
				scope = append(scope, id)
			}
		}
		incident := fmt.Sprintf("INC-%d-%04d", time.Unix(int64(t), 0).UTC().Year(), ticket)
		ticket += 1 + g.rng.IntN(40)
		decision := fmt.Sprintf("tip-%s-%s-outage-waiver", date(t), g.ops[first].vendor)
		expires := t + ttl
		g.event(t, eventDoc{EventType: governance.EventBreakGlassActivate, IncidentTicket: incident, ScopeOperatorIDs: scope,
			ExpiresAtUnix: expires, GovernanceDecisionID: decision, EffectiveAtUnix: t})
		end := g.between(t+1800, expires)
		g.event(end, eventDoc{EventType: governance.EventBreakGlassExpire, IncidentTicket: incident,
			GovernanceDecisionID: decision, EffectiveAtUnix: end})
		g.pairs++
	}
}

// update is a measurement update an operator could make: to release k of
// its primary TEE type.
type update struct{ op, k int }

// updateCandidates are every later release each operator could move to:
// one shipped after it joined, early enough that the move (up to two weeks
// later) comes before the end of the history and before the operator was
// suspended or revoked.
func (g *gen) updateCandidates() []update {
	var cands []update
	for i := range g.ops {
		op := &g.ops[i]
		limit := uint64(lastChange)
		for _, t := range []uint64{op.suspendedAt, op.revokedAt} {
			if t != 0 {
				limit = min(limit, t)
			}
		}
		rs := g.releases[op.primary]
		for k := op.track[0] + 1; k < len(rs) && rs[k].at+maxUpdateDelay <= limit; k++ {
			cands = append(cands, update{i, k})
		}
	}
	return cands
}

// measurementUpdates writes u of the candidates, drawn at random, each
// within two weeks of its release. The registry then allows an operator's
// last two releases.
func (g *gen) measurementUpdates(cands []update, u int) {
	for j := range u {
		r := j + g.rng.IntN(len(cands)-j)
		cands[j], cands[r] = cands[r], cands[j]
	}
	for _, c := range cands[:u] {
		op := &g.ops[c.op]
		rel := g.releases[op.primary][c.k]
		at := g.between(rel.at+3600, rel.at+maxUpdateDelay)
		op.track = append(op.track, c.k)
		g.event(at, eventDoc{EventType: governance.EventMeasurementUpdate, OperatorID: op.id, MeasurementDigest: rel.digest,
			GovernanceDecisionID: fmt.Sprintf("tip-%s-signer-%s-%s", date(rel.at), op.primary, rel.version), EffectiveAtUnix: at})
	}
	for i := range g.ops {
		slices.Sort(g.ops[i].track)
	}
}

// addEvents writes every operator's add event, in weekly governance
// batches.
func (g *gen) addEvents() {
	const week = 7 * day
	for i := range g.ops {
		op := &g.ops[i]
		batch := onboardingStart + (op.added-onboardingStart)/week*week
		decision := fmt.Sprintf("tip-%s-expand-whitelist", date(batch))
		if batch == onboardingStart {
			decision = fmt.Sprintf("tip-%s-initial-whitelist", date(batch))
		}
		g.event(op.added, eventDoc{EventType: governance.EventAdd, OperatorID: op.id, SignerIdentifier: op.signer,
			GovernanceDecisionID: decision, EffectiveAtUnix: op.added})
	}
}

func (g *gen) threshold() uint64 { return uint64(g.cfg.Signers * 2 / 3) }

func (g *gen) registry() registryDoc {
	ops := make([]operatorDoc, len(g.ops))
	for i := range g.ops {
		op := &g.ops[i]
		rs := g.releases[op.primary]
		var ms []string
		for _, k := range op.track[max(0, len(op.track)-2):] {
			ms = append(ms, rs[k].digest)
		}
		if op.secondary != "" {
			ms = append(ms, g.releases[op.secondary][op.secondaryK].digest)
		}
		ops[i] = operatorDoc{
			OperatorID:               op.id,
			SignerIdentifier:         op.signer,
			Status:                   op.status,
			AllowedTEETypes:          op.tees,
			AllowedMeasurements:      ms,
			AttestationMaxAgeSeconds: op.maxAge,
			GracePeriodSeconds:       op.grace,
			EffectiveFrom:            op.added,
			EffectiveUntil:           op.revokedAt,
		}
	}
	return registryDoc{
		ProfileStatus: governance.ProfileMandatory,
		Enforcement: governance.Enforcement{
			AttestationMaxAgeSeconds:         3600,
			GracePeriodSeconds:               900,
			MinAttestedSignersPerCohort:      g.threshold() + 1,
			MaxSingleVendorSharePercent:      vendorCapPercent,
			DenylistMaxStalenessSeconds:      60,
			BreakGlassTTLSeconds:             21600,
			BreakGlassMaxActivationsPer7d:    2,
			BreakGlassCooldownSeconds:        86400,
			BreakGlassScope:                  governance.BreakGlassScopeNamedOperators,
			BreakGlassQuorumBps:              6700,
			ActivationGateRequiredQuorumBps:  6700,
			ReAttestationPollIntervalSeconds: 300,
		},
		Operators: ops,
		ActivationGate: governance.ActivationGate{
			GovernanceDecisionID: "tip-100-mandatory-tee",
			EffectiveAtUnix:      gateEffectiveAt,
			QuorumDenominator:    10000,
			AchievedQuorumBps:    g.between(6800, 9500),
			Approvers: []governance.Approver{
				{ApproverID: "sec-lead@threshold.example", Role: governance.RoleSecurityOwner, Decision: "approved", DecidedAtUnix: gateEffectiveAt - 259200},
				{ApproverID: "runtime-lead@threshold.example", Role: governance.RoleSignerRuntimeOwner, Decision: "approved", DecidedAtUnix: gateEffectiveAt - 255600},
				{ApproverID: "delegate-7@threshold.example", Role: governance.RoleGovernanceDelegate, Decision: "approved", DecidedAtUnix: gateEffectiveAt - 252000},
			},
			ProfileStatusTransition: "draft -> mandatory",
			RollbackCondition:       "two or more attestation verifiers compromised, or admitted signers below threshold+1 for 24 hours",
			RollbackAuthority:       "Threshold security council 4-of-7 multisig",
		},
	}
}

// eventLog orders the events by time (ties in the order they were made)
// and numbers them.
func (g *gen) eventLog() eventsDoc {
	slices.SortFunc(g.events, func(a, b timedEvent) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq))
	})
	width := max(3, len(strconv.Itoa(len(g.events))))
	out := make([]eventDoc, len(g.events))
	for i, e := range g.events {
		out[i] = e.ev
		out[i].EventID = fmt.Sprintf("gov-%0*d", width, i+1)
	}
	return eventsDoc{Events: out}
}

// session is the cohort at session start: each signer's token was issued
// within its attestation age and is still fresh, and the denylist, 5 to 55
// s old, names every revoked operator and signer and a token of every
// suspended or revoked operator.
func (g *gen) session() sessionDoc {
	signers := make([]cohort.SelectedSigner, 0, len(g.cohort))
	for _, i := range g.cohort {
		op := &g.ops[i]
		issued := Now - g.between(60, op.maxAge-600)
		epoch := uint64(tokenEpoch)
		if g.rng.IntN(10) == 0 {
			epoch++ // issued after the next epoch began
		}
		signers = append(signers, cohort.SelectedSigner{
			OperatorID:       op.id,
			SignerIdentifier: op.signer,
			VendorID:         op.vendor,
			Token: cohort.TokenSnapshot{
				TokenID:              fmt.Sprintf("adm-%s-%s-%04d", op.id, date(Now), 1+g.rng.IntN(9999)),
				IssuedAtUnix:         issued,
				ExpiresAtUnix:        issued + op.maxAge,
				TokenRevocationEpoch: epoch,
			},
		})
	}
	deny := cohort.Denylist{
		RefreshedAtUnix:          Now - g.between(5, 55),
		RevokedOperatorIDs:       []string{},
		RevokedSignerIdentifiers: []string{},
		RevokedTokenIDs:          []string{},
		MinTokenRevocationEpoch:  tokenEpoch,
	}
	for i := range g.ops {
		op := &g.ops[i]
		if op.revokedAt != 0 {
			deny.RevokedOperatorIDs = append(deny.RevokedOperatorIDs, op.id)
			deny.RevokedSignerIdentifiers = append(deny.RevokedSignerIdentifiers, op.signer)
		}
		if t := max(op.suspendedAt, op.revokedAt); t != 0 {
			deny.RevokedTokenIDs = append(deny.RevokedTokenIDs, fmt.Sprintf("adm-%s-%s-%04d", op.id, date(t), 1+g.rng.IntN(9999)))
		}
	}
	return sessionDoc{
		SessionID:       fmt.Sprintf("roast-%s-%06d", time.Unix(Now, 0).UTC().Format("2006-01-02"), g.rng.IntN(1_000_000)),
		Phase:           cohort.PhaseSessionStart,
		Threshold:       g.threshold(),
		SelectedSigners: signers,
		Denylist:        deny,
	}
}

func (g *gen) summary() [len(Files)]string {
	var statuses [3]int
	for i := range g.ops {
		switch g.ops[i].status {
		case governance.StatusActive:
			statuses[0]++
		case governance.StatusSuspended:
			statuses[1]++
		case governance.StatusRevoked:
			statuses[2]++
		}
	}
	perVendor := map[string]int{}
	for _, i := range g.cohort {
		perVendor[g.ops[i].vendor]++
	}
	var vendors []string
	for _, v := range vendorSpecs {
		vendors = append(vendors, fmt.Sprintf("%s %d", v.id, perVendor[v.id]))
	}
	return [len(Files)]string{
		fmt.Sprintf("%d operators: %d active, %d suspended, %d revoked", len(g.ops), statuses[0], statuses[1], statuses[2]),
		fmt.Sprintf("%d events: %d add, %d suspend, %d revoke, %d measurement_update, %d break-glass waivers (activate + expire)",
			len(g.events), g.counts[governance.EventAdd], g.counts[governance.EventSuspend], g.counts[governance.EventRevoke],
			g.counts[governance.EventMeasurementUpdate], g.pairs),
		fmt.Sprintf("%d signers, threshold %d; vendors %s", len(g.cohort), g.threshold(), strings.Join(vendors, ", ")),
	}
}

// Times, in Unix seconds. Everything the documents record happens before
// now, the evaluation time the checks are run at.
const (
	Now             = 1767225600 // 2026-01-01T00:00:00Z: the documents are checked as of then
	day             = 86400
	onboardingStart = 1704067200               // 2024-01-01, a Monday: add-event batches are weeks from here
	onboardingEnd   = 1765929600               // 2025-12-17: the last add
	lastChange      = Now - day                // no event is later than 2025-12-31
	firstRelease    = onboardingStart - 30*day // every operator joins on an existing release
	maxUpdateDelay  = 14 * day                 // operators move to a release within two weeks of it
	gateEffectiveAt = 1764547200               // 2025-12-01, the activation gate
)

// Policy, as in examples/registry.json.
const (
	vendorCapPercent = 40
	tokenEpoch       = 3
)

// Files are the documents' file names, in the order Generate returns them.
var Files = [...]string{"registry.json", "events.json", "session.json"}

// Flag bounds. A list longer than strictjson.MaxListLength is refused by
// the decoders, so no list is generated longer than that.
const (
	minSigners     = 3 // threshold 2, and a cohort the 40 % cap admits over four vendors
	maxEventsPerOp = 4
	maxListLength  = strictjson.MaxListLength
)

// Config says what to generate.
type Config struct {
	Operators, Events, Signers int
	Seed                       uint64
	Compact                    bool
}

// Validate says whether the generator can make documents of c's sizes.
func (c Config) Validate() error {
	switch {
	case c.Operators < minSigners || c.Operators > maxListLength:
		return fmt.Errorf("-operators is %d; it must be between %d and %d", c.Operators, minSigners, maxListLength)
	case c.Signers < minSigners || c.Signers > c.Operators:
		return fmt.Errorf("-signers is %d; it must be between %d and -operators (%d)", c.Signers, minSigners, c.Operators)
	case c.Events < c.Operators || c.Events > min(maxEventsPerOp*c.Operators, maxListLength):
		return fmt.Errorf("-events is %d; it must be between -operators (%d: one add event each) and %d",
			c.Events, c.Operators, min(maxEventsPerOp*c.Operators, maxListLength))
	}
	return nil
}
