package main

import (
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

// emit prints d and returns its exit code: 0 when it admits, 1 otherwise.
func emit(stdout io.Writer, d decision.Decision) int {
	if err := d.Encode(stdout); err != nil {
		io.WriteString(stdout, fallbackDecision)
		return exitReject
	}
	if d.Outcome.Admits() {
		return exitAllow
	}
	return exitReject
}
