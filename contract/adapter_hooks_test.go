package contract_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
)

// TestAdapterHooks: a hook registration is validated like the rest of a
// declaration (each problem at its path), its args join the command line
// only when a settings file is given, and ActivityOf reads its events.
func TestAdapterHooks(t *testing.T) {
	base := llmAdapterYAML
	good := base + `hooks:
  format: claude
  args: ["--settings", "{hookSettings}"]
  submitted: UserPromptSubmit
  events:
    - {event: UserPromptSubmit, activity: busy}
    - {event: Notification, matcher: "permission_prompt|elicitation_dialog", activity: waiting}
    - {event: Notification, matcher: "idle_.*", activity: idle}
    - {event: Stop, activity: idle}
`
	a, err := contract.Parse[contract.Adapter]("x.yaml", []byte(good))
	require.NoError(t, err)
	in := contract.ArgvInput{Prompt: "p", Sandbox: contract.SandboxReadOnly}
	assert.Equal(t, []string{"x", "--", "p"}, a.Argv(in), "no settings file: no hook args")
	in.HookSettings = "/l/hook-settings.json"
	assert.Equal(t, []string{"x", "--settings", "/l/hook-settings.json", "--", "p"}, a.Argv(in))
	assert.Equal(t, []string{"UserPromptSubmit", "Notification", "Stop"}, a.Hooks.Names())

	for _, c := range []struct {
		event, typ string
		want       contract.LaneActivity
		ok         bool
	}{
		{"UserPromptSubmit", "", contract.ActivityBusy, true},
		{"Notification", "permission_prompt", contract.ActivityWaiting, true},
		{"Notification", "elicitation_dialog", contract.ActivityWaiting, true},
		{"Notification", "idle_prompt", contract.ActivityIdle, true},
		{"Notification", "worker_permission_prompt", "", false}, // the matcher matches the whole type
		{"Notification", "", "", false},
		{"Stop", "anything", contract.ActivityIdle, true},
		{"PreToolUse", "", "", false},
	} {
		got, ok := a.Hooks.ActivityOf(c.event, c.typ)
		assert.Equal(t, c.ok, ok, "%s %s", c.event, c.typ)
		assert.Equal(t, c.want, got, "%s %s", c.event, c.typ)
	}

	hooks := func(body string) string { return base + "hooks:\n" + body }
	for name, tc := range map[string]struct{ doc, path string }{
		"format":           {hooks("  format: codex\n  args: ['{hookSettings}']\n  events: [{event: Stop, activity: idle}]\n"), "hooks.format"},
		"no settings":      {hooks("  format: claude\n  args: ['--settings']\n  events: [{event: Stop, activity: idle}]\n"), "hooks.args"},
		"no args":          {hooks("  format: claude\n  events: [{event: Stop, activity: idle}]\n"), "hooks.args"},
		"placeholder":      {hooks("  format: claude\n  args: ['{hookSettings}', '{nope}']\n  events: [{event: Stop, activity: idle}]\n"), "hooks.args[1]"},
		"no events":        {hooks("  format: claude\n  args: ['{hookSettings}']\n  events: []\n"), "hooks.events"},
		"event name":       {hooks("  format: claude\n  args: ['{hookSettings}']\n  events: [{event: 'rm -rf', activity: idle}]\n"), "hooks.events[0].event"},
		"activity":         {hooks("  format: claude\n  args: ['{hookSettings}']\n  events: [{event: Stop, activity: asleep}]\n"), "hooks.events[0].activity"},
		"matcher":          {hooks("  format: claude\n  args: ['{hookSettings}']\n  events: [{event: Stop, matcher: '[a-', activity: idle}]\n"), "hooks.events[0].matcher"},
		"submitted absent": {hooks("  format: claude\n  args: ['{hookSettings}']\n  submitted: UserPromptSubmit\n  events: [{event: Stop, activity: idle}]\n"), "hooks.submitted"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := contract.Parse[contract.Adapter]("x.yaml", []byte(tc.doc))
			var ve *contract.ValidationError
			require.True(t, errors.As(err, &ve), "%v", err)
			var paths []string
			for _, p := range ve.Problems {
				paths = append(paths, p.Path)
			}
			assert.Contains(t, paths, tc.path, "%v", err)
		})
	}
}
