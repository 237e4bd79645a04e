package demoagent_test

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/demoagent"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/run/host"
)

// TestTmux runs the demo agent in a real tmux pane, started from the
// shipped demo adapter's argv, and types its prompt with the engine's
// acknowledged delivery, waiting on the adapter's own ready and busy
// patterns.
func TestTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: this test drives a real tmux server; install it (apt install tmux)")
	}
	self, err := os.Executable()
	require.NoError(t, err)
	adapters, err := adapter.Shipped()
	require.NoError(t, err)
	demo := adapters["demo"]
	tests := []struct {
		name     string
		faults   string
		attempts int
	}{
		{"Typed", "", 1},
		{"SwallowedEnterIsRetried", demoagent.FaultSwallowEnter, 2},
		{"SlowStart", demoagent.FaultSlowStart, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]byte, 4)
			_, _ = rand.Read(b)
			hst, err := host.NewTmux(host.TmuxOptions{Socket: "demoagent-" + hex.EncodeToString(b)})
			require.NoError(t, err)
			t.Cleanup(func() { _ = hst.KillServer(t.Context()) })

			f := newFixture(t, writer)
			argv, err := adapter.Argv(demo, adapter.LaneContext{
				Lane: "writer", Persona: "writer", Model: "demo-model", Sandbox: "workspace-write",
				Workdir: f.root, PromptFile: f.promptFile, Self: self,
			})
			require.NoError(t, err)
			env := []string{asAgentEnv + "=1", demoagent.EnvFault + "=" + tc.faults, demoagent.EnvStartDelay + "=700ms", "TERM=xterm-256color"}
			for k, v := range f.env {
				env = append(env, k+"="+v)
			}
			h, err := hst.Start(t.Context(), host.LaneSpec{RunID: runID, Lane: "writer", Title: "writer · demo", Argv: argv, Dir: f.root, Env: env})
			require.NoError(t, err)

			out, err := host.Deliver(t.Context(), hst, h, adapter.PromptLine(f.promptFile), host.DeliveryOptions{
				ReadyPattern: demo.ReadyPattern, BusyPattern: demo.BusyPattern, ReadyTimeout: 10 * time.Second, ConfirmTimeout: time.Second,
			})
			require.NoError(t, err)
			require.True(t, out.Delivered, "delivery failed: %+v", out)
			assert.Equal(t, tc.attempts, out.Attempts, "Enter presses: %+v", out)
			assert.Equal(t, 1, out.Pastes)

			waitFile(t, f.resultFile)
			r := f.result(t)
			assert.Equal(t, contract.StatusPass, r.Status)
			assert.Equal(t, "demo-model", r.Model, "the model flag reached the agent")
			assert.Equal(t, []string{demoagent.NotesFile}, r.FilesChanged)
			assert.Equal(t, "?? "+demoagent.NotesFile, f.gitStatus(t))

			screen, err := hst.Capture(t.Context(), h, 0)
			require.NoError(t, err)
			assert.Regexp(t, regexp.MustCompile(demo.BusyPattern), screen)
			assert.Contains(t, screen, "result written to")
			assert.Equal(t, 1, strings.Count(screen, demoagent.BusyMarker), "one submission:\n%s", screen)
		})
	}
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not written within 15s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
