package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// checkArgs parses a subcommand's arguments exactly as the reference
// checkers do, so that existing scripts behave the same: tokens are read
// left to right, a flag's value is the next token whatever it is, a
// repeated flag keeps its last value, and the first error stops parsing.
// "--help" and "-h" are errors whose message is the usage line itself.
// The issuing commands use the same rules, without --now-unix, and may
// have one list flag that collects every value given to it.
type checkArgs struct {
	usage    string   // "Usage: teegate check ..."
	required []string // flags that must be given, checked after all tokens
	optional []string
	// list, if set, is a flag that may repeat, each value kept in order,
	// and that also takes the tokens after its value up to the next flag.
	list  string
	noNow bool // --now-unix is not a flag of this command
	// once refuses a flag given twice. The reference's commands keep the
	// last value, and so do their replacements; commands of teegate's own
	// refuse, so that "--evidence a --evidence b" cannot judge b silently.
	once   bool
	values map[string]string
	lists  []string // the values of the list flag

	nowUnix *uint64
}

// errUsage marks a usage error; its message is printed, then the usage line.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func (a *checkArgs) parse(args []string) error {
	a.values = map[string]string{}
	for i := 0; i < len(args); i++ {
		tok := args[i]
		switch {
		case tok == "--help" || tok == "-h":
			return errUsage{a.usage}
		case tok == "--now-unix" && !a.noNow:
			if i+1 == len(args) {
				return errUsage{"missing value for --now-unix"}
			}
			i++
			n, err := parseNowUnix(args[i])
			if err != nil {
				return errUsage{"invalid value for --now-unix"}
			}
			a.nowUnix = &n
		case a.list != "" && tok == a.list:
			if i+1 == len(args) {
				return errUsage{"missing value for " + tok}
			}
			i++
			a.lists = append(a.lists, args[i]) // the first value, whatever it is
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				a.lists = append(a.lists, args[i])
			}
		case a.knows(tok):
			if i+1 == len(args) {
				return errUsage{"missing value for " + tok}
			}
			if _, twice := a.values[tok]; twice && a.once {
				return errUsage{tok + " is given twice"}
			}
			i++
			a.values[tok] = args[i]
		default:
			return errUsage{fmt.Sprintf("unknown argument [%s]", tok)}
		}
	}
	for _, flag := range a.required {
		_, ok := a.values[flag]
		if flag == a.list {
			ok = len(a.lists) > 0
		}
		if !ok {
			return errUsage{"missing required " + flag}
		}
	}
	return nil
}

func (a *checkArgs) knows(flag string) bool {
	for _, f := range a.required {
		if f == flag {
			return true
		}
	}
	for _, f := range a.optional {
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

// now is --now-unix when given, else the system clock in whole seconds. A
// clock before the epoch is an error: a security decision must not quietly
// run at time 0.
func (a *checkArgs) now(clock func() time.Time) (uint64, error) {
	if a.nowUnix != nil {
		return *a.nowUnix, nil
	}
	t := clock()
	if t.Unix() < 0 {
		return 0, fmt.Errorf("%w: %s", errClockBeforeEpoch, t.UTC().Format(time.RFC3339))
	}
	return uint64(t.Unix()), nil
}

// fail prints a fatal error the reference's way: the message, then the
// usage line, on stderr, and returns exit code 2. Nothing goes to stdout.
func (a *checkArgs) fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "%v\n%s\n", err, a.usage)
	return exitError
}
