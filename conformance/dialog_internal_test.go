package conformance

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

// press types keys into the run's (one-lane) tmux session as a person at
// the pane would.
func (b *lab) press(t *testing.T, runID string, keys ...string) {
	t.Helper()
	args := append([]string{"-L", host.SocketForHome(b.home.Dir()), "send-keys", "-t", "=" + runID + ":"}, keys...)
	out, err := exec.Command("tmux", args...).CombinedOutput()
	require.NoError(t, err, "tmux send-keys: %s", out)
}

// events reads the run's events.
func (b *lab) events(t *testing.T, st contract.RunStatus) []contract.Event {
	t.Helper()
	dir, err := ledgerDir(b.home, st)
	require.NoError(t, err)
	evs, _, err := ledger.ReadEvents(dir)
	require.NoError(t, err)
	return evs
}

// eventsOf returns the events of type typ.
func eventsOf(evs []contract.Event, typ string) []contract.Event {
	var out []contract.Event
	for _, ev := range evs {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// TestTrustAnsweredThenDelivered: a claude lane started in a folder it does
// not trust stops at the trust dialog (needs-attention, nothing typed).
// A person then answers the dialog in the pane: the supervisor sees it go,
// records the lane as working again, gives it the prompt the dialog had
// stopped, confirmed, and the lane finishes with an accepted result.
func TestTrustAnsweredThenDelivered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real agent CLI")
	}
	t.Parallel()
	cli := Claude(FindCLI(t, "claude"))
	untrust := func(home, root string) error {
		st := ClaudeState(root, testKey)
		delete(st, "projects")
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(home, ".claude.json"), b, 0o600)
	}
	b := newLab(t, cli, oneLane(cli.Adapter, false), func(string) Script {
		return Script{Result: passResult("done after the trust dialog", contract.NoFilesChanged)}
	}, untrust)
	ctx := context.Background()
	runID := b.start(t, cli, "conformance", "conformance")
	t.Cleanup(func() { _ = b.runner.Stop(context.WithoutCancel(ctx), runID) })

	st, err := b.runner.Get(ctx, runID)
	require.NoError(t, err)
	require.Equal(t, contract.LaneNeedsAttention, st.Lanes[LaneName].State, "screen:\n%s", b.screen(st, LaneName))
	assert.Empty(t, b.model.Steps(), "nothing reached the model behind the dialog")

	waited := make(chan contract.RunStatus, 1)
	go func() {
		out, _ := b.runner.Wait(ctx, runID, run.WaitOptions{Timeout: 2 * time.Minute, Poll: 500 * time.Millisecond})
		waited <- out
	}()
	time.Sleep(2 * time.Second) // the supervisor's first looks still see the dialog
	// The dialog's highlighted choice is "No, exit": the person moves to
	// "Yes, I trust this folder" and confirms.
	b.press(t, runID, "Down")
	time.Sleep(300 * time.Millisecond)
	b.press(t, runID, "Enter")

	out := <-waited
	ls := out.Lanes[LaneName]
	require.Equal(t, contract.LaneDone, ls.State, "lane %s (%s); screen:\n%s", ls.State, ls.Reason, b.screen(out, LaneName))
	assert.Equal(t, string(contract.StatusPass), ls.Result)
	evs := b.events(t, out)
	cleared := eventsOf(evs, ledger.EventLaneAttentionCleared)
	require.Len(t, cleared, 1, "the answered dialog is recorded once")
	var c ledger.LaneAttentionData
	require.NoError(t, ledger.DecodeData(cleared[0], &c))
	assert.Equal(t, "trust", c.Dialog)
	assert.Equal(t, contract.SourcePaneOutput, c.Source)
	delivered := eventsOf(evs, ledger.EventLanePromptDelivered)
	require.Len(t, delivered, 1, "the stopped prompt is delivered once, after the dialog")
	var d contract.DeliveryReport
	require.NoError(t, ledger.DecodeData(delivered[0], &d))
	assert.Contains(t, d.Reason, "after the dialog was answered")
	assert.Greater(t, delivered[0].Seq, cleared[0].Seq)
	t.Logf("delivered: %s", d.Reason)
	assert.True(t, containsInOrder(b.model.Steps(), []string{"read", "result"}), "steps %v", b.model.Steps())
}

// TestPermissionDialogMidWork: a writing claude lane whose model tries to
// write a file outside the workspace stops at claude's permission dialog
// while it works. Nothing is typed into it, and the lane needs attention,
// said by one source:
//
//   - Hooks: claude's PermissionRequest hook (source vendor_hook, the lane
//     waiting), the screen not recording the dialog too; once a person
//     answers it in the pane, the next hook (busy) puts the lane back to
//     running;
//   - Screen: with claude's hooks turned off by the user's settings, the
//     supervisor's screen watch (lane.attention, during "work", the dialog
//     named), and lane.attention.cleared once it is answered.
//
// Either way the lane then finishes with the write the person allowed.
func TestPermissionDialogMidWork(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real agent CLI")
	}
	for _, hooks := range []bool{true, false} {
		t.Run(map[bool]string{true: "Hooks", false: "Screen"}[hooks], func(t *testing.T) {
			t.Parallel()
			permissionMidWork(t, hooks)
		})
	}
}

func permissionMidWork(t *testing.T, hooks bool) {
	cli := Claude(FindCLI(t, "claude"))
	var outside string
	var setup func(home, root string) error
	if !hooks {
		setup = disableClaudeHooks
	}
	b := newLab(t, cli, oneLane(cli.Adapter, true), func(root string) Script {
		outside = filepath.Join(filepath.Dir(root), "outside.txt")
		return Script{Edit: &Edit{Path: outside, Text: "not in the workspace\n"},
			Result: passResult("tried a write outside the workspace", contract.NoFilesChanged)}
	}, setup)
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
	}, time.Minute, 250*time.Millisecond, "the permission dialog was not reported; screen:\n%s", b.screen(st, LaneName))
	ls := st.Lanes[LaneName]
	evs := b.events(t, st)
	att := eventsOf(evs, ledger.EventLaneAttention)
	if hooks {
		assert.Equal(t, contract.SourceVendorHook, ls.Source, ls.Reason)
		assert.Equal(t, contract.ActivityWaiting, ls.Activity)
		assert.Contains(t, ls.Reason, "PermissionRequest")
		assert.Empty(t, att, "the screen recorded the dialog too")
		var d contract.DeliveryReport
		require.NoError(t, ledger.DecodeData(eventsOf(evs, ledger.EventLanePromptDelivered)[0], &d))
		assert.Equal(t, "the CLI's UserPromptSubmit hook fired", d.Reason)
	} else {
		assert.Equal(t, contract.SourcePaneOutput, ls.Source, ls.Reason)
		require.Len(t, att, 1)
		var a ledger.LaneAttentionData
		require.NoError(t, ledger.DecodeData(att[0], &a))
		assert.Equal(t, "permission", a.Dialog)
		assert.Equal(t, "work", a.During)
		assert.NotEmpty(t, a.Fix)
		assert.Empty(t, eventsOf(evs, ledger.EventLaneActivity), "hooks ran though the user turned them off")
	}
	_, err := os.Stat(outside)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing answered the dialog for the person")

	b.press(t, runID, "1") // the person allows the write once
	out := <-waited
	ls = out.Lanes[LaneName]
	require.Equal(t, contract.LaneDone, ls.State, "lane %s (%s); screen:\n%s", ls.State, ls.Reason, b.screen(out, LaneName))
	evs = b.events(t, out)
	if hooks {
		var got []contract.LaneActivity
		for _, ev := range eventsOf(evs, ledger.EventLaneActivity) {
			var a ledger.LaneActivityData
			require.NoError(t, ledger.DecodeData(ev, &a))
			assert.Equal(t, contract.SourceVendorHook, a.Source)
			got = append(got, a.Activity)
		}
		require.GreaterOrEqual(t, len(got), 3)
		assert.Equal(t, []contract.LaneActivity{contract.ActivityBusy, contract.ActivityWaiting, contract.ActivityBusy}, got[:3],
			"busy, waiting at the question, busy again once answered")
	} else {
		cleared := eventsOf(evs, ledger.EventLaneAttentionCleared)
		require.Len(t, cleared, 1)
		assert.Greater(t, cleared[0].Seq, att[0].Seq)
	}
	_, err = os.Stat(outside)
	assert.NoError(t, err, "the write the person allowed happened")
}

// disableClaudeHooks turns every hook of claude off in the user's settings
// of its home, as a user or an organisation may.
func disableClaudeHooks(home, _ string) error {
	return jsonFile(filepath.Join(home, ".claude", "settings.json"), map[string]any{"disableAllHooks": true})
}
