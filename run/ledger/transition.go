package ledger

import (
	"slices"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// transitions is the status table: for each state, the states a run may
// move to next. It is the only place that says so; docs/runs.md shows the
// same table and a test keeps the two equal. Terminal states have no entry.
var transitions = map[contract.RunState][]contract.RunState{
	contract.StatePlanned: {contract.StateReady, contract.StateFailed, contract.StateStale, contract.StateAborted},
	contract.StateReady:   {contract.StateRunning, contract.StateFailed, contract.StateAborted, contract.StateStale},
	contract.StateRunning: {contract.StateBlocked, contract.StateNeedsFounder, contract.StateFailed, contract.StateComplete, contract.StateAborted},
	// blocked and needs_founder resume to running, or end.
	contract.StateBlocked:      {contract.StateRunning, contract.StateAborted, contract.StateFailed},
	contract.StateNeedsFounder: {contract.StateRunning, contract.StateAborted, contract.StateFailed},
}

// CanTransition reports whether a run in state from may move to state to.
// Staying in the same state is not a transition.
func CanTransition(from, to contract.RunState) bool {
	return slices.Contains(transitions[from], to)
}

// NextStates returns the states a run in state from may move to, in the
// table's order; nil for a terminal or unknown state.
func NextStates(from contract.RunState) []contract.RunState {
	return slices.Clone(transitions[from])
}

// Transition checks a state change against the status table. It returns an
// errs.Invalid error when either state is not a run state, and an
// errs.Conflict error naming the allowed next states when the change is
// not allowed.
func Transition(from, to contract.RunState) error {
	const op = "ledger.Transition"
	for _, s := range []contract.RunState{from, to} {
		if !s.Valid() {
			return errs.E(errs.Invalid, op, "%q is not a run state (one of %v)", s, contract.RunStates)
		}
	}
	if CanTransition(from, to) {
		return nil
	}
	switch {
	case from.Terminal():
		return errs.E(errs.Conflict, op, "run is %s, which is final: it cannot become %s (start a new run instead)", from, to)
	case from == to:
		return errs.E(errs.Conflict, op, "run is already %s", to)
	default:
		return errs.E(errs.Conflict, op, "run cannot go from %s to %s: from %s it may only become %v", from, to, from, transitions[from])
	}
}
