// Command fakeguest stands in for a TEE guest in tests, examples and the
// README: it makes TEST-ONLY SEV-SNP or TDX evidence bound to a payload,
// as teegate attest collect would inside a real guest, signed by
// internal/attesttest's public test keys, with the collateral to verify
// it; and it prints an attestation policy that trusts those test roots.
// Nothing it makes is evidence of anything.
//
// Usage:
//
//	fakeguest evidence --tee <sev-snp|tdx> --payload <path> --out <path> [--image <label>] [--debug]
//	fakeguest policy --out <path>
//
// The guest's measured code is named by --image: its measurement fields
// are SHA-384 of the label (and of the label with "/rtmr0".."/rtmr3" for
// TDX's RTMRs), so that governance can allowlist a digest that stays the
// same. The evidence is made at the payload's issued_at_unix.
package main

import (
	"crypto/sha512"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/attest"
	"github.com/teegate/teegate/internal/attesttest"
	"github.com/teegate/teegate/internal/strictjson"
)

// DefaultImage names the example signer's code.
const DefaultImage = "teegate example signer v1.5.0"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fakeguest:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("want: evidence or policy")
	}
	fs := flag.NewFlagSet("fakeguest "+args[0], flag.ContinueOnError)
	out := fs.String("out", "", "the file to write")
	switch args[0] {
	case "evidence":
		tee := fs.String("tee", "", "sev-snp or tdx")
		payloadPath := fs.String("payload", "", "the payload the evidence is bound to")
		image := fs.String("image", DefaultImage, "the label of the guest's measured code")
		debug := fs.Bool("debug", false, "make a debuggable guest")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" || *payloadPath == "" {
			return errors.New("--out and --payload are required")
		}
		data, err := strictjson.ReadFile(*payloadPath)
		if err != nil {
			return err
		}
		p, err := strictjson.DecodeNew[admission.Payload](*payloadPath, data, nil)
		if err != nil {
			return err
		}
		ev, err := Evidence(*tee, string(data), *image, *debug, time.Unix(int64(p.IssuedAtUnix), 0))
		if err != nil {
			return err
		}
		return write(*out, ev)
	case "policy":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("--out is required")
		}
		p, err := Policy()
		if err != nil {
			return err
		}
		return write(*out, p)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// Measurements are the measured fields of the image label.
func Measurements(image string) (snp [48]byte, mrtd [48]byte, rtmrs [4][48]byte) {
	snp = sha512.Sum384([]byte(image))
	mrtd = snp
	for i := range rtmrs {
		rtmrs[i] = sha512.Sum384(fmt.Appendf(nil, "%s/rtmr%d", image, i))
	}
	return snp, mrtd, rtmrs
}

// Evidence makes a test-only bundle bound to payloadJSON, valid at now.
func Evidence(tee, payloadJSON, image string, debug bool, now time.Time) (*attest.Evidence, error) {
	snpMeasurement, mrtd, rtmrs := Measurements(image)
	binding := attest.ReportData(payloadJSON)
	switch tee {
	case attest.TEESEVSNP:
		opts := attesttest.SNPOptions{Now: now, ReportData: binding, Measurement: snpMeasurement}
		if debug {
			opts.Policy = attesttest.DefaultSNPPolicy | 1<<19
		}
		e, err := attesttest.NewSNP(opts)
		if err != nil {
			return nil, err
		}
		return &attest.Evidence{EvidenceVersion: attest.EvidenceVersion, TEEType: tee,
			SEVSNP: &attest.SEVSNPEvidence{Report: e.Report, VCEK: e.VCEK, CRL: e.CRL}}, nil
	case attest.TEETDX:
		opts := attesttest.TDXOptions{Now: now, ReportData: binding, MrTd: mrtd, Rtmrs: rtmrs}
		if debug {
			opts.TdAttributes = 1
		}
		e, err := attesttest.NewTDX(opts)
		if err != nil {
			return nil, err
		}
		return &attest.Evidence{EvidenceVersion: attest.EvidenceVersion, TEEType: tee, TDX: &attest.TDXEvidence{
			Quote: e.Quote,
			Collateral: attest.TDXCollateral{
				TCBInfo: string(e.TCBInfo), TCBInfoIssuerChain: string(e.TCBInfoIssuerChain),
				QEIdentity: string(e.QEIdentity), QEIdentityIssuerChain: string(e.QEIdentityIssuerChain),
				PCKCRL: e.PCKCRL, PCKCRLIssuerChain: string(e.PCKCRLIssuerChain), RootCACRL: e.RootCACRL,
			},
		}}, nil
	}
	return nil, fmt.Errorf("--tee %q: want %s or %s", tee, attest.TEESEVSNP, attest.TEETDX)
}

// Policy is an attestation policy that trusts the test-only roots for
// both TEE types, with the production rules otherwise (no debug,
// revocation checked, the generator's default TCB levels as minima).
func Policy() (*attest.Policy, error) {
	var roots []attest.SEVSNPRoot
	for _, pl := range []string{"Milan", "Genoa"} {
		ark, ask, err := attesttest.SNPRoots(pl)
		if err != nil {
			return nil, err
		}
		roots = append(roots, attest.SEVSNPRoot{TrustRootID: "test-only-amd-" + strings.ToLower(pl), ProductLine: pl, ARK: string(ark), ASK: string(ask)})
	}
	tcb := attest.SEVSNPTCB{BootloaderSPL: uint64(attesttest.DefaultSNPTCB.BlSpl), TEESPL: uint64(attesttest.DefaultSNPTCB.TeeSpl),
		SNPSPL: uint64(attesttest.DefaultSNPTCB.SnpSpl), MicrocodeSPL: uint64(attesttest.DefaultSNPTCB.UcodeSpl)}
	skew := uint64(attest.DefaultMaxClockSkewSeconds)
	return &attest.Policy{
		PolicyVersion: attest.PolicyVersion, AcceptedTEETypes: []string{attest.TEESEVSNP, attest.TEETDX},
		MaxClockSkewSeconds: &skew, AllowDebug: false, CheckRevocation: true,
		SEVSNP: &attest.SEVSNPPolicy{TrustRoots: roots, MinimumTCB: tcb, MinimumLaunchTCB: tcb, MinimumAPIVersion: "0.0", AllowSMT: true},
		TDX: &attest.TDXPolicy{
			TrustRoots:       []attest.TDXRoot{{TrustRootID: "test-only-intel", RootCA: string(attesttest.TDXRootCA())}},
			MinimumTEETCBSVN: fmt.Sprintf("%x", attesttest.DefaultTDXTeeTcbSvn),
			// attesttest's collateral carries 17.
			MinimumTCBEvaluationDataNumber: 17,
		},
	}, nil
}

func write(path string, v any) error {
	b, err := json.Marshal(v, jsontext.WithIndent("  "))
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
