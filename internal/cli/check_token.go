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
	)
	return Check{
		Usage:    "Usage: teegate check token --registry <path> --keyset <path> --token <path> --revocation-registry <path> [--now-unix <seconds>]",
		Required: []string{"--registry", "--keyset", "--token", "--revocation-registry"},
		Docs: []Document{
			Streamed("--registry", func(p string, r io.Reader) (err error) {
				reg, err = governance.ReadRegistry(p, r, admission.RegistryMembers)
				return
			}),
			Whole("--keyset", func(p string, d []byte) (err error) { ks, err = admission.DecodeKeyset(p, d); return }),
			Whole("--token", func(p string, d []byte) (err error) { tok, err = admission.DecodeToken(p, d); return }),
			Whole("--revocation-registry", func(p string, d []byte) (err error) {
				rev, err = admission.DecodeRevocationRegistry(p, d)
				return
			}),
		},
		Validate: func(paths map[string]string) error {
			return checkIdentifiers(reg, named{paths["--keyset"], ks}, named{paths["--token"], tok}, named{paths["--revocation-registry"], rev})
		},
		Decide: func(now uint64) Result { return admission.CheckToken(reg, ks, tok, rev, now) },
	}.Run(args, stdout, stderr, clock)
}
