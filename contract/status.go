package contract

// RunState is the status of a run. The legal transitions between states are
// a table owned by package run; this type only names the states.
type RunState string

// The run states.
const (
	// StatePlanned: the ledger exists; preflight has not yet passed.
	StatePlanned RunState = "planned"
	// StateReady: preflight passed; no lane has started.
	StateReady RunState = "ready"
	// StateRunning: at least one lane is live or has work in flight.
	StateRunning RunState = "running"
	// StateBlocked: a fixable, non-founder problem stopped progress. Resumable.
	StateBlocked RunState = "blocked"
	// StateNeedsFounder: a human decision is needed. Resumable.
	StateNeedsFounder RunState = "needs_founder"
	// StateFailed: the engine could not finish the run. Terminal.
	StateFailed RunState = "failed"
	// StateComplete: every gate passed and the closeout is written. Terminal.
	StateComplete RunState = "complete"
	// StateAborted: the run was stopped on purpose. Terminal.
	StateAborted RunState = "aborted"
	// StateStale: the priority or route the run was for is gone or superseded.
	// Terminal.
	StateStale RunState = "stale"
	// StateDamaged: the run's ledger cannot be read (a damaged events file).
	// No ledger records it: it is how a listing shows such a run, which
	// still counts as active, since nobody can tell that it ended.
	StateDamaged RunState = "damaged"
)

// RunStates lists every state a ledger can record, in lifecycle order
// (StateDamaged is not one: it only describes a ledger that cannot be read).
var RunStates = []RunState{
	StatePlanned, StateReady, StateRunning, StateBlocked, StateNeedsFounder,
	StateFailed, StateComplete, StateAborted, StateStale,
}

// Terminal reports whether a run in state s can never change state again.
func (s RunState) Terminal() bool {
	switch s {
	case StateComplete, StateAborted, StateStale, StateFailed:
		return true
	}
	return false
}

// Valid reports whether s is one of the named states.
func (s RunState) Valid() bool {
	for _, v := range RunStates {
		if s == v {
			return true
		}
	}
	return false
}
