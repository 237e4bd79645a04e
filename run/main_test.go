package run_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/tmuxtest"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/internal/faketui"
)

// helperEnv selects what the re-executed test binary does instead of
// running tests.
const helperEnv = "COCODER_RUN_TEST_HELPER"

// TestMain runs the helper programs the tests start (as lanes or as a
// ledger writer), and keeps every test away from the user's tmux: TMUX is
// pointed at a server that does not exist and TMUX_TMPDIR at a fresh
// directory. After the tests it fails if anything created tmux's default
// socket there.
func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
	case "faketui":
		os.Exit(faketui.Main(os.Args[1:]))
	case "dump":
		os.Exit(dumpMain())
	case "ledger-writer":
		os.Exit(ledgerWriterMain(os.Args[1]))
	default:
		fmt.Fprintln(os.Stderr, "unknown helper", os.Getenv(helperEnv))
		os.Exit(2)
	}
	os.Exit(tmuxtest.Main(m))
}

// dumpMain records its argv, environment and working directory as JSON in
// the file named by $COCODER_DUMP, then waits (so the pane stays alive)
// for $COCODER_DUMP_WAIT.
func dumpMain() int {
	wd, _ := os.Getwd()
	b, _ := json.Marshal(dump{Args: os.Args[1:], Env: os.Environ(), Dir: wd})
	if err := os.WriteFile(os.Getenv("COCODER_DUMP"), b, 0o600); err != nil {
		return 1
	}
	if d, err := time.ParseDuration(os.Getenv("COCODER_DUMP_WAIT")); err == nil {
		time.Sleep(d)
	}
	return 0
}

type dump struct {
	Args []string `json:"args"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`
}

// ledgerWriterMain opens the ledger dir and appends events as fast as it
// can, printing "ack <seq>" after each Append returns, until killed.
func ledgerWriterMain(dir string) int {
	l, err := run.OpenLedger(dir)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "ready")
	w.Flush()
	pad := make([]byte, 0, 2048)
	for i := 0; ; i++ {
		pad = append(pad[:0], make([]byte, i%2048)...)
		for j := range pad {
			pad[j] = 'a' + byte(j%26)
		}
		ev, err := run.NewEvent(run.EventLaneSend, "writer", map[string]any{"i": i, "pad": string(pad)})
		if err == nil {
			ev, err = l.Append(ev)
		}
		if err != nil {
			fmt.Fprintln(w, "error", err)
			w.Flush()
			return 1
		}
		fmt.Fprintln(w, "ack", ev.Seq)
		w.Flush()
	}
}

// self returns the path of the test binary, which the tests re-execute as
// lane programs.
func self(t testing.TB) string {
	t.Helper()
	p, err := os.Executable()
	require.NoError(t, err)
	return p
}

// newTmux returns a tmux host on a private server with a unique socket,
// killed when the test ends. A missing tmux fails the test: these tests
// exist to drive a real tmux.
func newTmux(t testing.TB) *run.TmuxHost {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: these tests drive a real tmux server; install it (apt install tmux)")
	}
	h, err := run.NewTmuxHost(run.TmuxOptions{Socket: "cct-" + randHex(4)})
	require.NoError(t, err)
	// t.Context is already cancelled when cleanups run.
	t.Cleanup(func() { _ = h.KillServer(context.Background()) })
	return h
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newRunID returns a fresh run id.
func newRunID() string { return run.NewRunID(time.Now()) }

// waitFor polls cond every 20ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readDump waits for the dump helper's output file and decodes it.
func readDump(t testing.TB, path string) dump {
	t.Helper()
	var d dump
	waitFor(t, 10*time.Second, "the lane program to write "+path, func() bool {
		b, err := os.ReadFile(path)
		return err == nil && json.Unmarshal(b, &d) == nil
	})
	return d
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}
