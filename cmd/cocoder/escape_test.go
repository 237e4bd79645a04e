package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileText is what a repository or an agent may print: a clipboard
// write (OSC 52), a title change and a screen clear.
const hostileText = "\x1b]52;c;cm0gLXJmIH4K\a\x1b]0;PWNED\a\x1b[2J"

// TestTerminalOutputEscapesControlSequences: the red-team's D11. Text that
// comes from a repository (a priority title) or an agent (its output on the
// exec host, a reason it gave) reaches the terminal with its control
// characters escaped, never as raw escape sequences.
func TestTerminalOutputEscapesControlSequences(t *testing.T) {
	c := newCLIRepo(t)
	require.NoError(t, os.Remove(filepath.Join(c.bin, "tmux")))
	prio := c.read("cocoder/PRIORITIES.md")
	c.write("cocoder/PRIORITIES.md", prio+"\n## Evil "+hostileText+" [evil]\n\nStatus: active\n")
	code, out, errOut := c.cocoder("run", "start", "--workspace", c.repo, "try-cocoder", "--host", "exec", "--wait", "--timeout", "60s")
	require.Equal(t, exitOK, code, "stdout %s\nstderr %s", out, errOut)
	id := strings.Fields(out)[1]

	code, out, errOut = c.cocoder("--json", "run", "status", id)
	require.Equal(t, exitOK, code, errOut)
	var st struct {
		Run struct {
			WorkspaceID string `json:"workspaceId"`
		} `json:"run"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	code, out, errOut = c.cocoder("workspace", "show", st.Run.WorkspaceID)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, `Evil \x1b]52;c;`)
	assert.NotContains(t, out+errOut, "\x1b")

	// The agent's output on the exec host, as saved in the ledger.
	code, ledgerDir, _ := c.cocoder("--json", "run", "status", id)
	require.Equal(t, exitOK, code)
	dir := jsonField(t, ledgerDir, "ledger")
	f, err := os.OpenFile(filepath.Join(dir, "lanes", "writer", "transcript.log"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("agent says " + hostileText + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	code, out, errOut = c.cocoder("run", "logs", id, "writer")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, `agent says \x1b]52;c;cm0gLXJmIH4K\a`)
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\a")
}

// jsonField returns the top-level string field name of the JSON document.
func jsonField(t *testing.T, doc, name string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &m), doc)
	s, _ := m[name].(string)
	require.NotEmpty(t, s, "no %s in %s", name, doc)
	return s
}
