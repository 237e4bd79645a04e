package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/ledger"
)

// TestSendAfterScroll: a lane of each real CLI reads its prompt, then
// answers at such length (300 lines) that the screen scrolls far past the
// start of the turn, and waits idle. A message sent to it then must be confirmed as taken,
// reach the model, and let the lane finish with an accepted result.
func TestSendAfterScroll(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real agent CLIs")
	}
	for _, c := range []struct {
		name string
		cli  func(string) CLI
	}{{"claude", Claude}, {"codex", Codex}, {"gemini", Gemini}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sendAfterScroll(t, c.cli(FindCLI(t, c.name)))
		})
	}
}

func sendAfterScroll(t *testing.T, cli CLI) {
	var long strings.Builder
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&long, "Line %d of a long answer that pushes the lane prompt out of sight.\n", i)
	}
	const resume = "RESUME-7431"
	b := newLab(t, cli, oneLane(cli.Adapter, false), func(string) Script {
		return Script{Pause: long.String(), ResumeOn: resume, Result: passResult("resumed after a message", contract.NoFilesChanged)}
	}, nil)
	ctx := context.Background()
	runID := b.start(t, cli, "conformance", "conformance")
	t.Cleanup(func() { _ = b.runner.Stop(context.WithoutCancel(ctx), runID) })

	// Wait for the long answer to be on screen and the lane idle.
	var st contract.RunStatus
	require.Eventually(t, func() bool {
		st, _ = b.runner.Get(ctx, runID)
		return slices.Contains(b.model.Steps(), "pause") && strings.Contains(b.screen(st, LaneName), "Line 300 of a long answer")
	}, 2*time.Minute, 500*time.Millisecond, "the lane never showed its long answer; steps %v; screen:\n%s", b.model.Steps(), b.screen(st, LaneName))
	screen := b.screen(st, LaneName)
	// The long answer's start, and with it everything before it, is out
	// of sight. (Codex keeps the turn's prompt pinned above the answer and
	// in its status line; claude and gemini scroll it away.)
	require.NotContains(t, screen, "Line 1 of a long answer", "the screen must have scrolled:\n%s", screen)

	require.NoError(t, b.runner.Send(ctx, runID, LaneName, "Go on now and submit your result. "+resume))
	out, err := b.runner.Wait(ctx, runID, run.WaitOptions{Timeout: 2 * time.Minute, Poll: 500 * time.Millisecond})
	require.NoError(t, err)
	ls := out.Lanes[LaneName]
	assert.Equal(t, contract.LaneDone, ls.State, "lane: %s (%s); screen:\n%s", ls.State, ls.Reason, b.screen(out, LaneName))
	assert.Equal(t, string(contract.StatusPass), ls.Result)
	steps := b.model.Steps()
	assert.True(t, containsInOrder(steps, []string{"read", "pause", "result"}), "steps %v", steps)

	dir, err := ledgerDir(b.home, out)
	require.NoError(t, err)
	evs, _, err := ledger.ReadEvents(dir)
	require.NoError(t, err)
	sent := slices.IndexFunc(evs, func(ev contract.Event) bool { return ev.Type == ledger.EventLaneSend && ev.Lane == LaneName })
	require.GreaterOrEqual(t, sent, 0, "the message was not recorded as sent")
	var d ledger.LaneSendData
	require.NoError(t, ledger.DecodeData(evs[sent], &d))
	require.NotNil(t, d.Delivery, "the send records how it was confirmed")
	assert.True(t, d.Delivery.Delivered)
	assert.NotEmpty(t, d.Delivery.Reason)
	t.Logf("send confirmed: %s (%d Enter, %d ms)", d.Delivery.Reason, d.Delivery.Attempts, d.Delivery.DurationMS)
}
