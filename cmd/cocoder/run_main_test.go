package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/cocoder/cocoder/internal/tmuxtest"
)

// TestMain lets the test binary stand in for the cocoder executable: run
// tests start lanes with the Runner's default Self (this binary) and the
// arguments "agent demo ...", which run the demo agent exactly as the real
// binary would. It also keeps every test away from the user's tmux: TMUX
// points at a server that does not exist and TMUX_TMPDIR at a fresh
// directory, and the run fails if anything created tmux's default socket
// there.
func TestMain(m *testing.M) {
	if os.Getenv("COCODER_TEST_AS_MAIN") == "1" {
		// The process tests (signals, exit codes) run the binary as the
		// real main does.
		os.Exit(runMain(os.Args[1:], osStreams()))
	}
	if len(os.Args) > 2 && os.Args[1] == "agent" && os.Args[2] == "demo" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], osStreams())
		stop()
		os.Exit(code)
	}
	os.Exit(tmuxtest.Main(m))
}
