package main

import (
	"fmt"
	"io"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/attest"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/cli"
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
	return cli.ExitError
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
func (in *attestInputs) docs() []cli.Document {
	return []cli.Document{
		{Flag: "--evidence", Decode: func(p string, d []byte) (err error) { in.evidence, err = attest.DecodeEvidence(p, d); return }},
		{Flag: "--payload", Decode: func(p string, d []byte) (err error) {
			in.decoded, err = strictjson.DecodeNew[admission.Payload](p, d, nil)
			in.payload = string(d)
			return
		}},
		{Flag: "--policy", Decode: func(p string, d []byte) (err error) { in.policy, err = attest.DecodePolicy(p, d); return }},
		{Flag: "--registry", Decode: func(p string, d []byte) (err error) {
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
	return cli.Check{
		Usage:    attestVerifyUsage,
		Required: attestDocFlags,
		Once:     true,
		Docs:     in.docs(),
		Decide: func(now uint64) cli.Result {
			return attest.Check(in.policy, in.registry, in.payload, in.evidence, now).Decision
		},
	}.Run(args, stdout, stderr, clock)
}

// attestSign runs verify's checks and, only on allow, prints this
// verifier's signature entry, as token sign does; on reject it prints the
// decision and signs nothing.
func attestSign(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := cli.Args{Usage: attestSignUsage, Required: append(append([]string{}, attestDocFlags...), "--key", "--key-id"), Once: true}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	var in attestInputs
	for _, d := range in.docs() {
		path := a.Values[d.Flag]
		data, err := strictjson.ReadFile(path)
		if err == nil {
			err = d.Decode(path, data)
		}
		if err != nil {
			return a.Fail(stderr, err)
		}
	}
	keyID := a.Values["--key-id"]
	if err := attest.CheckKeyID(in.decoded, keyID); err != nil {
		return a.Fail(stderr, fmt.Errorf("%s: %w", a.Values["--payload"], err))
	}
	sk, err := cli.ReadSecretKey(a.Values["--key"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	now, err := a.Now(clock)
	if err != nil {
		return a.Fail(stderr, err)
	}
	_, signed, err := attest.NewVerifier(in.policy, in.registry, attest.Options{}).Sign(sk, keyID, in.payload, in.evidence, now)
	if err != nil {
		return a.Fail(stderr, err)
	}
	return cli.Emit(stdout, stderr, signOutput{signed})
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
	a := cli.Args{Usage: attestMeasureUsage, Required: []string{"--evidence"}, NoNow: true, Once: true}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	path := a.Values["--evidence"]
	data, err := strictjson.ReadFile(path)
	if err != nil {
		return a.Fail(stderr, err)
	}
	ev, err := attest.DecodeEvidence(path, data)
	if err != nil {
		return a.Fail(stderr, err)
	}
	digest, err := attest.Measure(ev)
	if err != nil {
		member := "/sev_snp/report"
		if ev.TEEType == attest.TEETDX {
			member = "/tdx/quote"
		} else if ev.TEEType == attest.TEESGX {
			member = "/tee_type"
		}
		return a.Fail(stderr, &strictjson.Error{Op: strictjson.OpParse, File: path, Pointer: member, Offset: -1, Msg: err.Error(), Err: err})
	}
	if _, err := fmt.Fprintln(stdout, digest); err != nil {
		fmt.Fprintf(stderr, "cannot write the output: %v\n", err)
		return cli.ExitError
	}
	return cli.ExitAllow
}

// collectDevices are where attest collect asks for reports; tests replace
// them with the libraries' fake devices.
var collectDevices attest.Devices

// attestCollect asks this guest's TEE for a report bound to the payload
// and writes the evidence bundle.
func attestCollect(args []string, stdout, stderr io.Writer) int {
	a := cli.Args{Usage: attestCollectUsage, Required: []string{"--payload", "--tee", "--out"}, Optional: []string{"--collateral"}, NoNow: true, Once: true}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	tee := a.Values["--tee"]
	if tee != attest.TEESEVSNP && tee != attest.TEETDX {
		return a.Fail(stderr, cli.UsageError{Msg: fmt.Sprintf("invalid value for --tee: want %s or %s", attest.TEESEVSNP, attest.TEETDX)})
	}
	payload, err := cli.ReadPayload(a.Values["--payload"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	var collateral *attest.TDXCollateral
	if path, ok := a.Values["--collateral"]; ok {
		if tee != attest.TEETDX {
			return a.Fail(stderr, cli.UsageError{Msg: "--collateral is for --tee tdx only"})
		}
		data, err := strictjson.ReadFile(path)
		if err == nil {
			collateral, err = attest.DecodeCollateral(path, data)
		}
		if err != nil {
			return a.Fail(stderr, err)
		}
	}
	// The output is claimed before the TEE is asked: an existing file (the
	// payload itself, a link, a device) is never replaced, and a folder
	// that cannot take it fails before any report is made.
	f, err := cli.CreateNew(a.Values["--out"], 0o644)
	if err != nil {
		return a.Fail(stderr, err)
	}
	ev, err := attest.Collect(payload, tee, collectDevices, collateral)
	if err != nil {
		cli.AbandonNew(f)
		return a.Fail(stderr, err)
	}
	out, err := decision.MarshalIndent(ev)
	if err != nil {
		cli.AbandonNew(f)
		return a.Fail(stderr, err)
	}
	if err := cli.FinishNew(f, out); err != nil {
		return a.Fail(stderr, err)
	}
	return cli.ExitAllow
}
