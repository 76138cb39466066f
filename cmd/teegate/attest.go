package main

import (
	"fmt"
	"io"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/attest"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

const (
	attestVerifyUsage  = "Usage: teegate attest verify --evidence <path> --payload <path> --policy <path> --registry <path> [--now-unix <seconds>]"
	attestSignUsage    = "Usage: teegate attest sign --evidence <path> --payload <path> --policy <path> --registry <path> --key <path> --key-id <id> [--now-unix <seconds>]"
	attestMeasureUsage = "Usage: teegate attest measure --evidence <path>"
	attestCollectUsage = "Usage: teegate attest collect --payload <path> --tee <sev-snp|tdx> --out <path> [--collateral <path>]"
)

// attestCommand dispatches the attestation verifier's subcommands.
func attestCommand(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	if len(args) > 0 {
		switch args[0] {
		case "verify":
			return attestVerify(args[1:], stdout, stderr, clock)
		case "sign":
			return attestSign(args[1:], stdout, stderr, clock)
		case "measure":
			return attestMeasure(args[1:], stdout, stderr)
		case "collect":
			return attestCollect(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "teegate attest: want verify, sign, measure or collect\n%s\n%s\n%s\n%s\n",
		attestVerifyUsage, attestSignUsage, attestMeasureUsage, attestCollectUsage)
	return exitError
}

// attestInputs are the documents verify and sign read.
type attestInputs struct {
	evidence *attest.Evidence
	payload  string
	decoded  *admission.Payload
	policy   *attest.Policy
	registry *governance.Registry
}

// docs lists them in the order they are read; the first that fails to
// read or decode ends the run.
func (in *attestInputs) docs() []document {
	return []document{
		{"--evidence", func(p string, d []byte) (err error) { in.evidence, err = attest.DecodeEvidence(p, d); return }},
		{"--payload", func(p string, d []byte) (err error) {
			in.decoded, err = strictjson.DecodeNew[admission.Payload](p, d, nil)
			in.payload = string(d)
			return
		}},
		{"--policy", func(p string, d []byte) (err error) { in.policy, err = attest.DecodePolicy(p, d); return }},
		{"--registry", func(p string, d []byte) (err error) {
			in.registry, err = governance.DecodeRegistry(p, d, admission.RegistryMembers)
			return
		}},
	}
}

var attestDocFlags = []string{"--evidence", "--payload", "--policy", "--registry"}

// attestVerify prints the decision on whether the evidence proves every
// claim of the payload.
func attestVerify(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	var in attestInputs
	return check{
		usage:    attestVerifyUsage,
		required: attestDocFlags,
		once:     true,
		docs:     in.docs(),
		decide: func(now uint64) result {
			return attest.Check(in.policy, in.registry, in.payload, in.evidence, now).Decision
		},
	}.run(args, stdout, stderr, clock)
}

// attestSign runs verify's checks and, only on allow, prints this
// verifier's signature entry, as token sign does; on reject it prints the
// decision and signs nothing.
func attestSign(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := checkArgs{usage: attestSignUsage, required: append(append([]string{}, attestDocFlags...), "--key", "--key-id"), once: true}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	var in attestInputs
	for _, d := range in.docs() {
		path := a.values[d.flag]
		data, err := strictjson.ReadFile(path)
		if err == nil {
			err = d.decode(path, data)
		}
		if err != nil {
			return a.fail(stderr, err)
		}
	}
	keyID := a.values["--key-id"]
	if err := attest.CheckKeyID(in.decoded, keyID); err != nil {
		return a.fail(stderr, fmt.Errorf("%s: %w", a.values["--payload"], err))
	}
	sk, err := readSecretKey(a.values["--key"])
	if err != nil {
		return a.fail(stderr, err)
	}
	now, err := a.now(clock)
	if err != nil {
		return a.fail(stderr, err)
	}
	_, signed, err := attest.NewVerifier(in.policy, in.registry, attest.Options{}).Sign(sk, keyID, in.payload, in.evidence, now)
	if err != nil {
		return a.fail(stderr, err)
	}
	return emit(stdout, stderr, signOutput{signed})
}

// signOutput prints what attest sign decided: the signature entry alone
// when it signed, so that token assemble reads it; the decision otherwise.
type signOutput struct{ s attest.Signed }

func (o signOutput) Marshal() ([]byte, error) {
	if o.s.Signature != nil {
		return decision.MarshalIndent(o.s.Signature)
	}
	return decision.Decision{Outcome: o.s.Outcome, Reasons: o.s.Reasons, ValidatedAtUnix: o.s.ValidatedAtUnix}.Marshal()
}

func (o signOutput) Admits() bool { return o.s.Admits() }

// attestMeasure prints the measurement digest of the evidence's measured
// code, for governance's allowlist. It verifies nothing.
func attestMeasure(args []string, stdout, stderr io.Writer) int {
	a := checkArgs{usage: attestMeasureUsage, required: []string{"--evidence"}, noNow: true, once: true}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	path := a.values["--evidence"]
	data, err := strictjson.ReadFile(path)
	if err != nil {
		return a.fail(stderr, err)
	}
	ev, err := attest.DecodeEvidence(path, data)
	if err != nil {
		return a.fail(stderr, err)
	}
	digest, err := attest.Measure(ev)
	if err != nil {
		member := "/sev_snp/report"
		if ev.TEEType == attest.TEETDX {
			member = "/tdx/quote"
		} else if ev.TEEType == attest.TEESGX {
			member = "/tee_type"
		}
		return a.fail(stderr, &strictjson.Error{Op: strictjson.OpParse, File: path, Pointer: member, Offset: -1, Msg: err.Error(), Err: err})
	}
	if _, err := fmt.Fprintln(stdout, digest); err != nil {
		fmt.Fprintf(stderr, "cannot write the output: %v\n", err)
		return exitError
	}
	return exitAllow
}

// collectDevices are where attest collect asks for reports; tests replace
// them with the libraries' fake devices.
var collectDevices attest.Devices

// attestCollect asks this guest's TEE for a report bound to the payload
// and writes the evidence bundle.
func attestCollect(args []string, stdout, stderr io.Writer) int {
	a := checkArgs{usage: attestCollectUsage, required: []string{"--payload", "--tee", "--out"}, optional: []string{"--collateral"}, noNow: true, once: true}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	tee := a.values["--tee"]
	if tee != attest.TEESEVSNP && tee != attest.TEETDX {
		return a.fail(stderr, errUsage{fmt.Sprintf("invalid value for --tee: want %s or %s", attest.TEESEVSNP, attest.TEETDX)})
	}
	payload, err := readPayload(a.values["--payload"])
	if err != nil {
		return a.fail(stderr, err)
	}
	var collateral *attest.TDXCollateral
	if path, ok := a.values["--collateral"]; ok {
		if tee != attest.TEETDX {
			return a.fail(stderr, errUsage{"--collateral is for --tee tdx only"})
		}
		data, err := strictjson.ReadFile(path)
		if err == nil {
			collateral, err = attest.DecodeCollateral(path, data)
		}
		if err != nil {
			return a.fail(stderr, err)
		}
	}
	// The output is claimed before the TEE is asked: an existing file (the
	// payload itself, a link, a device) is never replaced, and a folder
	// that cannot take it fails before any report is made.
	f, err := createNew(a.values["--out"], 0o644)
	if err != nil {
		return a.fail(stderr, err)
	}
	ev, err := attest.Collect(payload, tee, collectDevices, collateral)
	if err != nil {
		abandonNew(f)
		return a.fail(stderr, err)
	}
	out, err := decision.MarshalIndent(ev)
	if err != nil {
		abandonNew(f)
		return a.fail(stderr, err)
	}
	if err := finishNew(f, out); err != nil {
		return a.fail(stderr, err)
	}
	return exitAllow
}
