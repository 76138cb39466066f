package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Args parses a subcommand's arguments exactly as the reference
// checkers do, so that existing scripts behave the same: tokens are read
// left to right, a flag's value is the next token whatever it is, a
// repeated flag keeps its last value, and the first error stops parsing.
// "--help" and "-h" are errors whose message is the usage line itself.
// The issuing commands use the same rules, without --now-unix, and may
// have one list flag that collects every value given to it.
type Args struct {
	Usage    string   // "Usage: teegate check ..."
	Required []string // flags that must be given, checked after all tokens
	Optional []string
	// list, if set, is a flag that may repeat, each value kept in order,
	// and that also takes the tokens after its value up to the next flag.
	list  string
	NoNow bool // --now-unix is not a flag of this command
	// once refuses a flag given twice. The reference's commands keep the
	// last value, and so do their replacements; commands of teegate's own
	// refuse, so that "--evidence a --evidence b" cannot judge b silently.
	Once   bool
	Values map[string]string // after Parse: each flag given, with its value
	lists  []string          // the values of the list flag

	nowUnix *uint64
}

// UsageError marks a usage error; its message is printed, then the usage line.
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

func (a *Args) Parse(args []string) error {
	a.Values = map[string]string{}
	for i := 0; i < len(args); i++ {
		tok := args[i]
		switch {
		case tok == "--help" || tok == "-h":
			return UsageError{a.Usage}
		case tok == "--now-unix" && !a.NoNow:
			if i+1 == len(args) {
				return UsageError{"missing value for --now-unix"}
			}
			i++
			n, err := parseNowUnix(args[i])
			if err != nil {
				return UsageError{"invalid value for --now-unix"}
			}
			a.nowUnix = &n
		case a.list != "" && tok == a.list:
			if i+1 == len(args) {
				return UsageError{"missing value for " + tok}
			}
			i++
			a.lists = append(a.lists, args[i]) // the first value, whatever it is
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				a.lists = append(a.lists, args[i])
			}
		case a.knows(tok):
			if i+1 == len(args) {
				return UsageError{"missing value for " + tok}
			}
			if _, twice := a.Values[tok]; twice && a.Once {
				return UsageError{tok + " is given twice"}
			}
			i++
			a.Values[tok] = args[i]
		default:
			return UsageError{fmt.Sprintf("unknown argument [%s]", tok)}
		}
	}
	for _, flag := range a.Required {
		_, ok := a.Values[flag]
		if flag == a.list {
			ok = len(a.lists) > 0
		}
		if !ok {
			return UsageError{"missing required " + flag}
		}
	}
	return nil
}

func (a *Args) knows(flag string) bool {
	for _, f := range a.Required {
		if f == flag {
			return true
		}
	}
	for _, f := range a.Optional {
		if f == flag {
			return true
		}
	}
	return false
}

// parseNowUnix accepts what Rust's u64::from_str accepts: ASCII digits with
// an optional leading '+', leading zeros allowed, no sign, no space, no
// overflow.
func parseNowUnix(s string) (uint64, error) {
	digits := strings.TrimPrefix(s, "+")
	if digits == "" || digits[0] < '0' || digits[0] > '9' {
		return 0, strconv.ErrSyntax // ParseUint would take a second '+' as a sign
	}
	return strconv.ParseUint(digits, 10, 64)
}

var errClockBeforeEpoch = errors.New("system clock must be after UNIX epoch")

// FixedNow is the value of --now-unix, if it was given.
func (a *Args) FixedNow() (uint64, bool) {
	if a.nowUnix == nil {
		return 0, false
	}
	return *a.nowUnix, true
}

// Now is --now-unix when given, else the system clock in whole seconds. A
// clock before the epoch is an error: a security decision must not quietly
// run at time 0.
func (a *Args) Now(clock func() time.Time) (uint64, error) {
	if a.nowUnix != nil {
		return *a.nowUnix, nil
	}
	t := clock()
	if t.Unix() < 0 {
		return 0, fmt.Errorf("%w: %s", errClockBeforeEpoch, t.UTC().Format(time.RFC3339))
	}
	return uint64(t.Unix()), nil
}

// Fail prints a fatal error the reference's way: the message, then the
// usage line, on stderr, and returns exit code 2. Nothing goes to stdout.
func (a *Args) Fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "%v\n%s\n", err, a.Usage)
	return ExitError
}
