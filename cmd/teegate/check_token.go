package main

import (
	"io"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

func checkToken(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	a := checkArgs{
		usage:    "Usage: teegate check token --registry <path> --keyset <path> --token <path> --revocation-registry <path> [--now-unix <seconds>]",
		required: []string{"--registry", "--keyset", "--token", "--revocation-registry"},
	}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	// Files are read and decoded in the reference's order; the first
	// failure ends the run.
	var (
		reg *governance.Registry
		ks  *admission.Keyset
		tok *admission.Token
		rev *admission.RevocationRegistry
	)
	steps := []struct {
		flag   string
		decode func(path string, data []byte) error
	}{
		{"--registry", func(p string, d []byte) (err error) {
			reg, err = governance.DecodeRegistry(p, d, admission.RegistryMembers)
			return
		}},
		{"--keyset", func(p string, d []byte) (err error) { ks, err = admission.DecodeKeyset(p, d); return }},
		{"--token", func(p string, d []byte) (err error) { tok, err = admission.DecodeToken(p, d); return }},
		{"--revocation-registry", func(p string, d []byte) (err error) { rev, err = admission.DecodeRevocationRegistry(p, d); return }},
	}
	for _, s := range steps {
		path := a.values[s.flag]
		data, err := strictjson.ReadFile(path)
		if err == nil {
			err = s.decode(path, data)
		}
		if err != nil {
			return a.fail(stderr, err)
		}
	}
	now, err := a.now(clock)
	if err != nil {
		return a.fail(stderr, err)
	}
	return emit(stdout, stderr, admission.CheckToken(reg, ks, tok, rev, now))
}
