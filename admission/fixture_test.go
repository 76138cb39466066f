package admission

import (
	"fmt"
	"slices"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

const testNow = 1_700_100_000

const testDigest = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func u64(v uint64) *uint64 { return &v }

// testKeys are fixed signing keys, so that failures reproduce.
var testKeys = map[string]*SecretKey{}

func init() {
	for i, id := range []string{"key-a", "key-b", "key-c", "key-a2", "key-d"} {
		sk, err := ParseSecretKey(fmt.Appendf(nil, "%064x", 0x1000+i))
		if err != nil {
			panic(err)
		}
		testKeys[id] = sk
	}
}

// fixture is a complete, valid set of layer B inputs that tests edit.
type fixture struct {
	reg     *governance.Registry
	ks      *Keyset
	payload Payload
	signers []string // key ids that sign, in order
	rev     *RevocationRegistry
	// editToken changes the assembled token after signing.
	editToken func(*Token)
}

func key(id, instance, root string) VerifierKey {
	return VerifierKey{KeyID: id, VerifierInstanceID: instance, TrustRootID: root,
		PubkeyHex: testKeys[id].PubKeyHex(), ValidFromUnix: 1_700_000_000, ValidUntilUnix: 1_700_259_200}
}

func validFixture() *fixture {
	return &fixture{
		reg: &governance.Registry{
			ProfileStatus: "mandatory",
			Enforcement:   governance.Enforcement{AttestationMaxAgeSeconds: 3600, DenylistMaxStalenessSeconds: 60},
			Operators: []governance.Operator{{
				OperatorID: "op-1", SignerIdentifier: "signer-1", Status: "active",
				AllowedTEETypes: []string{"sgx", "tdx"}, AllowedMeasurements: []string{testDigest},
				AttestationMaxAgeSeconds: 3600, EffectiveFrom: 1_700_000_000,
			}},
		},
		ks: &Keyset{KeysetVersion: 1, ThresholdM: 2, MaxKeyAgeSeconds: 2_592_000, Keys: []VerifierKey{
			key("key-a", "inst-a", "root-1"),
			key("key-b", "inst-b", "root-2"),
			key("key-c", "inst-c", "root-2"),
		}},
		payload: Payload{
			TokenID: "tok-1", OperatorID: "op-1", SignerIdentifier: "signer-1", TEEType: "sgx",
			MeasurementDigest: testDigest, IssuedAtUnix: testNow - 120, ExpiresAtUnix: testNow + 300,
			RegistrySnapshotVersion: 1, VerifierKeyIDs: []string{"key-a", "key-b", "key-c"}, TokenRevocationEpoch: 5,
		},
		signers: []string{"key-a", "key-b", "key-c"},
		rev:     &RevocationRegistry{DenylistRefreshedAtUnix: testNow, MinTokenRevocationEpoch: 5},
	}
}

// token signs the payload, as its JSON encoding, with every signer.
func (f *fixture) token(t testing.TB) *Token {
	t.Helper()
	text, err := json.Marshal(f.payload)
	if err != nil {
		t.Fatal(err)
	}
	tok := &Token{PayloadJSON: string(text)}
	for _, id := range f.signers {
		sk, ok := testKeys[id]
		if !ok {
			t.Fatalf("no test key %s", id)
		}
		digest := PayloadDigest(tok.PayloadJSON)
		sig, err := signDigest(sk, digest)
		if err != nil {
			t.Fatal(err)
		}
		tok.Signatures = append(tok.Signatures, TokenSignature{VerifierKeyID: id, SignatureHex: sig})
	}
	if f.editToken != nil {
		f.editToken(tok)
	}
	return tok
}

func (f *fixture) check(t testing.TB) decision.Decision {
	return CheckToken(f.reg, f.ks, f.token(t), f.rev, testNow)
}

type tokenCase struct {
	name string
	edit func(f *fixture)
	want []decision.Code
}

func runCases(t *testing.T, cases []tokenCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := validFixture()
			tc.edit(f)
			d := f.check(t)
			if got := d.Codes(); !slices.Equal(got, tc.want) {
				t.Fatalf("codes = %v\nwant    %v\nreasons: %v", got, tc.want, d.Reasons)
			}
			if (d.Outcome == decision.Allow) != (len(tc.want) == 0) {
				t.Fatalf("outcome %s with codes %v", d.Outcome, d.Codes())
			}
			for _, r := range d.Reasons {
				if r.Detail == "" {
					t.Errorf("reason %s has no detail", r.Code)
				}
			}
		})
	}
}
