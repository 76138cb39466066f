package cli

import (
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
	)
	return Check{
		Usage:    "Usage: teegate gate --registry <path> --keyset <path> --revocation-registry <path> --session <path> [--now-unix <seconds>]",
		Required: []string{"--registry", "--keyset", "--revocation-registry", "--session"},
		Docs: []Document{
			Streamed("--registry", func(p string, r io.Reader) (err error) {
				reg, err = governance.ReadRegistry(p, r, gate.RegistryMembers)
				return
			}),
			Whole("--keyset", func(p string, d []byte) (err error) { ks, err = admission.DecodeKeyset(p, d); return }),
			Whole("--revocation-registry", func(p string, d []byte) (err error) { rev, err = admission.DecodeRevocationRegistry(p, d); return }),
			Streamed("--session", func(p string, r io.Reader) (err error) { session, err = gate.ReadSession(p, r); return }),
		},
		Decide: func(now uint64) Result {
			// The cache pays off within one session too: a token presented twice
			// is verified once.
			return gate.New(reg, ks, rev, gate.Options{}).Evaluate(session, now)
		},
	}.Run(args, stdout, stderr, clock)
}
