// Package testkit holds the helpers the run packages' tests share: polling
// for a condition, writing fixture files, fresh ids, the test binary's own
// path (tests re-execute it as a lane program) and a tmux host on a
// private server. Only tests import it.
package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run/host"
)

// WaitFor polls cond every 20ms until it holds, and fails the test when
// timeout passes first, naming what it waited for.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// PutFile writes data to path, creating its parent directories.
func PutFile(t testing.TB, path, data string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
}

// RandHex returns n random bytes in hex.
func RandHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewRunID returns a fresh run id.
func NewRunID() string { return contract.NewRunID(time.Now()) }

// Self returns the path of the test binary, which tests re-execute as lane
// programs and helper processes.
func Self(t testing.TB) string {
	t.Helper()
	p, err := os.Executable()
	require.NoError(t, err)
	return p
}

// Alive reports whether process pid exists.
func Alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

// NewTmux returns a tmux host on a private server with a unique socket,
// killed when the test ends. A missing tmux fails the test: the tests that
// call it exist to drive a real tmux.
func NewTmux(t testing.TB) *host.Tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: these tests drive a real tmux server; install it (apt install tmux)")
	}
	h, err := host.NewTmux(host.TmuxOptions{Socket: "cct-" + RandHex(4)})
	require.NoError(t, err)
	// t.Context is already cancelled when cleanups run.
	t.Cleanup(func() { _ = h.KillServer(context.Background()) })
	return h
}

// FailingHost wraps a host and refuses to start the lane named FailLane.
type FailingHost struct {
	host.Host
	FailLane string
}

// Start refuses FailLane with an unavailable error and starts every other
// lane on the wrapped host.
func (f FailingHost) Start(ctx context.Context, s host.LaneSpec) (contract.LaneHandle, error) {
	if s.Lane == f.FailLane {
		return contract.LaneHandle{}, errs.E(errs.Unavailable, "test", "lane %s cannot start", s.Lane)
	}
	return f.Host.Start(ctx, s)
}
