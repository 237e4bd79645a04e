package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder"
	"github.com/cocoder/cocoder/internal/tmuxtest"
	"github.com/cocoder/cocoder/run/host"
)

// TestMain lets the test binary act as the demo agent, as the example
// program does: its lanes start it with "agent demo ...".
func TestMain(m *testing.M) {
	if code, ok := cocoder.AgentMain(context.Background(), os.Args[1:]); ok {
		os.Exit(code)
	}
	os.Exit(tmuxtest.Main(m))
}

// TestEmbedExample runs the example's whole walk-through on both hosts:
// every lane falls back to the demo agent, each event reaches the
// subscriber, every lane ends with a PASS result and the run is stopped.
func TestEmbedExample(t *testing.T) {
	// A PATH with git and tmux only, so an agent CLI installed on this
	// machine is never started: every lane takes the demo agent.
	bin := t.TempDir()
	for _, prog := range []string{"git", "tmux"} {
		p, err := exec.LookPath(prog)
		require.NoError(t, err, "the example needs %s installed", prog)
		require.NoError(t, os.Symlink(p, filepath.Join(bin, prog)))
	}
	t.Setenv("PATH", bin)
	for _, host := range []string{host.KindExec, host.KindTmux} {
		t.Run(host, func(t *testing.T) {
			var out bytes.Buffer
			err := runDemo(t.Context(), t.TempDir(), host, &out)
			require.NoError(t, err, "output:\n%s", out.String())
			s := out.String()
			for _, want := range []string{
				"lane writer   persona writer     adapter demo",
				"runs the fallback adapter demo",
				"run.created",
				"lane.prompt.delivered verifier",
				"lane.result      writer",
				"run.stopped",
				"result lead     done   PASS",
				"result writer   done   PASS",
				"result verifier done   PASS",
				"commit.made      writer",
				"complete (every launched lane has an accepted result and the gates passed)",
			} {
				assert.Contains(t, s, want)
			}
		})
	}
}
