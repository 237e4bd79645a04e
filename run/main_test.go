package run_test

import (
	"context"
	"os"
	"testing"

	"github.com/cocoder/cocoder/internal/agenthook"
	"github.com/cocoder/cocoder/internal/demoagent"
	"github.com/cocoder/cocoder/internal/tmuxtest"
	"github.com/cocoder/cocoder/run/internal/faketui"
)

// TestMain lets the test binary play the built-in demo agent: the tests
// give it to the Runner as Options.Self, so a lane of the demo adapter
// starts it as "<test binary> agent demo ...", as it would start the
// cocoder command; "<test binary> faketui ..." plays the fake TUI, "agent
// hook" the hook program and "hookcli" a CLI that reports through hooks
// (see hookCLI). Otherwise it runs the tests away from the user's tmux
// (see tmuxtest).
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "agent" && os.Args[2] == "demo" {
		os.Exit(demoagent.MainContext(context.Background(), os.Args[3:], os.Getenv, os.Stdin, os.Stdout))
	}
	if len(os.Args) > 2 && os.Args[1] == "agent" && os.Args[2] == "hook" {
		os.Exit(agenthook.Main(context.Background(), os.Args[3:], os.Stdin, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "hookcli" {
		os.Exit(hookCLI(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "faketui" {
		os.Exit(faketui.Main(os.Args[2:]))
	}
	os.Exit(tmuxtest.Main(m))
}
