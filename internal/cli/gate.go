package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/governance"
)

// gateCommand is the session gate: layers B, C and D in one call.
func gateCommand(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	var (
		reg     *governance.Registry
		ks      *admission.Keyset
		rev     *admission.RevocationRegistry
		session *gate.Session
		opts    gate.Options
	)
	return Check{
		Usage:    "Usage: teegate gate --registry <path> --keyset <path> --revocation-registry <path> --session <path> [--events <path>] [--stale-denylist mode|reject] [--now-unix <seconds>]",
		Required: []string{"--registry", "--keyset", "--revocation-registry", "--session"},
		Optional: []string{"--events", "--stale-denylist"},
		Settings: func(values map[string]string) error {
			// mode (the default): a stale denylist is a layer C violation,
			// enforced as the session's mode says; reject: no session starts
			// on it in any mode, as teegate serve decides.
			switch v, given := values["--stale-denylist"]; {
			case !given || v == "mode":
			case v == "reject":
				opts.RejectStaleDenylist = true
			default:
				return UsageError{fmt.Sprintf("--stale-denylist must be mode or reject, not %q", v)}
			}
			return nil
		},
		Docs: []Document{
			Streamed("--registry", func(p string, r io.Reader) (err error) {
				reg, err = governance.ReadRegistry(p, r, gate.RegistryMembers)
				return
			}),
			Whole("--keyset", func(p string, d []byte) (err error) { ks, err = admission.DecodeKeyset(p, d); return }),
			Whole("--revocation-registry", func(p string, d []byte) (err error) {
				rev, err = admission.DecodeRevocationRegistry(p, d)
				return
			}),
			Streamed("--session", func(p string, r io.Reader) (err error) { session, err = gate.ReadSession(p, r); return }),
			// Read under policy 2: break-glass activations and history.
			Streamed("--events", func(p string, r io.Reader) (err error) {
				opts.AuditLog, err = governance.ReadAuditLog(p, r)
				return
			}),
		},
		Validate: func(paths map[string]string) error {
			if err := checkIdentifiers(reg, named{paths["--keyset"], ks}, named{paths["--revocation-registry"], rev}, named{paths["--events"], opts.AuditLog}); err != nil {
				return err
			}
			return gate.ValidateSession(paths["--session"], reg, session)
		},
		Decide: func(now uint64) Result {
			// The cache pays off within one session too: a token presented twice
			// is verified once.
			return gate.New(reg, ks, rev, opts).Evaluate(session, now)
		},
	}.Run(args, stdout, stderr, clock)
}
