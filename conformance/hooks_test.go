package conformance_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/conformance"
	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/agenthook"
	"github.com/cocoder/cocoder/run/ledger"
)

// TestClaudeHooks runs a writing claude lane with its hooks: the CLI must
// run the hook program at each declared event (the hook file shows
// UserPromptSubmit, the tools and Stop, and never the prompt's text), the
// delivery of the prompt given in argv must be confirmed by the
// UserPromptSubmit hook, and the ledger must show the lane busy with the
// source vendor_hook.
func TestClaudeHooks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real agent CLI")
	}
	cli := conformance.Claude(conformance.FindCLI(t, "claude"))
	hookFile := func(o conformance.Outcome) string {
		return filepath.Join(o.Ledger, ledger.LaneFile(conformance.LaneName, ledger.HooksName))
	}
	m := conformance.Matrix{Writing: true, BeforeStop: func(o conformance.Outcome) {
		// The turn ends after the result: wait for its Stop hook.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			recs, _, _ := agenthook.Read(hookFile(o), 0)
			if slices.ContainsFunc(recs, func(r agenthook.Record) bool { return r.Event == "Stop" }) {
				return
			}
		}
	}}
	o := conformance.Run(t, cli, m)
	conformance.Check(t, o, m)

	var events []string
	for _, r := range o.Hooks {
		events = append(events, r.Event)
		assert.WithinDuration(t, time.Now(), r.Time, 10*time.Minute)
	}
	t.Logf("hook events: %v", events)
	require.NotEmpty(t, events, "the CLI never ran the hook program; screen:\n%s", o.Screen)
	assert.Equal(t, "UserPromptSubmit", events[0])
	assert.Contains(t, events, "PreToolUse")
	assert.Contains(t, events, "PostToolUse")
	assert.Equal(t, "Stop", events[len(events)-1])
	raw, err := os.ReadFile(hookFile(o))
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "CoCoder lane prompt", "the prompt's text reached the hook file")
	assert.NotContains(t, string(raw), "conformance edit", "a tool's input reached the hook file")
	for _, name := range []string{ledger.HooksName, ledger.HookSettingsName} {
		fi, err := os.Stat(filepath.Join(o.Ledger, ledger.LaneFile(conformance.LaneName, name)))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), name)
	}

	assert.True(t, o.Delivery.Delivered)
	assert.Equal(t, "the CLI's UserPromptSubmit hook fired", o.Delivery.Reason)

	var activity []ledger.LaneActivityData
	for _, ev := range o.Events {
		if ev.Type != ledger.EventLaneActivity {
			continue
		}
		var d ledger.LaneActivityData
		require.NoError(t, ledger.DecodeData(ev, &d))
		assert.Equal(t, contract.SourceVendorHook, d.Source)
		activity = append(activity, d)
	}
	t.Logf("lane.activity: %+v", activity)
	require.NotEmpty(t, activity, "no lane.activity in the ledger; events: %s", eventTypes(o.Events))
	assert.Equal(t, contract.ActivityBusy, activity[0].Activity)
	assert.Contains(t, []string{"UserPromptSubmit", "PreToolUse", "PostToolUse"}, activity[0].Event)
}

func eventTypes(evs []contract.Event) string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return strings.Join(out, " ")
}
