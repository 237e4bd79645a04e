package conformance_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// TestFirstRunDialogNeedsAttention starts a lane of each CLI with one
// piece of its first-run setup undone — claude in a folder it was never
// told to trust, codex likewise, gemini with no authentication chosen:
// the lane must be reported as needing attention with the dialog named,
// within seconds, and nothing may reach the model (the dialog was not
// answered).
func TestFirstRunDialogNeedsAttention(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real agent CLIs")
	}
	for _, c := range []struct {
		name, dialog string
		cli          func(string) conformance.CLI
		undo         func(home, root string) error
	}{
		{"claude", "trust", conformance.Claude, func(home, root string) error {
			st := conformance.ClaudeState(root, "sk-cocoder-conformance-0123456789abcdef")
			delete(st, "projects")
			b, err := json.Marshal(st)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(home, ".claude.json"), b, 0o600)
		}},
		{"codex", "trust", conformance.Codex, func(home, root string) error {
			path := filepath.Join(home, ".codex", "config.toml")
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			toml, _, _ := strings.Cut(string(b), "[projects.")
			return os.WriteFile(path, []byte(toml), 0o600)
		}},
		{"gemini", "auth", conformance.Gemini, func(home, root string) error {
			return os.WriteFile(filepath.Join(home, ".gemini", "settings.json"), []byte("{}\n"), 0o600)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cli := c.cli(conformance.FindCLI(t, c.name))
			o := conformance.Run(t, cli, conformance.Matrix{Timeout: 5 * time.Second, AfterSetup: c.undo})
			require.NotNil(t, o.Attention, "no lane.attention event; screen:\n%s", o.Screen)
			assert.Equal(t, c.dialog, o.Attention.Dialog, "screen:\n%s", o.Screen)
			assert.NotEmpty(t, o.Attention.Fix)
			assert.False(t, o.Delivery.Delivered, "a prompt behind the dialog must not count as delivered")
			var started, attention time.Time
			for _, ev := range o.Events {
				switch ev.Type {
				case ledger.EventLaneStarted:
					started = ev.Time
				case ledger.EventLaneAttention:
					if attention.IsZero() {
						attention = ev.Time
					}
				}
			}
			// The dialog is reported as it shows, not when the 60 s wait
			// for the prompt's confirmation runs out; the bound leaves room
			// for a CLI's start-up on a loaded machine (gemini's p95 is
			// about 27 s, docs/performance.md).
			assert.Less(t, attention.Sub(started), 40*time.Second, "the dialog is reported when it shows")
			for _, r := range o.Model.Requests() {
				assert.NotEqual(t, "read", r.Step, "the model was called: the dialog was answered")
			}
			assert.Empty(t, o.Survivors)
		})
	}
}

// TestTypedSubmitKeys types the lane prompt into each shipped CLI's
// composer, instead of passing it on the command line, and submits it
// with the adapter's declared submit keys: the prompt must reach the model
// as in the matrix (read-only cell). With C-j instead, which these CLIs
// take as a newline in the composer, nothing may be submitted and the
// delivery must not be counted.
func TestTypedSubmitKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real agent CLIs")
	}
	for _, c := range shippedCLIs {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cli := c.cli(conformance.FindCLI(t, c.name))
			t.Run("declared", func(t *testing.T) {
				m := conformance.Matrix{Typed: true}
				o := conformance.Run(t, cli, m)
				conformance.Check(t, o, m)
			})
			t.Run("C-j", func(t *testing.T) {
				m := conformance.Matrix{Typed: true, SubmitKeys: []string{"C-j"}, Timeout: 10 * time.Second}
				o := conformance.Run(t, cli, m)
				assert.False(t, o.Delivery.Delivered, "%+v\nscreen:\n%s", o.Delivery, o.Screen)
				assert.NotContains(t, o.Model.Steps(), "read", "the prompt reached the model")
				assert.Empty(t, o.Survivors)
			})
		})
	}
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
