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
// there. With COCODER_TEST_AS_CLI=1 in its environment the binary is the
// CLI outright (the Oz daemon a test starts in the background re-executes
// it).
func TestMain(m *testing.M) {
	if os.Getenv(envTestAsCLI) == "1" {
		// The binary is the CLI outright, run as the real main runs it
		// (signals, exit codes): the process tests and the Oz daemon a
		// test starts in the background re-execute it.
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

// envTestAsCLI makes the test binary act as the cocoder executable.
const envTestAsCLI = "COCODER_TEST_AS_CLI"
