package cli

import (
	"fmt"
	"io"

	"github.com/teegate/teegate/decision"
)

// fallbackDecision is printed if a decision cannot be encoded, which should
// never happen; it rejects, so a broken encoder fails closed.
const fallbackDecision = `{
  "decision": "reject",
  "reasons": [
    {
      "code": "` + string(decision.CodeSerializationError) + `",
      "detail": "the decision could not be serialised"
    }
  ],
  "validated_at_unix": 0
}
`

// result is what a check prints: a decision, or the session gate's
// extended form of one.
type Result interface {
	Marshal() ([]byte, error)
	Admits() bool
}

// emit prints r and returns its exit code: 0 when it admits, 1 otherwise.
// A decision that cannot be delivered is an error (2), never an allow.
func Emit(stdout, stderr io.Writer, r Result) int {
	out, err := r.Marshal()
	if err != nil {
		io.WriteString(stdout, fallbackDecision)
		return ExitReject
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "cannot write the decision to stdout: %v\n", err)
		return ExitError
	}
	if r.Admits() {
		return ExitAllow
	}
	return ExitReject
}
