package run_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

// TestRunLifecycle drives a whole run of the scaffolded workspace on the
// real tmux host with the demo agent: plan; start (the lead, its typed
// prompt acknowledged; writer and verifier wait for its dispatch); wait:
// the lead dispatches the writer, then the verifier after the writer's
// accepted result; the engine checks the writer's change against its
// scope, runs the verify command, commits exactly that file with trailers
// and a receipt, and the run is complete.
func TestRunLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.self = testkit.Self(t)
	f.killServer()
	r := f.runner()
	ctx := t.Context()

	subCtx, cancelSub := context.WithCancel(ctx)
	sub := r.Subscribe(subCtx, "")

	p, err := r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	st, err := r.Start(ctx, p)
	require.NoError(t, err)
	id := st.RunID
	assert.Equal(t, p.RunID, id)
	assert.Equal(t, contract.StateRunning, st.State)
	lead := st.Lanes["lead"]
	require.NotNil(t, lead.Handle)
	assert.Equal(t, "delivered", lead.Delivery)
	assert.Equal(t, host.KindTmux, lead.Handle.Host)
	for _, lane := range []string{"writer", "verifier"} {
		assert.Nil(t, st.Lanes[lane].Handle, "%s waits for the lead's dispatch", lane)
		assert.Equal(t, contract.LanePlanned, st.Lanes[lane].State, lane)
	}
	entry, err := f.home.Registry().Get(ctx, st.WorkspaceID)
	require.NoError(t, err, "Start registers the workspace")
	dir := filepath.Join(f.home.RunsDir(), entry.ID, id)
	for _, rel := range []string{"run.json", "events.jsonl", "plan.json", "startup-packet.json",
		"snapshot/route.yaml", "snapshot/profile.yaml", "snapshot/boundary.yaml",
		"snapshot/personas/lead.yaml", "snapshot/adapters/demo.json", "lanes/writer/prompt.md"} {
		assert.FileExists(t, filepath.Join(dir, rel))
	}
	plan, err := run.ReadPlan(dir)
	require.NoError(t, err)
	assert.Equal(t, dir, plan.LedgerDir, "the plan named the ledger directory the run got")

	// A second plan for the same priority is refused while this one runs.
	_, err = r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
	assert.Equal(t, errs.Conflict, errs.CodeOf(err), "%v", err)

	st, err = r.Wait(ctx, id, run.WaitOptions{Timeout: time.Minute, Poll: 200 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, contract.StateComplete, st.State, st.Reason)
	for _, lane := range []string{"lead", "writer", "verifier"} {
		ls := st.Lanes[lane]
		assert.Equal(t, contract.LaneDone, ls.State, lane)
		assert.Equal(t, contract.SourceResultFile, ls.Source, lane)
		assert.Equal(t, "PASS", ls.Result, lane)
		assert.Equal(t, "delivered", ls.Delivery, lane)
	}
	notes := readFile(t, filepath.Join(f.root, "cocoder/memory/demo-notes.md"))
	assert.Contains(t, notes, "- "+id+" writer: try-cocoder demo edit")
	// The engine committed exactly the writer's file, with its trailers.
	assert.Equal(t, "cocoder/memory/demo-notes.md\n", gitCmd(t, f.root, "show", "--name-only", "--format=", "HEAD"))
	trailers := gitCmd(t, f.root, "log", "-1", "--format=%(trailers)")
	for _, want := range []string{"Cocoder-Run: " + id, "Cocoder-Lane: writer", "Cocoder-Persona: writer", "Cocoder-Receipt: rc-"} {
		assert.Contains(t, trailers, want)
	}
	assert.Empty(t, gitCmd(t, f.root, "status", "--porcelain"), "nothing is left uncommitted")
	receipts, err := filepath.Glob(filepath.Join(dir, "receipts", "*.json"))
	require.NoError(t, err)
	assert.Len(t, receipts, 1)
	assert.FileExists(t, filepath.Join(dir, "closeout.json"))

	events, torn, err := ledger.ReadEvents(dir)
	require.NoError(t, err)
	assert.Nil(t, torn)
	types := make([]string, len(events))
	for i, ev := range events {
		types[i] = ev.Type
	}
	assert.Equal(t, []string{ledger.EventRunCreated, ledger.EventRunState, ledger.EventRunBaseline, ledger.EventLaneTree, ledger.EventLaneLaunching, ledger.EventLaneStarted, ledger.EventRunState}, types[:7], "a lane's launch is recorded before it exists")
	count := func(typ string) (n int) {
		for _, x := range types {
			if x == typ {
				n++
			}
		}
		return n
	}
	for typ, want := range map[string]int{
		ledger.EventLanePromptDelivered: 3, ledger.EventLaneResult: 3, ledger.EventLaneDispatchRequested: 2,
		ledger.EventLaneDispatched: 2, ledger.EventGateVerify: 1, ledger.EventCommitIntent: 1, ledger.EventCommitMade: 1,
		ledger.EventRunCloseout: 1,
	} {
		assert.Equal(t, want, count(typ), typ)
	}
	// The verifier was dispatched only after the writer's result.
	lastDispatch := 0
	for i, typ := range types {
		if typ == ledger.EventLaneDispatched {
			lastDispatch = i
		}
	}
	assert.Less(t, slices.Index(types, ledger.EventLaneResult), lastDispatch)

	err = r.Send(ctx, id, "writer", "one more thing")
	assert.Equal(t, errs.Conflict, errs.CodeOf(err), "a lane with a result takes no message: %v", err)

	assert.Equal(t, errs.Invalid, errs.CodeOf(r.Stop(ctx, "r-wrong")))
	require.NoError(t, r.Stop(ctx, id))
	st, err = r.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, contract.StateComplete, st.State, "stopping a finished run only clears its panes")
	hst, err := host.NewTmux(host.TmuxOptions{Socket: host.SocketForHome(f.home.Dir())})
	require.NoError(t, err)
	left, err := hst.List(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, left, "stop leaves no pane")
	assert.FileExists(t, filepath.Join(dir, "lanes", "lead", "transcript.log"))

	cancelSub()
	var seen []int64
	for ev := range sub {
		if ev.RunID == id {
			seen = append(seen, ev.Seq)
		}
	}
	require.NotEmpty(t, seen)
	assert.True(t, slices.IsSorted(seen), "events arrive in order: %v", seen)
	assert.Equal(t, int64(1), seen[0])

	list, err := r.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, id, list[0].RunID)
}

// TestWaitFaults runs one lane on the exec host with each of the demo
// agent's faults and checks the verdict Wait records.
func TestWaitFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault  string
		state  contract.LaneState
		source contract.StatusSource
		reason string
	}{
		{"hang", contract.LaneFailed, contract.SourceTimeout, "no accepted result within"},
		{"exit-nonzero", contract.LaneExited, contract.SourceProcessExit, "exited without writing a result"},
		{"no-result", contract.LaneExited, contract.SourceProcessExit, "exited without writing a result"},
		{"malformed-result", contract.LaneExited, contract.SourceProcessExit, "its result was refused"},
		{"invalid-result", contract.LaneExited, contract.SourceProcessExit, "its result was refused"},
	}
	for _, tc := range tests {
		t.Run(tc.fault, func(t *testing.T) {
			f := newFixture(t)
			f.self = testkit.Self(t)
			f.env["COCODER_DEMO_FAULT"] = tc.fault
			f.write("cocoder/routes/solo.yaml", "id: solo\nlabel: Writer alone\nlead: writer\nteammates: []\nlanes: [writer]\ngates: [write-boundary]\nwritePolicy: one-writer\n")
			r := f.runner(func(o *run.Options) {
				o.HostKind = host.KindExec
				o.PassEnv = []string{"COCODER_DEMO_FAULT"}
			})
			p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder", Route: "solo"})
			require.NoError(t, err)
			st, err := r.Start(t.Context(), p)
			require.NoError(t, err)
			st, err = r.Wait(t.Context(), st.RunID, run.WaitOptions{Timeout: 3 * time.Second, Poll: 100 * time.Millisecond})
			require.NoError(t, err)
			ls := st.Lanes["writer"]
			assert.Equal(t, tc.state, ls.State)
			assert.Equal(t, tc.source, ls.Source)
			assert.Contains(t, ls.Reason, tc.reason)
			assert.Equal(t, contract.StateBlocked, st.State)
			assert.Contains(t, st.Reason, "writer")
			if tc.fault == "exit-nonzero" {
				require.NotNil(t, ls.ExitCode)
				assert.Equal(t, 3, *ls.ExitCode)
			}
			require.NoError(t, r.Stop(t.Context(), st.RunID))
		})
	}
}

func TestSendAndStopWhileRunning(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.self = testkit.Self(t)
	f.killServer()
	f.env["COCODER_DEMO_FAULT"] = "hang"
	r := f.runner(func(o *run.Options) { o.PassEnv = []string{"COCODER_DEMO_FAULT"} })
	ctx := t.Context()
	p, err := r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	st, err := r.Start(ctx, p)
	require.NoError(t, err)
	id := st.RunID

	assert.Equal(t, errs.Invalid, errs.CodeOf(r.Send(ctx, id, "writer", "  ")))
	assert.Equal(t, errs.NotFound, errs.CodeOf(r.Send(ctx, id, "nobody", "hi")))
	// The hanging demo agent shows no prompt any more, so a follow-up is
	// not taken: Send says so and records nothing.
	before, _, err := ledger.ReadEvents(mustDir(t, r, id))
	require.NoError(t, err)
	err = r.Send(ctx, id, "lead", "status please")
	assert.Equal(t, errs.Unavailable, errs.CodeOf(err), "%v", err)
	after, _, err := ledger.ReadEvents(mustDir(t, r, id))
	require.NoError(t, err)
	assert.Len(t, after, len(before))

	text, live, err := r.Transcript(ctx, id, "lead")
	require.NoError(t, err)
	assert.True(t, live)
	assert.Contains(t, text, "demo: working")

	require.NoError(t, r.Stop(ctx, id))
	st, err = r.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, contract.StateAborted, st.State)
	assert.Equal(t, contract.LaneKilled, st.Lanes["lead"].State)
	for _, name := range []string{"writer", "verifier"} {
		assert.Equal(t, contract.LanePlanned, st.Lanes[name].State, "the hanging lead never dispatched %s", name)
	}
	err = r.Send(ctx, id, "lead", "hello")
	assert.Equal(t, errs.Conflict, errs.CodeOf(err))
	assert.True(t, strings.Contains(err.Error(), "aborted"), err.Error())
	_, err = os.Stat(filepath.Join(mustDir(t, r, id), "lanes", "lead", "transcript.log"))
	assert.NoError(t, err, "stop saves the transcripts")
}

func mustDir(t *testing.T, r *run.Runner, id string) string {
	t.Helper()
	dir, err := r.LedgerDir(t.Context(), id)
	require.NoError(t, err)
	return dir
}

// TestStartTearsDownWhenALaneFails checks that a lane failing to start
// kills the lanes this run already started and fails the run, saying why.
func TestStartTearsDownWhenALaneFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.self = testkit.Self(t)
	f.env["COCODER_DEMO_FAULT"] = "hang"
	// Teammates that start with the lead, so several lanes start at once.
	route := readFile(t, filepath.Join(f.root, "cocoder/routes/default.yaml"))
	f.write("cocoder/routes/parallel.yaml", strings.Replace(route, "id: default", "id: parallel\nallowAutonomousTeammateStart: true", 1))
	exec := host.NewExec(host.ExecOptions{})
	r := f.runner(func(o *run.Options) {
		o.Host = testkit.FailingHost{Host: exec, FailLane: "writer"}
		o.PassEnv = []string{"COCODER_DEMO_FAULT"}
	})
	p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder", Route: "parallel"})
	require.NoError(t, err)
	st, err := r.Start(t.Context(), p)
	require.Error(t, err)
	assert.Equal(t, errs.Unavailable, errs.CodeOf(err))
	assert.Contains(t, err.Error(), "lane writer cannot start")
	assert.Equal(t, contract.StateFailed, st.State)
	assert.Contains(t, st.Reason, "lane writer did not start")
	assert.Equal(t, contract.LaneKilled, st.Lanes["lead"].State)
	assert.Equal(t, contract.LaneFailed, st.Lanes["writer"].State)
	assert.Equal(t, contract.LanePlanned, st.Lanes["verifier"].State)
	alive, err := exec.Alive(t.Context(), *st.Lanes["lead"].Handle)
	require.NoError(t, err)
	assert.False(t, alive, "the lead was killed")

	// The failed run holds no lock and blocks no new run.
	_, err = f.runner().Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	assert.NoError(t, err)
}

// TestSecretsStayOutOfTheLedger gives a lane a secret through a reference:
// the lane receives the value, the plan and ledger hold only the reference,
// and the lane's transcript has the value masked.
func TestSecretsStayOutOfTheLedger(t *testing.T) {
	t.Parallel()
	const canary = "canary-7f3a9c2e5b1d4086"
	f := newFixture(t)
	f.env["COCODER_CANARY"] = canary
	f.canaryWorkspace(`echo "token=$CANARY_TOKEN"; echo "prompt file $1"`, "${env:COCODER_CANARY}")
	r := f.runner(func(o *run.Options) { o.HostKind = host.KindExec })
	p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err)
	writer, _ := p.Lane("writer")
	assert.Equal(t, map[string]string{"CANARY_TOKEN": "${env:COCODER_CANARY}"}, writer.Secrets)
	assert.Contains(t, writer.Env, "CANARY_TOKEN")
	st, err := r.Start(t.Context(), p)
	require.NoError(t, err)
	writer, _ = p.Lane("writer") // Start placed the ledger under the new workspace id
	st, err = r.Wait(t.Context(), st.RunID, run.WaitOptions{Timeout: 20 * time.Second, Poll: 100 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, contract.LaneExited, st.Lanes["writer"].State, "the script writes no result")

	dir := mustDir(t, r, st.RunID)
	transcript := readFile(t, filepath.Join(dir, "lanes", "writer", "transcript.log"))
	assert.Contains(t, transcript, "token=[redacted]", "the lane got the value, the transcript masks it")
	assert.Contains(t, transcript, "prompt file "+writer.PromptFile)
	require.NoError(t, filepath.WalkDir(f.home.Dir(), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		assert.NotContains(t, readFile(t, path), canary, "secret value in %s", path)
		return nil
	}))
	assert.Contains(t, readFile(t, filepath.Join(dir, "plan.json")), "${env:COCODER_CANARY}")
	require.NoError(t, r.Stop(t.Context(), st.RunID))
}

// TestSecretsMaskedByAnotherProcess: a Runner that did not start a run
// (another process: `run logs`, `run stop`) still masks the run's secrets
// in what it shows and saves, by resolving the references the frozen
// plan names.
func TestSecretsMaskedByAnotherProcess(t *testing.T) {
	t.Parallel()
	const canary = "canary-1e9d77b04c2a5f38"
	f := newFixture(t)
	f.killServer()
	store, err := f.home.Secrets()
	require.NoError(t, err)
	require.NoError(t, store.Set("canary", []byte(canary)))
	f.link("sleep")
	f.canaryWorkspace(`echo "token=$CANARY_TOKEN"; sleep 60`, "${secret:canary}")
	starter := f.runner()
	p, err := starter.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err)
	st, err := starter.Start(t.Context(), p)
	require.NoError(t, err)
	require.NoError(t, starter.Close())

	other := f.runner() // knows no secret value yet
	var text string
	var live bool
	testkit.WaitFor(t, 10*time.Second, "the lane to print its token", func() bool {
		text, live, err = other.Transcript(t.Context(), st.RunID, "writer")
		return err == nil && strings.Contains(text, "token=")
	})
	assert.True(t, live, "the pane's own scrollback was read")
	assert.Contains(t, text, "token=[redacted]")
	assert.NotContains(t, text, canary)

	require.NoError(t, other.Stop(t.Context(), st.RunID))
	dir := mustDir(t, other, st.RunID)
	saved := readFile(t, filepath.Join(dir, "lanes", "writer", "transcript.log"))
	assert.Contains(t, saved, "token=[redacted]", "the transcript saved at the stop is masked")
	require.NoError(t, filepath.WalkDir(f.home.Dir(), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path, store.Dir()) {
			return err
		}
		assert.NotContains(t, readFile(t, path), canary, "secret value in %s", path)
		return nil
	}))
}

// canaryWorkspace gives the fixture's workspace a one-lane route ("solo")
// and profile ("canary") whose writer runs script through an adapter that
// declares one secret, CANARY_TOKEN, taken from the reference ref.
func (f *fixture) canaryWorkspace(script, ref string) {
	f.script("canary-agent", script)
	f.write("cocoder/adapters/canary.yaml", scriptAdapter("canary", "canary-agent", "CANARY_TOKEN"))
	f.write("cocoder/profiles/canary.yaml", "id: canary\nlabel: Canary\nlanes:\n  writer:\n    persona: writer\n    adapter: canary\n    canWrite: true\n    writeBoundary: [src/**]\n")
	f.write("cocoder/routes/solo.yaml", "id: solo\nlabel: Writer alone\nlead: writer\nteammates: []\nlanes: [writer]\ngates: [write-boundary]\nwritePolicy: one-writer\n")
	f.write("cocoder/config.yaml", "secrets:\n  CANARY_TOKEN: "+ref+"\n")
	require.NoError(f.t, f.home.Grant(f.t.Context(), f.root, ref), "the user lets this workspace's config send it")
}

// TestResultFilesRedactedAtIngest: a lane that writes a secret value into
// its result and summary gets them accepted, and what the ledger keeps of
// both files is masked.
func TestResultFilesRedactedAtIngest(t *testing.T) {
	t.Parallel()
	const canary = "canary-4b8e1f2a9d3c7065"
	f := newFixture(t)
	f.link("cat", "dirname")
	f.env["COCODER_CANARY"] = canary
	f.canaryWorkspace(`d=$(dirname "$COCODER_RESULT_FILE"); echo "I saw $CANARY_TOKEN" > "$d/result.md"
cat > "$COCODER_RESULT_FILE" <<END
{"status": "PASS", "runId": "$COCODER_RUN_ID", "lane": "writer", "persona": "writer", "adapter": "canary", "canWrite": true,
 "filesChanged": ["none"], "summary": "the token is $CANARY_TOKEN", "findings": [], "evidence": ["looked"], "residualRisk": [], "nextAction": "none"}
END`, "${env:COCODER_CANARY}")
	r := f.runner(func(o *run.Options) { o.HostKind = host.KindExec })
	p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err)
	st, err := r.Start(t.Context(), p)
	require.NoError(t, err)
	st, err = r.Wait(t.Context(), st.RunID, run.WaitOptions{Timeout: 20 * time.Second, Poll: 100 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, "PASS", st.Lanes["writer"].Result)
	dir := mustDir(t, r, st.RunID)
	for _, name := range []string{"result.json", "result.md"} {
		text := readFile(t, filepath.Join(dir, "lanes", "writer", name))
		assert.NotContains(t, text, canary, name)
		assert.Contains(t, text, "[redacted]", name)
	}
	require.NoError(t, r.Stop(t.Context(), st.RunID))
}
