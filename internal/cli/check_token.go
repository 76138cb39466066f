package cli

import (
	"io"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/governance"
)

func checkToken(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	var (
		reg *governance.Registry
		ks  *admission.Keyset
		tok *admission.Token
		rev *admission.RevocationRegistry
		// The paths that named them, for checkIdentifiers.
		ksPath, tokPath, revPath string
	)
	return Check{
		Usage:    "Usage: teegate check token --registry <path> --keyset <path> --token <path> --revocation-registry <path> [--now-unix <seconds>]",
		Required: []string{"--registry", "--keyset", "--token", "--revocation-registry"},
		Docs: []Document{
			Streamed("--registry", func(p string, r io.Reader) (err error) {
				reg, err = governance.ReadRegistry(p, r, admission.RegistryMembers)
				return
			}),
			Whole("--keyset", func(p string, d []byte) (err error) { ksPath = p; ks, err = admission.DecodeKeyset(p, d); return }),
			Whole("--token", func(p string, d []byte) (err error) { tokPath = p; tok, err = admission.DecodeToken(p, d); return }),
			Whole("--revocation-registry", func(p string, d []byte) (err error) {
				revPath = p
				rev, err = admission.DecodeRevocationRegistry(p, d)
				return
			}),
		},
		Validate: func() error {
			return checkIdentifiers(reg, named{ksPath, ks}, named{tokPath, tok}, named{revPath, rev})
		},
		Decide: func(now uint64) Result { return admission.CheckToken(reg, ks, tok, rev, now) },
	}.Run(args, stdout, stderr, clock)
}
