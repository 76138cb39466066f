package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teegate/teegate/admission"
)

func TestKeygen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.key")
	r := runCLI(t, "", fixedClock(0), "keygen", "--out", path)
	if r.exit != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.exit, r.stderr)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %04o, want 0600", perm)
	}
	data, _ := os.ReadFile(path)
	sk, err := admission.ParseSecretKey(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(r.stdout); got != sk.PubKeyHex() {
		t.Errorf("printed %q, want the public key %s", got, sk.PubKeyHex())
	}
	if strings.Contains(r.stdout, strings.TrimSpace(string(data))) {
		t.Error("keygen printed the secret key")
	}

	again := runCLI(t, "", fixedClock(0), "keygen", "--out", path)
	if again.exit != ExitError || !strings.Contains(again.stderr, "refusing to overwrite") {
		t.Fatalf("second keygen: exit %d, stderr %q", again.exit, again.stderr)
	}
	if after, _ := os.ReadFile(path); string(after) != string(data) {
		t.Fatal("the existing key was changed")
	}
	if r := runCLI(t, "", fixedClock(0), "keygen"); r.exit != ExitError || !strings.HasPrefix(r.stderr, "missing required --out") {
		t.Fatalf("no --out: exit %d, stderr %q", r.exit, r.stderr)
	}
}

// keygen --from installs an existing key: from a file of any mode (a
// Kubernetes Secret volume makes its files 0440 under fsGroup), to a new
// file of mode 0600, printing only the public key. A file that holds no
// key, or an --out already there, writes nothing.
func TestKeygenFrom(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "secret.key")
	first := runCLI(t, "", fixedClock(0), "keygen", "--out", src)
	if first.exit != 0 {
		t.Fatalf("keygen: %d %s", first.exit, first.stderr)
	}
	if err := os.Chmod(src, 0o440); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "key", "verifier.key")
	if err := os.Mkdir(filepath.Dir(out), 0o700); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", fixedClock(0), "keygen", "--from", src, "--out", out)
	if r.exit != 0 || r.stdout != first.stdout {
		t.Fatalf("keygen --from: exit %d, stdout %q, stderr %q; want the same public key %q", r.exit, r.stdout, r.stderr, first.stdout)
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("installed key: %v, %v; want mode 0600", info, err)
	}
	if a, b := mustRead(t, src), mustRead(t, out); a != b {
		t.Fatal("the installed key differs from its source")
	}
	if _, err := ReadSecretKey(out); err != nil {
		t.Fatalf("the installed key is refused where it is used: %v", err)
	}
	huge := filepath.Join(dir, "huge.key") // a key's digits, and a megabyte more
	if err := os.WriteFile(huge, []byte(strings.Repeat(strings.TrimSpace(mustRead(t, src)), 1<<14)), 0o600); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.key")
	if err := os.WriteFile(junk, []byte("not a key, and not to be repeated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--from", junk, "--out", filepath.Join(dir, "j")}, "not a secp256k1 secret key"},
		{[]string{"--from", filepath.Join(dir, "missing"), "--out", filepath.Join(dir, "m")}, "cannot read key file"},
		{[]string{"--from", src, "--out", out}, "refusing to overwrite"},
		{[]string{"--from", src, "--from", junk, "--out", filepath.Join(dir, "twice")}, "--from"},
		{[]string{"--from", dir, "--out", filepath.Join(dir, "d")}, "not a regular file"},
		{[]string{"--from", huge, "--out", filepath.Join(dir, "h")}, "key file"},
	} {
		r := runCLI(t, "", fixedClock(0), append([]string{"keygen"}, tc.args...)...)
		if r.exit != ExitError || !strings.Contains(r.stderr, tc.msg) || r.stdout != "" || strings.Contains(r.stderr, "not to be repeated") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.exit, r.stdout, r.stderr, tc.msg)
		}
	}
	for _, name := range []string{"j", "m", "twice", "d", "h"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was written", name)
		}
	}
	if a, b := mustRead(t, src), mustRead(t, out); a != b {
		t.Fatal("a refused keygen changed the installed key")
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const issuePayload = `{"token_id":"t-1","operator_id":"op-1","signer_identifier":"s-1","tee_type":"sgx","measurement_digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","issued_at_unix":1000,"expires_at_unix":2000,"registry_snapshot_version":1,"verifier_key_ids":["k-a","k-b"],"token_revocation_epoch":0}`

func TestTokenSignAndAssemble(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("payload.json", []byte(issuePayload+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pubs := map[string]string{}
	for _, name := range []string{"a", "b"} {
		r := runCLI(t, "", fixedClock(0), "keygen", "--out", name+".key")
		if r.exit != 0 {
			t.Fatal(r.stderr)
		}
		pubs[name] = strings.TrimSpace(r.stdout)
		r = runCLI(t, "", fixedClock(0), "token", "sign", "--payload", "payload.json", "--key", name+".key", "--key-id", "k-"+name)
		if r.exit != 0 {
			t.Fatalf("sign: %s", r.stderr)
		}
		if err := os.WriteFile("sig-"+name+".json", []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		secret, _ := os.ReadFile(name + ".key")
		if strings.Contains(r.stdout, strings.TrimSpace(string(secret))) {
			t.Fatal("sign printed the secret key")
		}
	}
	r := runCLI(t, "", fixedClock(0), "token", "assemble", "--payload", "payload.json", "--signature", "sig-a.json", "sig-b.json")
	if r.exit != 0 {
		t.Fatalf("assemble: %s", r.stderr)
	}
	tok, err := admission.DecodeToken("token", []byte(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if tok.PayloadJSON != issuePayload || len(tok.Signatures) != 2 {
		t.Fatalf("token %+v", tok)
	}
	digest := admission.PayloadDigest(tok.PayloadJSON)
	for i, name := range []string{"a", "b"} {
		pk, _ := admission.ParsePubKey(pubs[name])
		if err := admission.Verify(pk, tok.Signatures[i].SignatureHex, digest); err != nil {
			t.Errorf("signature %s: %v", name, err)
		}
	}
	// The same with the flag repeated.
	r2 := runCLI(t, "", fixedClock(0), "token", "assemble", "--signature", "sig-a.json", "--payload", "payload.json", "--signature", "sig-b.json")
	if r2.exit != 0 || r2.stdout != r.stdout {
		t.Fatalf("repeated --signature: exit %d, %s", r2.exit, r2.stderr)
	}
}

func TestTokenIssueRefusals(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("payload.json", []byte(issuePayload), 0o644)
	os.WriteFile("typo.json", []byte(strings.Replace(issuePayload, `"tee_type"`, `"tee_typ"`, 1)), 0o644)
	runCLI(t, "", fixedClock(0), "keygen", "--out", "a.key")
	runCLI(t, "", fixedClock(0), "keygen", "--out", "open.key")
	os.Chmod("open.key", 0o644)
	os.WriteFile("bad.key", []byte("not a key at all, definitely secret\n"), 0o600)
	sig := runCLI(t, "", fixedClock(0), "token", "sign", "--payload", "payload.json", "--key", "a.key", "--key-id", "k-a")
	os.WriteFile("sig-a.json", []byte(sig.stdout), 0o644)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"token", "sign", "--payload", "payload.json", "--key", "a.key", "--key-id", "k-z"}, `does not name key "k-z"`},
		{[]string{"token", "sign", "--payload", "typo.json", "--key", "a.key", "--key-id", "k-a"}, `failed to parse JSON file [typo.json]: member "/tee_typ": unknown member`},
		{[]string{"token", "sign", "--payload", "payload.json", "--key", "open.key", "--key-id", "k-a"}, "accessible to other users (mode 0644)"},
		{[]string{"token", "sign", "--payload", "payload.json", "--key", "bad.key", "--key-id", "k-a"}, "key file bad.key: not a secp256k1 secret key"},
		{[]string{"token", "sign", "--payload", "payload.json", "--key", "a.key"}, "missing required --key-id"},
		{[]string{"token", "assemble", "--payload", "payload.json"}, "missing required --signature"},
		{[]string{"token", "assemble", "--payload", "payload.json", "--signature", "sig-a.json", "sig-a.json"}, `two signatures for key "k-a"`},
		{[]string{"token", "assemble", "--payload", "payload.json", "--signature", "payload.json"}, `failed to parse JSON file [payload.json]: member "/token_id": unknown member`},
		{[]string{"token", "verify"}, "want sign or assemble"},
	} {
		r := runCLI(t, "", fixedClock(0), tc.args...)
		if r.exit != ExitError || r.stdout != "" || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("teegate %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.exit, r.stdout, r.stderr, tc.msg)
		}
		if strings.Contains(r.stderr, "definitely secret") {
			t.Errorf("teegate %v printed the key file's content", tc.args)
		}
	}
}
