package oz_test

import (
	"context"
	"os"
	"testing"

	"github.com/cocoder/cocoder"
	"github.com/cocoder/cocoder/internal/tmuxtest"
)

// TestMain lets the test binary play the built-in demo agent (the lanes
// Oz launches start it as "<test binary> agent demo ..."), and keeps the
// tests away from the user's tmux.
func TestMain(m *testing.M) {
	if code, ok := cocoder.AgentMain(context.Background(), os.Args[1:]); ok {
		os.Exit(code)
	}
	os.Exit(tmuxtest.Main(m))
}
