package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
)

// demoPrompt is a minimal lane prompt for a writer whose scope names one
// file.
const demoPrompt = `# CoCoder lane prompt

## Identity

- run id: r-20261124T140312Z-abcdefgh
- lane: writer
- persona: writer
- adapter: demo
- model: (CLI default)
- sandbox: workspace-write
- can write: yes
- priority: try-cocoder

## Write scope

Allowed:
- ` + "`notes/demo.md`" + `
`

func TestAgentDemo(t *testing.T) {
	tests := []struct {
		name   string
		fault  string
		code   int
		result bool
	}{
		{"Pass", "", exitOK, true},
		{"ExitNonzero", "exit-nonzero", 3, false},
		{"UnknownFault", "nope", exitUsage, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, ledger := t.TempDir(), t.TempDir()
			promptFile := filepath.Join(ledger, "prompt.md")
			require.NoError(t, os.WriteFile(promptFile, []byte(demoPrompt), 0o644))
			resultFile := filepath.Join(ledger, "result.json")
			env := map[string]string{"COCODER_HOME": t.TempDir(), "COCODER_RESULT_FILE": resultFile, "COCODER_DEMO_FAULT": tc.fault}
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"agent", "demo", "--workdir", root, "--model", "m", "--prompt", "Read and follow the CoCoder lane prompt at " + promptFile}, streams{
				in: strings.NewReader(""), out: &out, err: &errOut, getenv: func(k string) string { return env[k] },
			})
			require.Equal(t, tc.code, code, "stdout %s\nstderr %s", out.String(), errOut.String())
			if !tc.result {
				assert.NoFileExists(t, resultFile)
				return
			}
			r, err := contract.Load[contract.JobResult](resultFile)
			require.NoError(t, err)
			assert.Equal(t, []string{"notes/demo.md"}, r.FilesChanged)
			assert.Equal(t, "m", r.Model)
			data, err := os.ReadFile(filepath.Join(root, "notes", "demo.md"))
			require.NoError(t, err)
			assert.Equal(t, "- r-20261124T140312Z-abcdefgh writer: try-cocoder demo edit\n", string(data))
		})
	}
}

func TestAgentHidden(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	require.Equal(t, exitOK, code)
	assert.NotContains(t, out, "Built-in agents")
	code, out, _ = runCLI(t, "agent", "demo", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "COCODER_DEMO_FAULT")
}

// TestAgentHook runs the hook program as a CLI runs it: it records the
// event in the hook file, and whatever happens (a bad argument, a payload
// that is not JSON) exits 0 with nothing on stdout, which a CLI may read
// as the hook's answer.
func TestAgentHook(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hooks.jsonl")
	for _, tc := range []struct {
		args  []string
		stdin string
	}{
		{[]string{"agent", "hook", "--file", file, "--event", "UserPromptSubmit"}, `{"hook_event_name":"UserPromptSubmit","prompt":"secret words"}`},
		{[]string{"agent", "hook", "--file", file}, `{"hook_event_name":"Notification","notification_type":"permission_prompt","message":"Claude needs your permission to use Bash"}`},
		{[]string{"agent", "hook", "--file", file, "--event", "Stop"}, `not json`},
		{[]string{"agent", "hook", "--bogus"}, `{}`},
		{[]string{"agent", "hook"}, ``},
	} {
		code, out, _ := invocation{stdin: tc.stdin}.run(t.Context(), tc.args...)
		assert.Equal(t, exitOK, code, "%v", tc.args)
		assert.Empty(t, out, "%v", tc.args)
	}
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], `"event":"UserPromptSubmit"`)
	assert.Contains(t, lines[1], `"type":"permission_prompt"`)
	assert.Contains(t, lines[2], `"event":"Stop"`)
	assert.NotContains(t, string(b), "secret words")
}
