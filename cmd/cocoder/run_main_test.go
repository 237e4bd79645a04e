package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMain lets the test binary stand in for the cocoder executable: run
// tests start lanes with the Runner's default Self (this binary) and the
// arguments "agent demo ...", which run the demo agent exactly as the real
// binary would. It also keeps every test away from the user's tmux: TMUX
// points at a server that does not exist and TMUX_TMPDIR at a fresh
// directory, and the run fails if anything created tmux's default socket
// there.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "agent" && os.Args[2] == "demo" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv})
		stop()
		os.Exit(code)
	}
	dir, err := os.MkdirTemp("", "cct")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TMUX_TMPDIR", dir)
	os.Setenv("TMUX", "/nonexistent/default,1,0")
	code := m.Run()
	def := filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), "default")
	if _, err := os.Stat(def); err == nil {
		fmt.Fprintln(os.Stderr, "FAIL: a test touched tmux's default server socket", def)
		code = 1
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
