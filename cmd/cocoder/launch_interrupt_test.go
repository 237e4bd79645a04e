package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/host"
)

// TestInterruptedLaunchLeavesNoUntrackedPane interrupts `cocoder run
// start` at random instants, with SIGINT and with SIGKILL in turn. After
// each, every pane on the home's tmux server belongs to a run whose ledger
// knows it, and `run stop` of the unfinished runs, and of any run that
// still has a pane, leaves no pane at all.
// COCODER_INTERRUPT_ITERATIONS sets the number of launches (default 12;
// CI runs 200).
func TestInterruptedLaunchLeavesNoUntrackedPane(t *testing.T) {
	n := 12
	if v, err := strconv.Atoi(os.Getenv("COCODER_INTERRUPT_ITERATIONS")); err == nil && v > 0 {
		n = v
	}
	c := newCLIRepo(t)
	for i := range n {
		sig := []syscall.Signal{syscall.SIGINT, syscall.SIGKILL}[i%2]
		cmd, errOut := asMain(t, c.home, nil, "run", "start", "--workspace", c.repo, "try-cocoder")
		time.Sleep(time.Duration(rand.IntN(700)) * time.Millisecond)
		_ = cmd.Process.Signal(sig)
		exitWithin(t, cmd, 15*time.Second)

		// Every pane left is a lane of a run its ledger knows.
		out, _ := exec.Command("tmux", "-L", host.SocketForHome(c.home), "list-panes", "-a", "-F", "#{session_name}").Output()
		withPanes := map[string]bool{}
		for _, session := range strings.Fields(string(out)) {
			code, _, stderr := c.cocoder("run", "status", session)
			require.Equal(t, exitOK, code, "launch %d (%s): a pane of session %s has no run in the ledger: %s\n%s", i, sig, session, stderr, errOut)
			withPanes[session] = true
		}
		// Stopping every unfinished run leaves nothing behind.
		code, list, stderr := c.cocoder("--json", "run", "list", "--all")
		require.Equal(t, exitOK, code, stderr)
		var runs []contract.RunStatus
		require.NoError(t, json.Unmarshal([]byte(list), &runs), list)
		for _, st := range runs {
			if !st.State.Terminal() || withPanes[st.RunID] {
				code, _, stderr := c.cocoder("run", "stop", st.RunID, "--confirm", st.RunID)
				require.Equal(t, exitOK, code, "launch %d (%s): %s", i, sig, stderr)
			}
		}
		assert.Empty(t, c.tmuxPanes(), "launch %d (%s): panes survived run stop", i, sig)
	}
}
