package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/workspace"
)

// ozRun runs the CLI in-process and returns its exit code and output.
func ozRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	s := streams{in: strings.NewReader(""), out: &out, err: &errb, getenv: os.Getenv}
	code := run(context.Background(), args, s)
	return code, out.String(), errb.String()
}

// TestOzDaemonLifecycle starts the daemon in the background, refuses a
// second one, reports its status, prints a login link (never the token),
// rotates the token and stops it. (Starting over a killed daemon's files:
// TestCase38DaemonKilledDuringLaunch.)
func TestOzDaemonLifecycle(t *testing.T) {
	t.Setenv(envTestAsCLI, "1")
	home := t.TempDir()
	code, out, _ := ozRun(t, "--home", home, "oz", "status")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "not running")

	code, out, errOut := ozRun(t, "--home", home, "oz", "start", "--port", "0", "--host", "exec", "--allow-root")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Contains(t, out, "Oz started: http://127.0.0.1:")
	t.Cleanup(func() { ozRun(t, "--home", home, "oz", "stop") })

	code, _, errOut = ozRun(t, "--home", home, "oz", "start", "--port", "0")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "already runs")

	code, out, _ = ozRun(t, "--home", home, "--json", "oz", "status")
	require.Equal(t, 0, code)
	var st ozStatusView
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	assert.True(t, st.Running)
	assert.True(t, st.Healthy)

	h, err := workspace.OpenHome(t.Context(), home)
	require.NoError(t, err)
	store, err := h.Secrets()
	require.NoError(t, err)
	tok, err := store.Token(oz.TokenName)
	require.NoError(t, err)
	code, out, _ = ozRun(t, "--home", home, "oz", "open")
	require.Equal(t, 0, code)
	assert.Contains(t, out, st.URL+"/login?nonce=")
	assert.NotContains(t, out, tok.Reveal())

	code, out, _ = ozRun(t, "--home", home, "oz", "token")
	require.Equal(t, 0, code)
	assert.Contains(t, out, filepath.Join(home, "secrets", "token.oz"))
	assert.NotContains(t, out, tok.Reveal())
	code, _, errOut = ozRun(t, "--home", home, "oz", "token", "--rotate")
	require.Equal(t, 0, code, errOut)
	fresh, err := store.Token(oz.TokenName)
	require.NoError(t, err)
	assert.NotEqual(t, tok.Reveal(), fresh.Reveal())

	code, out, errOut = ozRun(t, "--home", home, "oz", "stop")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Oz stopped")
	code, _, _ = ozRun(t, "--home", home, "oz", "status")
	assert.Equal(t, 1, code)
}

// TestCase38DaemonKilledDuringLaunch (Oz security case 38): a daemon
// killed with SIGKILL while a launch is under way leaves a ledger that a
// new daemon reads and resumes, with no lane started twice.
func TestCase38DaemonKilledDuringLaunch(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed: lanes must outlive the daemon")
	}
	t.Setenv(envTestAsCLI, "1")
	bin := t.TempDir()
	for _, p := range []string{"git", "tmux"} {
		path, err := exec.LookPath(p)
		require.NoError(t, err)
		require.NoError(t, os.Symlink(path, filepath.Join(bin, p)))
	}
	t.Setenv("PATH", bin)
	home := t.TempDir()
	h, err := workspace.OpenHome(t.Context(), home)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = exec.Command("tmux", "-L", host.SocketForHome(home), "kill-server").Run()
	})
	root := t.TempDir()
	gitIn(t, root, "init", "-q", "-b", "main")
	_, err = workspace.Init(t.Context(), root, workspace.InitOptions{Home: h})
	require.NoError(t, err)
	gitIn(t, root, "add", "-A")
	gitIn(t, root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "scaffold")

	code, out, errOut := ozRun(t, "--home", home, "oz", "start", "--port", "0", "--allow-root")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	client, info, err := oz.Dial(h)
	require.NoError(t, err)
	ws, err := client.RegisterWorkspace(t.Context(), root, "")
	require.NoError(t, err)

	launched := make(chan error, 1)
	go func() {
		_, err := client.Launch(context.Background(), oz.LaunchRequest{Workspace: ws.ID, Priority: "try-cocoder"})
		launched <- err
	}()
	// Kill the daemon once the run's ledger exists, mid-launch.
	testkit.WaitFor(t, 20*time.Second, "the run's ledger", func() bool {
		m, _ := filepath.Glob(filepath.Join(home, "runs", ws.ID, "r-*", "events.jsonl"))
		return len(m) > 0
	})
	require.NoError(t, syscall.Kill(info.PID, syscall.SIGKILL))
	<-launched
	testkit.WaitFor(t, 10*time.Second, "the daemon to die", func() bool { return !oz.ProcessAlive(info.PID) })

	code, out, errOut = ozRun(t, "--home", home, "oz", "start", "--port", "0", "--allow-root")
	require.Equal(t, 0, code, "a new daemon over a killed one's files: %s%s", out, errOut)
	t.Cleanup(func() { ozRun(t, "--home", home, "oz", "stop") })
	client, _, err = oz.Dial(h)
	require.NoError(t, err)
	runs, err := client.Runs(t.Context(), ws.ID)
	require.NoError(t, err)
	require.Len(t, runs, 1, "nothing lost, nothing doubled")
	runID := runs[0].RunID
	st := runs[0]
	if !st.State.Terminal() {
		_, err = client.Resume(t.Context(), runID)
		require.NoError(t, err)
		testkit.WaitFor(t, 60*time.Second, "the resumed run's lanes to finish", func() bool {
			st, err = client.Run(t.Context(), runID)
			require.NoError(t, err)
			if st.State.Terminal() || st.State == contract.StateBlocked {
				return true
			}
			for _, ls := range st.Lanes {
				if ls.Handle != nil && ls.State == contract.LaneRunning {
					return false
				}
			}
			return true
		})
	}
	tm, err := host.NewTmux(host.TmuxOptions{Socket: host.SocketForHome(home)})
	require.NoError(t, err)
	handles, err := tm.List(t.Context(), runID)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, hd := range handles {
		assert.False(t, seen[hd.Lane], "lane %s has two panes", hd.Lane)
		seen[hd.Lane] = true
	}
	events, err := client.Events(t.Context(), runID, 0)
	require.NoError(t, err)
	for i, ev := range events {
		assert.Equal(t, int64(i+1), ev.Seq, "the ledger reads back whole")
	}
	_, err = client.Stop(t.Context(), runID)
	require.NoError(t, err)
}

func gitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}
