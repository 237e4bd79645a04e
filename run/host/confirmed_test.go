package host_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/host"
)

// TestDeliverConfirmedByTheProgram: when the program reports the
// submission itself (DeliveryOptions.Confirmed, standing for a CLI's
// prompt-submit hook; here the fake TUI's own log), that report confirms
// the delivery, ahead of the screen.
func TestDeliverConfirmedByTheProgram(t *testing.T) {
	hst := testkit.NewTmux(t)
	log := filepath.Join(t.TempDir(), "submitted.jsonl")
	h, err := hst.Start(t.Context(), host.LaneSpec{RunID: testkit.NewRunID(), Lane: "lead", Dir: t.TempDir(),
		Argv: []string{testkit.Self(t), "-log", log}, Env: []string{helperEnv + "=faketui"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = hst.Kill(context.WithoutCancel(t.Context()), h) })
	opt := tuiOptions()
	opt.Confirmed = func() string {
		if len(submissions(t, log)) > 0 {
			return "the program logged it"
		}
		return ""
	}
	out, err := host.Deliver(t.Context(), hst, h, "hello there", opt)
	require.NoError(t, err)
	assert.True(t, out.Delivered, "%+v", out)
	assert.Equal(t, "the program logged it", out.Reason)
	assert.Equal(t, 1, out.Attempts)
	assert.Equal(t, []string{"hello there"}, submissions(t, log))
}

// TestConfirmStartedByTheProgram: a program given its prompt on its
// command line is confirmed as soon as it reports taking the prompt, even
// with a dialog on screen (it took the prompt, then asked), and its report
// names the proof even when its busy marker showed a moment before;
// without the report, the screen decides as before (the busy marker after
// ConfirmGrace).
func TestConfirmStartedByTheProgram(t *testing.T) {
	h := contract.LaneHandle{Lane: "x"}
	dialog := contract.Dialog{Name: "permission", Pattern: "Do you want to proceed", Fix: "answer it"}
	for name, tc := range map[string]struct {
		screen    string
		after     int // Confirmed answers from its after-th call on; -1 never
		delivered bool
		reason    string
	}{
		"Reported":           {screen: "❯ ", after: 3, delivered: true, reason: "the CLI's hook fired"},
		"ReportedOverDialog": {screen: "Do you want to proceed?", after: 0, delivered: true, reason: "the CLI's hook fired"},
		"NotReported":        {screen: "❯ ", after: -1, reason: "neither the busy marker nor the prompt"},
		"ReportedAfterBusy":  {screen: "working (esc to interrupt)", after: 3, delivered: true, reason: "the CLI's hook fired"},
		"BusyNotReported":    {screen: "working (esc to interrupt)", after: -1, delivered: true, reason: "the busy marker appeared"},
		"DialogNotReported":  {screen: "Do you want to proceed?", after: -1, reason: "permission dialog"},
	} {
		t.Run(name, func(t *testing.T) {
			calls := 0
			opt := host.DeliveryOptions{BusyPattern: "esc to interrupt", Dialogs: []contract.Dialog{dialog},
				ReadyTimeout: 500 * time.Millisecond, Poll: 20 * time.Millisecond,
				Confirmed: func() string {
					calls++
					if tc.after >= 0 && calls > tc.after {
						return "the CLI's hook fired"
					}
					return ""
				}}
			fh := fakeHost{capture: func() (string, error) { return tc.screen, nil }}
			start := time.Now()
			out, err := host.ConfirmStarted(t.Context(), fh, h, "Read and follow the lane prompt", opt)
			took := time.Since(start)
			require.NoError(t, err)
			assert.Equal(t, tc.delivered, out.Delivered, "%+v", out)
			assert.Contains(t, out.Reason, tc.reason)
			if name == "BusyNotReported" {
				assert.GreaterOrEqual(t, took, host.ConfirmGrace, "the report is waited for before the screen's proof is taken")
				return
			}
			if tc.delivered {
				assert.Equal(t, tc.after+1, calls, "asked at each look until it answered")
			}
		})
	}
}
