package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockedIn waits until the process of cmd, run with home, has opened its
// secret store (runMain's signal handling is in place before that), and a
// moment more for it to block in its read.
func blockedIn(t *testing.T, home string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(home, "secrets")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command never opened its home")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
}

// asMain starts this test binary as the cocoder process (runMain, with its
// signal handling) and returns it running.
func asMain(t *testing.T, home string, stdin *os.File, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--home", home}, args...)...)
	cmd.Env = append(os.Environ(), envTestAsCLI+"=1")
	cmd.Stdin = stdin
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, &errOut
}

// exitWithin waits up to d for cmd and returns its exit code, failing the
// test when it is still running.
func exitWithin(t *testing.T, cmd *exec.Cmd, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			return ee.ExitCode()
		}
		require.NoError(t, err)
		return 0
	case <-time.After(d):
		t.Fatalf("%v still runs %s after the signal", cmd.Args, d)
		return -1
	}
}

// TestInterruptEndsBlockedCommands: Ctrl-C (SIGINT) and SIGTERM end a
// command blocked in a read that never returns by itself — standard input
// that stays open and empty, a FIFO with a writer that never writes — with
// exit code 130, promptly; and a FIFO with no writer at all is refused
// without waiting.
func TestInterruptEndsBlockedCommands(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "value.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String()+"/stdin", func(t *testing.T) {
			r, w, err := os.Pipe()
			require.NoError(t, err)
			defer w.Close()
			home := t.TempDir()
			cmd, errOut := asMain(t, home, r, "secrets", "set", "x", "--from-stdin")
			_ = r.Close()
			blockedIn(t, home)
			require.NoError(t, cmd.Process.Signal(sig))
			assert.Equal(t, exitInterrupted, exitWithin(t, cmd, 5*time.Second), errOut.String())
			assert.Contains(t, errOut.String(), "interrupted")
		})
		t.Run(sig.String()+"/fifo", func(t *testing.T) {
			// A writer holds the FIFO open and never writes.
			w, err := os.OpenFile(fifo, os.O_RDWR, 0)
			require.NoError(t, err)
			defer w.Close()
			home := t.TempDir()
			cmd, errOut := asMain(t, home, nil, "secrets", "set", "x", "--from-file", fifo)
			blockedIn(t, home)
			require.NoError(t, cmd.Process.Signal(sig))
			assert.Equal(t, exitInterrupted, exitWithin(t, cmd, 5*time.Second), errOut.String())
		})
	}
	t.Run("FIFOWithoutWriter", func(t *testing.T) {
		cmd, errOut := asMain(t, t.TempDir(), nil, "secrets", "set", "x", "--from-file", fifo)
		code := exitWithin(t, cmd, 5*time.Second)
		assert.NotEqual(t, exitOK, code)
		assert.Contains(t, errOut.String(), "empty")
	})
}

// TestPlanDoesNotHangOnAFIFO: `run plan` in a workspace whose PRIORITIES.md
// is a FIFO ends at once, as a process, with the file named.
func TestPlanDoesNotHangOnAFIFO(t *testing.T) {
	c := newCLIRepo(t)
	p := filepath.Join(c.repo, "cocoder", "PRIORITIES.md")
	require.NoError(t, os.Remove(p))
	require.NoError(t, syscall.Mkfifo(p, 0o600)) // AGENTS.md keeps it a workspace
	cmd, errOut := asMain(t, c.home, nil, "run", "plan", "--workspace", c.repo, "try-cocoder")
	code := exitWithin(t, cmd, 20*time.Second)
	assert.Equal(t, exitInvalid, code, errOut.String())
}
