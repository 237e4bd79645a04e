package conformance

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/ledger"
)

// activities returns the data of the run's lane.activity events.
func activities(t *testing.T, evs []contract.Event) []ledger.LaneActivityData {
	t.Helper()
	var out []ledger.LaneActivityData
	for _, ev := range eventsOf(evs, ledger.EventLaneActivity) {
		var d ledger.LaneActivityData
		require.NoError(t, ledger.DecodeData(ev, &d))
		out = append(out, d)
	}
	return out
}

// TestHookPermissionAnswered: a writing claude lane whose model tries to
// write outside the workspace stops at claude's permission dialog. Its
// PermissionRequest hook puts the lane in needs-attention (source
// vendor_hook) without the screen recording the dialog too; nothing is
// typed into it. When a person answers it in the pane, the next hook
// (busy) puts the lane back to running, and it finishes.
func TestHookPermissionAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real agent CLI")
	}
	t.Parallel()
	cli := Claude(FindCLI(t, "claude"))
	var outside string
	b := newLab(t, cli, oneLane(cli.Adapter, true), func(root string) Script {
		outside = filepath.Join(filepath.Dir(root), "outside.txt")
		return Script{Edit: &Edit{Path: outside, Text: "not in the workspace\n"},
			Result: passResult("tried a write outside the workspace", contract.NoFilesChanged)}
	}, nil)
	ctx := context.Background()
	runID := b.start(t, cli, "conformance", "conformance")
	t.Cleanup(func() { _ = b.runner.Stop(context.WithoutCancel(ctx), runID) })

	waited := make(chan contract.RunStatus, 1)
	go func() {
		out, _ := b.runner.Wait(ctx, runID, run.WaitOptions{Timeout: 2 * time.Minute, Poll: 500 * time.Millisecond})
		waited <- out
	}()
	var st contract.RunStatus
	require.Eventually(t, func() bool {
		st, _ = b.runner.Get(ctx, runID)
		return st.Lanes[LaneName].State == contract.LaneNeedsAttention
	}, time.Minute, 250*time.Millisecond, "the permission question was not reported; screen:\n%s", b.screen(st, LaneName))
	ls := st.Lanes[LaneName]
	assert.Equal(t, contract.SourceVendorHook, ls.Source, ls.Reason)
	assert.Equal(t, contract.ActivityWaiting, ls.Activity)
	assert.Contains(t, ls.Reason, "PermissionRequest")
	evs := b.events(t, st)
	assert.Empty(t, eventsOf(evs, ledger.EventLaneAttention), "the screen recorded the dialog too")
	var d contract.DeliveryReport
	require.NoError(t, ledger.DecodeData(eventsOf(evs, ledger.EventLanePromptDelivered)[0], &d))
	assert.Equal(t, "the CLI's UserPromptSubmit hook fired", d.Reason)
	_, err := os.Stat(outside)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing answered the dialog for the person")

	b.press(t, runID, "1") // the person allows the write once
	out := <-waited
	ls = out.Lanes[LaneName]
	require.Equal(t, contract.LaneDone, ls.State, "lane %s (%s); screen:\n%s", ls.State, ls.Reason, b.screen(out, LaneName))
	acts := activities(t, b.events(t, out))
	var got []contract.LaneActivity
	for _, a := range acts {
		assert.Equal(t, contract.SourceVendorHook, a.Source)
		got = append(got, a.Activity)
	}
	require.GreaterOrEqual(t, len(got), 3, "%+v", acts)
	assert.Equal(t, []contract.LaneActivity{contract.ActivityBusy, contract.ActivityWaiting, contract.ActivityBusy}, got[:3],
		"busy, waiting at the question, busy again once answered: %+v", acts)
	_, err = os.Stat(outside)
	assert.NoError(t, err, "the write the person allowed happened")
}
