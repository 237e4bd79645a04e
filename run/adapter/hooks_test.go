package adapter_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run/adapter"
)

// hookLane is a writer lane of claude with the result channel and hooks.
func hookLane() adapter.LaneContext {
	const lanes = "/home/u/.cocoder/runs/ws/r-1/lanes/writer/"
	return adapter.LaneContext{
		Lane: "writer", Persona: "writer", Sandbox: "workspace-write", Workdir: "/ws/repo",
		PromptFile: lanes + "prompt.md", ResultFile: lanes + "result.json", LedgerDir: "/home/u/.cocoder/runs/ws/r-1",
		Self: "/usr/local/bin/cocoder", ResultServer: []string{"/usr/local/bin/cocoder", "agent", "mcp"}, MCPConfig: lanes + "mcp.json",
		HookFile: lanes + "hooks.jsonl", HookSettings: lanes + "hook-settings.json",
	}
}

// TestClaudeHooksArgv pins where the hook settings go on claude's command
// line: after the result channel, before the prompt; and nowhere for a
// lane without a hook file.
func TestClaudeHooksArgv(t *testing.T) {
	a := shipped(t)["claude"]
	lc := hookLane()
	argv, err := adapter.Argv(a, lc)
	require.NoError(t, err)
	line := "Read and follow the CoCoder lane prompt at " + lc.PromptFile
	assert.Equal(t, []string{"claude", "--permission-mode", "acceptEdits",
		"--mcp-config", lc.MCPConfig, "--strict-mcp-config", "--allowedTools", "mcp__cocoder", "Read(//home/u/.cocoder/runs/ws/r-1/**)",
		"--settings", lc.HookSettings, "--", line}, argv)

	lc.HookFile = ""
	argv, err = adapter.Argv(a, lc)
	require.NoError(t, err)
	assert.NotContains(t, argv, "--settings")

	lc = hookLane()
	lc.HookSettings = ""
	_, err = adapter.Argv(a, lc)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "hooks need their settings file: %v", err)
}

// TestHookSettings checks the settings file written for claude: one matcher
// group per declared event, each running the cocoder executable with the
// lane's hook file and the event as separate arguments.
func TestHookSettings(t *testing.T) {
	a := shipped(t)["claude"]
	lc := hookLane()
	b, err := adapter.HookSettings(a, lc)
	require.NoError(t, err)
	var doc adapter.ClaudeSettings
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.ElementsMatch(t, a.Hooks.Names(), slices.Collect(maps.Keys(doc.Hooks)))
	for event, groups := range doc.Hooks {
		require.Len(t, groups, 1, event)
		require.Len(t, groups[0].Hooks, 1, event)
		h := groups[0].Hooks[0]
		assert.Equal(t, "command", h.Type)
		assert.Equal(t, lc.Self, h.Command)
		assert.Equal(t, []string{"agent", "hook", "--file", lc.HookFile, "--event", event}, h.Args)
		assert.Equal(t, adapter.HookTimeout, h.Timeout)
	}
	assert.Equal(t, "permission_prompt|elicitation_dialog", doc.Hooks["Notification"][0].Matcher)
	assert.Empty(t, doc.Hooks["Stop"][0].Matcher)

	// An event listed once without a matcher gets none.
	a.Hooks.Events = append(a.Hooks.Events, contract.HookEvent{Event: "Notification", Activity: contract.ActivityIdle})
	b, err = adapter.HookSettings(a, lc)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Empty(t, doc.Hooks["Notification"][0].Matcher)

	b, err = adapter.HookSettings(shipped(t)["codex"], lc)
	assert.NoError(t, err)
	assert.Nil(t, b, "an adapter without hooks has no settings")
	lc.HookFile = ""
	b, err = adapter.HookSettings(a, lc)
	assert.NoError(t, err)
	assert.Nil(t, b, "a lane without a hook file has no settings")

	for name, mod := range map[string]func(*adapter.LaneContext, *contract.Adapter){
		"RelativeFile":  func(lc *adapter.LaneContext, _ *contract.Adapter) { lc.HookFile = "hooks.jsonl" },
		"NoSelf":        func(lc *adapter.LaneContext, _ *contract.Adapter) { lc.Self = "" },
		"ExpandedByCLI": func(lc *adapter.LaneContext, _ *contract.Adapter) { lc.HookFile = "/home/${USER}/hooks.jsonl" },
		"NUL":           func(lc *adapter.LaneContext, _ *contract.Adapter) { lc.HookSettings = "/x\x00y" },
		"Format":        func(_ *adapter.LaneContext, a *contract.Adapter) { a.Hooks.Format = "codex" },
	} {
		t.Run(name, func(t *testing.T) {
			lc, a := hookLane(), shipped(t)["claude"]
			mod(&lc, a)
			_, err := adapter.HookSettings(a, lc)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		})
	}
}
