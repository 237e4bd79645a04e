package ledger_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run/ledger"
)

// TestLaneActivity replays what a CLI's hooks report: busy and idle keep
// a running lane running with the source vendor_hook and the report's own
// time; waiting makes it need attention with a reason naming the hook; the
// next busy puts it back to running; a lane with its verdict keeps it; a
// restarted lane forgets its activity; an activity that is none of the
// three is refused before anything is written.
func TestLaneActivity(t *testing.T) {
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	l := newLedger(t, ledger.Options{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	handle := contract.LaneHandle{Host: "tmux", RunID: l.Status().RunID, Lane: "lead"}
	add := func(typ string, data any) contract.LaneStatus {
		t.Helper()
		_, err := l.Append(mustNewEvent(t, typ, "lead", data))
		require.NoError(t, err)
		requireConsistent(t, l)
		return l.Status().Lanes["lead"]
	}
	activity := func(a contract.LaneActivity, event, typ string, at time.Time) ledger.LaneActivityData {
		return ledger.LaneActivityData{Activity: a, Source: contract.SourceVendorHook, Event: event, Type: typ, Message: "needs your permission", At: at}
	}
	add(ledger.EventLaneStarted, ledger.LaneStartedData{Handle: handle})
	add(ledger.EventLaneResultRefused, ledger.ReasonData{Reason: "no status"})

	reported := clock.Add(-500 * time.Millisecond)
	ls := add(ledger.EventLaneActivity, activity(contract.ActivityBusy, "UserPromptSubmit", "", reported))
	assert.Equal(t, contract.LaneRunning, ls.State)
	assert.Equal(t, contract.SourceVendorHook, ls.Source)
	assert.Equal(t, contract.ActivityBusy, ls.Activity)
	assert.Equal(t, reported, ls.ObservedAt, "observed when the CLI reported it")
	assert.Equal(t, "result refused: no status", ls.Reason, "busy keeps the reason it had")

	ls = add(ledger.EventLaneActivity, activity(contract.ActivityWaiting, "Notification", "permission_prompt", time.Time{}))
	assert.Equal(t, contract.LaneNeedsAttention, ls.State)
	assert.Equal(t, contract.SourceVendorHook, ls.Source)
	assert.Equal(t, clock, ls.ObservedAt, "without its own time, the event's")
	assert.Equal(t, "the CLI waits for a person (its Notification hook, permission_prompt): needs your permission; answer it in the pane (cocoder run attach)", ls.Reason)

	ls = add(ledger.EventLaneActivity, activity(contract.ActivityIdle, "Stop", "", clock.Add(time.Hour)))
	assert.Equal(t, contract.LaneRunning, ls.State, "the question was answered")
	assert.Equal(t, contract.ActivityIdle, ls.Activity)
	assert.Empty(t, ls.Reason)
	assert.Equal(t, clock, ls.ObservedAt, "a report from the future is taken as of when it was recorded")

	ls = add(ledger.EventLaneResult, ledger.LaneResultData{Status: "PASS"})
	assert.Equal(t, contract.LaneDone, ls.State)
	assert.Empty(t, ls.Activity, "the activity ends with the lane")
	ls = add(ledger.EventLaneActivity, activity(contract.ActivityWaiting, "PermissionRequest", "", time.Time{}))
	assert.Equal(t, contract.LaneDone, ls.State, "a lane with its verdict keeps it")
	assert.Equal(t, contract.SourceResultFile, ls.Source)

	_, err := l.Append(mustNewEvent(t, ledger.EventLaneActivity, "lead", activity("sleepy", "Stop", "", time.Time{})))
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
	requireConsistent(t, l)

	ls = add(ledger.EventLaneStarted, ledger.LaneStartedData{Handle: handle})
	ls = add(ledger.EventLaneActivity, activity(contract.ActivityBusy, "PreToolUse", "", time.Time{}))
	assert.Equal(t, contract.ActivityBusy, ls.Activity)
	ls = add(ledger.EventLaneStarted, ledger.LaneStartedData{Handle: handle})
	assert.Empty(t, ls.Activity, "a restarted lane starts over")
}
