package ledger_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run/ledger"
)

// allowed is the status table as the design states it, written out
// independently of the code so that a change to either shows up here.
var allowed = map[[2]contract.RunState]bool{
	{"planned", "ready"}: true, {"planned", "failed"}: true, {"planned", "stale"}: true, {"planned", "aborted"}: true,
	{"ready", "running"}: true, {"ready", "failed"}: true, {"ready", "aborted"}: true, {"ready", "stale"}: true,
	{"running", "blocked"}: true, {"running", "needs_founder"}: true, {"running", "failed"}: true,
	{"running", "complete"}: true, {"running", "aborted"}: true,
	{"blocked", "running"}: true, {"blocked", "aborted"}: true, {"blocked", "failed"}: true,
	{"needs_founder", "running"}: true, {"needs_founder", "aborted"}: true, {"needs_founder", "failed"}: true,
}

// TestTransitionTable checks every pair of the nine states.
func TestTransitionTable(t *testing.T) {
	require.Len(t, contract.RunStates, 9)
	for _, from := range contract.RunStates {
		for _, to := range contract.RunStates {
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				want := allowed[[2]contract.RunState{from, to}]
				assert.Equal(t, want, ledger.CanTransition(from, to))
				err := ledger.Transition(from, to)
				if want {
					assert.NoError(t, err)
					return
				}
				require.Error(t, err)
				assert.Equal(t, errs.Conflict, errs.CodeOf(err))
				if from.Terminal() {
					assert.Empty(t, ledger.NextStates(from), "a terminal state has no way out")
					assert.Contains(t, err.Error(), "final")
				}
			})
		}
	}
}

func TestTransitionUnknownState(t *testing.T) {
	for name, pair := range map[string][2]contract.RunState{
		"ErrFrom": {"bogus", "ready"},
		"ErrTo":   {"planned", "done"},
		"ErrBoth": {"", ""},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, errs.Invalid, errs.CodeOf(ledger.Transition(pair[0], pair[1])))
			assert.False(t, ledger.CanTransition(pair[0], pair[1]))
		})
	}
}

// transitionMarkdown renders the table as docs/runs.md shows it.
func transitionMarkdown() string {
	var b strings.Builder
	b.WriteString("| from \\ to |")
	for _, s := range contract.RunStates {
		fmt.Fprintf(&b, " %s |", s)
	}
	b.WriteString("\n|---|")
	for range contract.RunStates {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, from := range contract.RunStates {
		fmt.Fprintf(&b, "| **%s** |", from)
		for _, to := range contract.RunStates {
			cell := ""
			if ledger.CanTransition(from, to) {
				cell = "✓"
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestTransitionDocs keeps the table in docs/runs.md equal to the code's.
func TestTransitionDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/runs.md")
	require.NoError(t, err)
	want := transitionMarkdown()
	assert.Contains(t, string(b), want, "docs/runs.md must contain this status table:\n%s", want)
}
