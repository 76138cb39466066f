package attest

import (
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"slices"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

// testNow is 2026-01-01T00:00:00Z, the examples' evaluation time.
const testNow = 1_767_225_600

func u64(v uint64) *uint64 { return &v }

// testRegistry is a mandatory registry with one active operator, op-1,
// allowed tee and the measurement digest.
func testRegistry(tee, digest string, effectiveFrom uint64) *governance.Registry {
	return &governance.Registry{
		ProfileStatus: "mandatory",
		Enforcement:   governance.Enforcement{AttestationMaxAgeSeconds: 3600, DenylistMaxStalenessSeconds: 60},
		Operators: []governance.Operator{{
			OperatorID: "op-1", SignerIdentifier: "0x1111111111111111111111111111111111111111", Status: "active",
			AllowedTEETypes: []string{tee}, AllowedMeasurements: []string{digest},
			AttestationMaxAgeSeconds: 3600, EffectiveFrom: effectiveFrom,
		}},
	}
}

// testPayload is a payload for op-1, issued 10 s before now and valid
// for 50 minutes.
func testPayload(tee, digest string, now uint64) admission.Payload {
	return admission.Payload{
		TokenID: "adm-op-1-0001", OperatorID: "op-1", SignerIdentifier: "0x1111111111111111111111111111111111111111",
		TEEType: tee, MeasurementDigest: digest, IssuedAtUnix: now - 10, ExpiresAtUnix: now + 3000,
		RegistrySnapshotVersion: 42, VerifierKeyIDs: []string{"vk-a", "vk-b", "vk-c"}, TokenRevocationEpoch: 3,
	}
}

func payloadText(t testing.TB, p admission.Payload) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodePolicy encodes p and decodes it as a policy file would be, so
// that every test policy passes through DecodePolicy's validation.
func decodePolicy(t testing.TB, p Policy) *Policy {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodePolicy("policy.json", b)
	if err != nil {
		t.Fatalf("DecodePolicy: %v\n%s", err, b)
	}
	return out
}

// pemBlocks splits PEM text into its blocks, each re-encoded alone.
func pemBlocks(t testing.TB, text []byte) []string {
	t.Helper()
	var out []string
	for {
		var b *pem.Block
		b, text = pem.Decode(text)
		if b == nil {
			return out
		}
		out = append(out, string(pem.EncodeToMemory(b)))
	}
}

func codes(d decision.Decision) []decision.Code { return d.Codes() }

func wantCodes(t testing.TB, got decision.Decision, want ...decision.Code) {
	t.Helper()
	if want == nil {
		want = []decision.Code{}
	}
	if !slices.Equal(got.Codes(), want) {
		t.Errorf("codes = %v, want %v\n%s", got.Codes(), want, got)
		for _, r := range got.Reasons {
			t.Logf("  %s: %s", r.Code, r.Detail)
		}
	}
}

// networkRecorder counts the URLs the libraries ask for.
type networkRecorder struct{ urls []string }

func (n *networkRecorder) options() Options {
	return Options{OnNetwork: func(u string) { n.urls = append(n.urls, u) }}
}

func (n *networkRecorder) none(t testing.TB) {
	t.Helper()
	if len(n.urls) > 0 {
		t.Errorf("the libraries asked for %v; verification must never reach the network", n.urls)
	}
}

func urlUnescape(s string) (string, error) { return url.QueryUnescape(s) }

func newPool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
