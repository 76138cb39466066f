package admission

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

func TestSignAssembleCheckRoundTrip(t *testing.T) {
	f := validFixture()
	text, err := json.Marshal(f.payload)
	if err != nil {
		t.Fatal(err)
	}
	payload := "\n  " + string(text) + "\n" // as read from a file
	var sigs []TokenSignature
	for _, id := range []string{"key-c", "key-a"} {
		sig, err := Sign(testKeys[id], payload, strings.ToUpper(id)+" ")
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, sig)
	}
	tok, err := Assemble(payload, sigs)
	if err != nil {
		t.Fatal(err)
	}
	if tok.PayloadJSON != string(text) {
		t.Errorf("payload_json = %q, want the trimmed payload", tok.PayloadJSON)
	}
	if d := CheckToken(f.reg, f.ks, tok, f.rev, testNow); len(d.Reasons) != 0 {
		t.Fatalf("assembled token rejected: %v", d.Reasons)
	}
}

func TestGenerateKeyRoundTrip(t *testing.T) {
	sk, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	other, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if sk.PubKeyHex() == other.PubKeyHex() {
		t.Fatal("two generated keys are equal")
	}
	back, err := ParseSecretKey(sk.KeyFile())
	if err != nil || back.PubKeyHex() != sk.PubKeyHex() {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := ParsePubKey(sk.PubKeyHex()); err != nil {
		t.Fatalf("public key: %v", err)
	}
}

func TestSecretKeyNeverPrints(t *testing.T) {
	sk := testKeys["key-a"]
	secret := strings.TrimSpace(string(sk.KeyFile()))
	leaks := func(out string) bool { return strings.Contains(out, secret) || strings.Contains(out, secret[:16]) }
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{sk, *sk} {
			if out := fmt.Sprintf(format, v); leaks(out) {
				t.Errorf("fmt %s shows the secret: %s", format, out)
			}
		}
	}
	// json refuses a struct with no exported fields; either way, no secret.
	if out, err := json.Marshal(map[string]any{"k": sk, "v": *sk}); leaks(string(out)) || (err != nil && leaks(err.Error())) {
		t.Errorf("json shows the secret: %s (%v)", out, err)
	}
	var logged bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logged, nil), slog.NewJSONHandler(&logged, nil)} {
		slog.New(h).Info("signing", "key", sk, "value", *sk)
	}
	if leaks(logged.String()) {
		t.Errorf("slog shows the secret: %s", logged.String())
	}
}

func TestParseSecretKeyRejects(t *testing.T) {
	const n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141" // the group order
	for _, in := range []string{
		"", strings.Repeat("0", 64), n, strings.Repeat("f", 64), strings.Repeat("1", 63), strings.Repeat("1", 66),
		"0x" + strings.Repeat("1", 62), strings.Repeat("g", 64),
	} {
		_, err := ParseSecretKey([]byte(in))
		if !errors.Is(err, ErrSecretKeyInvalid) {
			t.Errorf("ParseSecretKey(%q) = %v, want ErrSecretKeyInvalid", in, err)
		}
		if in != "" && err != nil && strings.Contains(err.Error(), in) {
			t.Errorf("the error repeats the key text: %v", err)
		}
	}
}

func TestSignAndAssembleRefuse(t *testing.T) {
	f := validFixture()
	text, _ := json.Marshal(f.payload)
	payload := string(text)
	sig, _ := Sign(testKeys["key-a"], payload, "key-a")
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"undeclared key", func() error { _, err := Sign(testKeys["key-d"], payload, "key-d"); return err }()},
		{"empty key id", func() error { _, err := Sign(testKeys["key-a"], payload, " "); return err }()},
		{"payload with an unknown member", func() error {
			_, err := Sign(testKeys["key-a"], strings.Replace(payload, "{", `{"x":1,`, 1), "key-a")
			return err
		}()},
		{"empty payload", func() error { _, err := Sign(testKeys["key-a"], "  ", "key-a"); return err }()},
		{"no signatures", func() error { _, err := Assemble(payload, nil); return err }()},
		{"two signatures for one key", func() error {
			_, err := Assemble(payload, []TokenSignature{sig, {VerifierKeyID: "KEY-A", SignatureHex: sig.SignatureHex}})
			return err
		}()},
		{"signature that is not 64 bytes of hex", func() error {
			_, err := Assemble(payload, []TokenSignature{{VerifierKeyID: "key-a", SignatureHex: "nothex"}})
			return err
		}()},
		{"signature for an undeclared key", func() error {
			_, err := Assemble(payload, []TokenSignature{{VerifierKeyID: "key-z", SignatureHex: sig.SignatureHex}})
			return err
		}()},
	} {
		if !errors.Is(tc.err, ErrIssue) {
			t.Errorf("%s: err = %v, want ErrIssue", tc.name, tc.err)
		}
	}
}
