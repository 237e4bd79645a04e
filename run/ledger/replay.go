package ledger

import (
	"maps"
	"reflect"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// Replay derives a run's status document from its events, in order. The
// result is what run.json must hold but for lastSeq and updatedAt, which
// in run.json are those of the last event that changed anything else
// (replaying the events up to it gives run.json exactly); where run.json
// says otherwise, the events win.
//
// The first event must be run.created. run.state events must follow the
// status table (Transition), lane events must name a lane, and seq must
// increase. Event types Replay does not know are kept as history: they only
// advance LastSeq and UpdatedAt. An errs.Invalid error names the first event
// that breaks these rules.
func Replay(events []contract.Event) (contract.RunStatus, error) {
	var st contract.RunStatus
	for _, ev := range events {
		next, err := apply(st, ev)
		if err != nil {
			return st, err
		}
		st = next
	}
	return st, nil
}

// replayDoc replays events like Replay and also returns the status run.json
// holds: the status after the last event that changed it beyond LastSeq and
// UpdatedAt (sameDoc). Events that only move those two (lane.send, gate,
// commit and dispatch events, unknown types) do not rewrite run.json, so a
// run.json is always the replay of the events up to its own lastSeq.
func replayDoc(events []contract.Event) (st, doc contract.RunStatus, err error) {
	for _, ev := range events {
		next, err := apply(st, ev)
		if err != nil {
			return st, doc, err
		}
		if !sameDoc(doc, next) {
			doc = next
		}
		st = next
	}
	return st, doc, nil
}

// sameDoc reports whether a and b differ at most in LastSeq and UpdatedAt.
func sameDoc(a, b contract.RunStatus) bool {
	a.LastSeq, a.UpdatedAt = 0, time.Time{}
	b.LastSeq, b.UpdatedAt = 0, time.Time{}
	return reflect.DeepEqual(a, b)
}

// apply returns st after ev. It never modifies st's lane map in place, so a
// failed apply leaves the caller's status untouched.
func apply(st contract.RunStatus, ev contract.Event) (contract.RunStatus, error) {
	const op = "ledger.Replay"
	bad := func(format string, args ...any) error {
		args = append([]any{ev.Seq, ev.Type}, args...)
		return errs.E(errs.Invalid, op, "event %d (%s): "+format, args...)
	}
	if ev.Seq <= st.LastSeq {
		return st, bad("seq must be greater than %d, the previous event's", st.LastSeq)
	}
	if ev.Type == EventRunCreated {
		if st.RunID != "" {
			return st, bad("the run was already created by an earlier event")
		}
		var d RunCreatedData
		if err := DecodeData(ev, &d); err != nil {
			return st, err
		}
		st = d.Status
		if !contract.ValidRunID(st.RunID) {
			return st, bad("run id %q is not valid", st.RunID)
		}
		if st.State == "" {
			st.State = contract.StatePlanned
		}
		if !st.State.Valid() {
			return st, bad("%q is not a run state", st.State)
		}
		st.CreatedAt = ev.Time
		lanes := make(map[string]contract.LaneStatus, len(d.Status.Lanes))
		for name, ls := range d.Status.Lanes {
			if !contract.ValidLaneName(name) {
				return st, bad("lane name %q is not valid", name)
			}
			if ls.State == "" {
				ls.State, ls.Source, ls.ObservedAt = contract.LanePlanned, contract.SourcePlan, ev.Time
			}
			lanes[name] = ls
		}
		st.Lanes = lanes
	} else if st.RunID == "" {
		return st, bad("the ledger must start with a %s event", EventRunCreated)
	}
	st.LastSeq, st.UpdatedAt = ev.Seq, ev.Time

	switch ev.Type {
	case EventRunState:
		var d RunStateData
		if err := DecodeData(ev, &d); err != nil {
			return st, err
		}
		if d.From != "" && d.From != st.State {
			return st, bad("it moves the run from %s, but the run is %s", d.From, st.State)
		}
		if err := Transition(st.State, d.To); err != nil {
			return st, bad("%v", err)
		}
		st.State, st.Reason = d.To, d.Reason
		return st, nil
	case EventLaneStarted, EventLaneStartFailed, EventLanePromptDelivered, EventLanePromptFailed,
		EventLaneExited, EventLaneKilled, EventLaneLost, EventLaneTimeout, EventLaneResult, EventLaneResultRefused,
		EventLaneAttention, EventLaneAttentionCleared, EventLaneActivity:
		return applyLane(st, ev, bad)
	}
	return st, nil
}

// applyLane applies a lane event. Once a lane is done (its result was
// accepted), later process events record their details without taking the
// "done" away.
func applyLane(st contract.RunStatus, ev contract.Event, bad func(string, ...any) error) (contract.RunStatus, error) {
	if !contract.ValidLaneName(ev.Lane) {
		return st, bad("lane name %q is not valid", ev.Lane)
	}
	ls := st.Lanes[ev.Lane]
	done := ls.State == contract.LaneDone
	set := func(state contract.LaneState, src contract.StatusSource, reason string) {
		if done {
			return
		}
		ls.State, ls.Source, ls.ObservedAt, ls.Reason = state, src, ev.Time, reason
		if !state.Active() {
			ls.Activity = "" // the CLI's activity ends with its lane
		}
	}
	var r ReasonData
	switch ev.Type {
	case EventLaneStarted:
		var d LaneStartedData
		if err := DecodeData(ev, &d); err != nil {
			return st, err
		}
		h := d.Handle
		ls.Handle, ls.ExitCode, ls.Delivery, ls.Result, ls.Activity = &h, nil, "", "", ""
		done = false // a restarted lane starts over
		set(contract.LaneRunning, contract.SourceHost, "")
	case EventLanePromptDelivered:
		ls.Delivery = "delivered"
		if ls.State == contract.LaneNeedsAttention { // the dialog was answered
			set(contract.LaneRunning, contract.SourcePaneOutput, "")
		}
	case EventLaneAttention:
		var d LaneAttentionData
		if err := DecodeData(ev, &d); err != nil {
			return st, err
		}
		if ls.State.Active() {
			set(contract.LaneNeedsAttention, contract.SourcePaneOutput, attentionReason(d))
		}
	case EventLaneAttentionCleared:
		var d LaneAttentionData
		if err := DecodeData(ev, &d); err != nil {
			return st, err
		}
		if ls.State == contract.LaneNeedsAttention {
			set(contract.LaneRunning, d.Source, "")
		}
	case EventLaneActivity:
		var d LaneActivityData
		if err := DecodeData(ev, &d); err != nil {
			return st, err
		}
		switch d.Activity {
		case contract.ActivityBusy, contract.ActivityIdle, contract.ActivityWaiting:
		default:
			return st, bad("activity %q is not busy, idle or waiting", d.Activity)
		}
		if !ls.State.Active() {
			break // a lane with its verdict keeps it
		}
		at := ev.Time
		if !d.At.IsZero() && d.At.Before(at) {
			at = d.At
		}
		ls.Activity = d.Activity
		switch {
		case d.Activity == contract.ActivityWaiting:
			ls.State, ls.Reason = contract.LaneNeedsAttention, activityReason(d)
		case ls.State == contract.LaneNeedsAttention: // answered: the CLI works again
			ls.State, ls.Reason = contract.LaneRunning, ""
		}
		ls.Source, ls.ObservedAt = contract.SourceVendorHook, at
	case EventLanePromptFailed:
		ls.Delivery = "failed"
	case EventLaneExited:
		var d LaneExitedData
		if err := DecodeData(ev, &d); err != nil {
			return st, err
		}
		code := d.ExitCode
		ls.ExitCode = &code
		set(contract.LaneExited, contract.SourceProcessExit, d.Reason)
	case EventLaneResult:
		var d LaneResultData
		if err := DecodeData(ev, &d); err != nil {
			return st, err
		}
		ls.Result = d.Status
		set(contract.LaneDone, contract.SourceResultFile, "")
	default: // the events whose data is a reason
		if err := DecodeData(ev, &r); err != nil {
			return st, err
		}
		switch ev.Type {
		case EventLaneStartFailed:
			set(contract.LaneFailed, contract.SourceHost, r.Reason)
		case EventLaneKilled:
			set(contract.LaneKilled, contract.SourceEngine, r.Reason)
		case EventLaneLost:
			set(contract.LaneLost, contract.SourceHost, r.Reason)
		case EventLaneTimeout:
			set(contract.LaneFailed, contract.SourceTimeout, r.Reason)
		case EventLaneResultRefused:
			if !done {
				ls.Reason, ls.ObservedAt = "result refused: "+r.Reason, ev.Time
			}
		}
	}
	lanes := maps.Clone(st.Lanes)
	if lanes == nil {
		lanes = map[string]contract.LaneStatus{}
	}
	lanes[ev.Lane] = ls
	st.Lanes = lanes
	return st, nil
}

// activityReason is the lane reason of a lane.activity event that says the
// CLI waits for a person.
func activityReason(d LaneActivityData) string {
	what := "the CLI waits for a person (its " + d.Event + " hook"
	if d.Type != "" {
		what += ", " + d.Type
	}
	what += ")"
	if d.Message != "" {
		what += ": " + d.Message
	}
	return what + "; answer it in the pane (cocoder run attach)"
}

// attentionReason is the lane reason of a lane.attention event.
func attentionReason(d LaneAttentionData) string {
	name := d.Dialog
	if name == "" {
		name = "a dialog"
	} else {
		name = "the " + name + " dialog"
	}
	if d.Fix == "" {
		return "stopped at " + name
	}
	return "stopped at " + name + "; " + d.Fix
}
