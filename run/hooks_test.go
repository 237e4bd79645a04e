package run_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/ledger"
)

// hookAdapter declares the hookcli stand-in (see hookCLI) as a lane
// program with Claude Code style hooks and a declared dialog, walking
// through steps.
func hookAdapter(steps string) string {
	return strings.Replace(scriptAdapter("hook-cli", `"{self}"`), "args: [\"{promptFile}\"]\npromptDelivery: file\n", `args: ["hookcli", "--steps", "`+steps+`", "--", "{prompt}"]
promptDelivery: arg
hooks:
  format: claude
  args: ["--settings", "{hookSettings}"]
  submitted: UserPromptSubmit
  events:
    - {event: UserPromptSubmit, activity: busy}
    - {event: PreToolUse, activity: busy}
    - {event: PostToolUse, activity: busy}
    - {event: PermissionRequest, activity: waiting}
    - {event: Notification, matcher: "permission_prompt|elicitation_dialog", activity: waiting}
    - {event: Stop, activity: idle}
dialogs:
  - {name: permission, pattern: "Do you want to proceed", fix: answer it}
`, 1)
}

// planHookLane plans a run of one lane, lead, of the hookcli stand-in
// walking through steps, on the tmux host.
func planHookLane(t *testing.T, steps string) (*fixture, *run.Runner, *run.Plan) {
	t.Helper()
	f := newFixture(t)
	f.self = testkit.Self(t)
	f.killServer()
	f.write("cocoder/adapters/hook-cli.yaml", hookAdapter(steps))
	f.write("cocoder/profiles/solo-lead.yaml", "id: solo-lead\nlabel: Lead alone\nlanes:\n  lead: {persona: lead, adapter: hook-cli, canWrite: false}\n")
	f.write("cocoder/routes/solo-lead.yaml", "id: solo-lead\nlabel: Lead alone\nlead: lead\nteammates: []\nlanes: [lead]\ngates: [startup-packet]\nwritePolicy: read-only\n")
	gitCmd(t, f.root, "add", "-A")
	gitCmd(t, f.root, "commit", "-qm", "hook lane")
	r := f.runner()
	p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder", Profile: "solo-lead", Route: "solo-lead"})
	require.NoError(t, err, "%v", p)
	return f, r, p
}

// TestVendorHooks runs a lane of a CLI that reports through hooks on the
// real tmux host: the engine writes the CLI's hook settings, the CLI runs
// the hook program (the test binary as `agent hook`) at each event, the
// prompt given in argv counts as delivered when the UserPromptSubmit hook
// fires, and the supervisor records each change of the lane's activity
// with the source vendor_hook — busy, then waiting at the permission
// request (the lane needs attention), then busy again — while the screen,
// which shows the question first, stays silent; nothing of the prompt
// reaches the hook file.
func TestVendorHooks(t *testing.T) {
	// The permission question shows on screen before its hook fires: the
	// screen must stand aside once the hooks have spoken.
	f, r, p := planHookLane(t, "UserPromptSubmit,sleep,PreToolUse,sleep,show:Do you want to proceed?,sleep,"+
		"PermissionRequest,sleep,Notification:permission_prompt,sleep,clear,PostToolUse,sleep,result,Stop")
	pl, ok := p.Lane("lead")
	require.True(t, ok)
	require.NotNil(t, pl.Hooks)
	assert.Equal(t, filepath.Join(p.LedgerDir, ledger.LaneFile("lead", ledger.HooksName)), pl.Hooks.File)
	i := slices.Index(pl.Argv, "--settings")
	require.Positive(t, i, "argv: %q", pl.Argv)
	assert.Equal(t, pl.Hooks.Settings, pl.Argv[i+1])

	st, err := r.Start(t.Context(), p)
	require.NoError(t, err)
	st, err = r.Wait(t.Context(), st.RunID, run.WaitOptions{Timeout: time.Minute, Poll: 100 * time.Millisecond})
	require.NoError(t, err)
	dir := mustDir(t, r, st.RunID)
	ls := st.Lanes["lead"]
	assert.Equal(t, contract.LaneDone, ls.State, ls.Reason)
	assert.Empty(t, ls.Activity, "a lane's activity ends with it")

	// The settings the CLI read: one group per event, the program and its
	// arguments given apart.
	var settings struct {
		Hooks map[string][]struct {
			Matcher string `json:"matcher"`
			Hooks   []struct {
				Command string   `json:"command"`
				Args    []string `json:"args"`
			} `json:"hooks"`
		} `json:"hooks"`
	}
	b, err := os.ReadFile(pl.Hooks.Settings)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &settings))
	assert.Len(t, settings.Hooks, 6)
	assert.Equal(t, "permission_prompt|elicitation_dialog", settings.Hooks["Notification"][0].Matcher)
	stop := settings.Hooks["Stop"][0].Hooks[0]
	assert.Equal(t, f.self, stop.Command)
	assert.Equal(t, []string{"agent", "hook", "--file", pl.Hooks.File, "--event", "Stop"}, stop.Args)

	delivered, _ := payloads[contract.DeliveryReport](t, dir, ledger.EventLanePromptDelivered)
	require.Len(t, delivered, 1)
	assert.Equal(t, "the CLI's UserPromptSubmit hook fired", delivered[0].Reason)

	acts, _ := payloads[ledger.LaneActivityData](t, dir, ledger.EventLaneActivity)
	var got []string
	for _, a := range acts {
		assert.Equal(t, contract.SourceVendorHook, a.Source)
		got = append(got, string(a.Activity)+" "+a.Event)
	}
	assert.Equal(t, []string{"busy UserPromptSubmit", "waiting PermissionRequest", "busy PostToolUse"}, got,
		"each change once; the repeated busy (PreToolUse) and waiting (Notification) are not recorded")
	attention, _ := payloads[ledger.LaneAttentionData](t, dir, ledger.EventLaneAttention)
	assert.Empty(t, attention, "the screen decided while the CLI's hooks spoke")

	// Right after the waiting report the lane needed attention, said by
	// the vendor's hook.
	evs, _, err := ledger.ReadEvents(dir)
	require.NoError(t, err)
	for i, ev := range evs {
		if ev.Type == ledger.EventLaneActivity && ev.Data["activity"] == "waiting" {
			then, err := ledger.Replay(evs[:i+1])
			require.NoError(t, err)
			lane := then.Lanes["lead"]
			assert.Equal(t, contract.LaneNeedsAttention, lane.State)
			assert.Equal(t, contract.SourceVendorHook, lane.Source)
			assert.Equal(t, contract.ActivityWaiting, lane.Activity)
			assert.Contains(t, lane.Reason, "PermissionRequest")
		}
	}

	var raw []byte
	testkit.WaitFor(t, 10*time.Second, "the Stop hook's line", func() bool {
		raw, _ = os.ReadFile(pl.Hooks.File)
		return strings.Contains(string(raw), `"event":"Stop"`)
	})
	assert.NotContains(t, string(raw), "lane prompt", "the prompt reached the hook file")
}

// TestVendorHooksLateSupervisor: a supervisor that starts after the CLI
// already reported several changes records only the last (the history
// before it is not replayed as if it were new).
func TestVendorHooksLateSupervisor(t *testing.T) {
	_, r, p := planHookLane(t, "UserPromptSubmit,PermissionRequest,Stop,sleep,sleep,result")
	st, err := r.Start(t.Context(), p)
	require.NoError(t, err)
	pl, _ := p.Lane("lead")
	testkit.WaitFor(t, 10*time.Second, "three hook lines", func() bool {
		raw, _ := os.ReadFile(pl.Hooks.File)
		return strings.Count(string(raw), "\n") >= 3
	})
	st, err = r.Wait(t.Context(), st.RunID, run.WaitOptions{Timeout: time.Minute, Poll: 100 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, contract.LaneDone, st.Lanes["lead"].State, st.Lanes["lead"].Reason)
	acts, _ := payloads[ledger.LaneActivityData](t, mustDir(t, r, st.RunID), ledger.EventLaneActivity)
	require.Len(t, acts, 1, "%+v", acts)
	assert.Equal(t, contract.ActivityIdle, acts[0].Activity)
	assert.Equal(t, "Stop", acts[0].Event)
}
