package conformance_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/conformance"
	"github.com/cocoder/cocoder/run/ledger"
)

func TestMain(m *testing.M) { conformance.Main(m) }

// shippedCLIs are the shipped adapters whose CLI is on the npm registry.
var shippedCLIs = []struct {
	name string
	cli  func(string) conformance.CLI
}{{"claude", conformance.Claude}, {"codex", conformance.Codex}, {"gemini", conformance.Gemini}}

// TestShippedMatrix runs every shipped adapter whose CLI is on the npm
// registry, read-only and writing, with the real CLI against the scripted
// model, to an accepted result with confirmed delivery.
func TestShippedMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real agent CLIs")
	}
	for _, c := range shippedCLIs {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cli := c.cli(conformance.FindCLI(t, c.name))
			for _, m := range []struct {
				name string
				m    conformance.Matrix
			}{{"read-only", conformance.Matrix{}}, {"writing", conformance.Matrix{Writing: true}}} {
				t.Run(m.name, func(t *testing.T) {
					t.Parallel()
					o := conformance.Run(t, cli, m.m)
					conformance.Check(t, o, m.m)
				})
			}
		})
	}
}

// TestUntrustedFolderNeedsAttention starts a claude lane in a folder the
// CLI was never told to trust: the lane must be reported as needing
// attention with the trust dialog named, within seconds, and nothing may
// reach the model (the dialog was not answered).
func TestUntrustedFolderNeedsAttention(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real agent CLI")
	}
	cli := conformance.Claude(conformance.FindCLI(t, "claude"))
	m := conformance.Matrix{Timeout: 20 * time.Second, AfterSetup: func(home, root string) error {
		st := conformance.ClaudeState(root, "sk-cocoder-conformance-0123456789abcdef")
		delete(st, "projects")
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(home, ".claude.json"), b, 0o600)
	}}
	o := conformance.Run(t, cli, m)
	require.NotNil(t, o.Attention, "no lane.attention event; screen:\n%s", o.Screen)
	assert.Equal(t, "trust", o.Attention.Dialog)
	assert.NotEmpty(t, o.Attention.Fix)
	assert.False(t, o.Delivery.Delivered, "a prompt behind the trust dialog must not count as delivered")
	var started, attention time.Time
	for _, ev := range o.Events {
		switch ev.Type {
		case ledger.EventLaneStarted:
			started = ev.Time
		case ledger.EventLaneAttention:
			attention = ev.Time
		}
	}
	assert.Less(t, attention.Sub(started), 10*time.Second, "the dialog is reported within seconds")
	for _, r := range o.Model.Requests() {
		assert.NotEqual(t, "read", r.Step, "the model was called: the trust dialog was answered")
	}
	assert.Empty(t, o.Survivors)
}

// TestTeam runs a lead, a writer and a verifier, all lanes of one real
// CLI, against the scripted model: the lead dispatches through the MCP
// server, every lane reaches an accepted result without a human, and the
// engine commits the writer's change. Claude Code is the case the issue
// names; Codex and Gemini CLI show the dispatch tool works in theirs.
func TestTeam(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real agent CLIs")
	}
	for _, c := range shippedCLIs {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := conformance.RunTeam(t, c.cli(conformance.FindCLI(t, c.name)), 0)
			conformance.CheckTeam(t, o)
		})
	}
}
