package ledger_test

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/stretchr/testify/require"
)

// TestKillSafety is security case 43: a ledger writer killed with SIGKILL
// at random moments, 100 times over the same ledger, never loses an event
// it acknowledged, leaves at most one torn line (reported, not fatal), the
// status stays recoverable from the events, and reopening repairs the torn
// line and run.json (the replay up to the last event that changed the
// status) and carries on.
func TestKillSafety(t *testing.T) {
	const iterations = 100
	home := t.TempDir()
	id := testkit.NewRunID()
	dir, err := ledger.Dir(home, "ws-1", id)
	require.NoError(t, err)
	l, err := ledger.Create(dir, testStatus(id), ledger.Options{})
	require.NoError(t, err)
	require.NoError(t, l.Close())

	acked := map[int64]bool{}
	start := time.Now()
	torn, rewritten := 0, 0
	for i := range iterations {
		cmd := exec.Command(testkit.Self(t), dir)
		cmd.Env = append(os.Environ(), helperEnv+"=ledger-writer")
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(out)
		require.True(t, sc.Scan(), "iteration %d: writer did not start", i)
		require.Equal(t, "ready", sc.Text(), "iteration %d", i)

		// Kill at a random moment while it appends.
		timer := time.AfterFunc(time.Duration(rand.IntN(8000))*time.Microsecond, func() {
			_ = cmd.Process.Signal(syscall.SIGKILL)
		})
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			require.Equal(t, "ack", f[0], "iteration %d: writer said %q", i, sc.Text())
			seq, err := strconv.ParseInt(f[1], 10, 64)
			require.NoError(t, err)
			acked[seq] = true
		}
		timer.Stop()
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		events, tornLine, err := ledger.ReadEvents(dir)
		require.NoError(t, err, "iteration %d: the ledger must stay readable", i)
		if tornLine != nil {
			torn++
			require.Equal(t, len(events)+1, tornLine.Line, "only the last line may be torn")
		}
		have := map[int64]bool{}
		for _, ev := range events {
			have[ev.Seq] = true
		}
		for seq := range acked {
			require.True(t, have[seq], "iteration %d: acknowledged event %d is missing", i, seq)
		}
		_, err = ledger.Replay(events)
		require.NoError(t, err, "iteration %d", i)
		// Reopening (as the next writer does) leaves run.json the status
		// the events say, wherever the kill fell.
		l, err := ledger.Open(dir, ledger.Options{})
		require.NoError(t, err, "iteration %d", i)
		if l.Report().StatusRewritten {
			rewritten++
		}
		require.NoError(t, l.Close())
		events, _, err = ledger.ReadEvents(dir)
		require.NoError(t, err)
		requireStatusFile(t, dir, events)
	}
	events, _, err := ledger.ReadEvents(dir)
	require.NoError(t, err)
	t.Logf("%d kills in %s: %d events, %d acknowledged, %d torn tails seen, run.json repaired %d times", iterations, time.Since(start).Round(time.Millisecond), len(events), len(acked), torn, rewritten)
	require.NotEmpty(t, acked)
}
