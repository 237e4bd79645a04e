package run_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

// runToEnd plans and starts the try-cocoder priority on the exec host with
// the demo agent (faults from fault, "" for none) and waits for its end.
func (f *fixture) runToEnd(t *testing.T, fault string, req run.PlanRequest) (contract.RunStatus, string) {
	t.Helper()
	f.self = testkit.Self(t)
	f.env["COCODER_DEMO_FAULT"] = fault
	r := f.runner(func(o *run.Options) {
		o.HostKind = host.KindExec
		o.PassEnv = []string{"COCODER_DEMO_FAULT"}
	})
	if req.Priority == "" {
		req.Priority = "try-cocoder"
	}
	p, err := r.Plan(t.Context(), req)
	require.NoError(t, err, "%v", p)
	st, err := r.Start(t.Context(), p)
	require.NoError(t, err)
	st, err = r.Wait(t.Context(), st.RunID, run.WaitOptions{Timeout: time.Minute, Poll: 100 * time.Millisecond})
	require.NoError(t, err)
	return st, mustDir(t, r, st.RunID)
}

// payloads returns the typed data of every event of type typ.
func payloads[T any](t *testing.T, dir, typ string) (out []T, lanes []string) {
	t.Helper()
	evs, _, err := ledger.ReadEvents(dir)
	require.NoError(t, err)
	for _, ev := range evs {
		if ev.Type != typ {
			continue
		}
		var v T
		require.NoError(t, ledger.DecodeData(ev, &v))
		out, lanes = append(out, v), append(lanes, ev.Lane)
	}
	return out, lanes
}

func closeout(t *testing.T, dir string) ledger.CloseoutData {
	t.Helper()
	var c ledger.CloseoutData
	b, err := os.ReadFile(filepath.Join(dir, ledger.CloseoutFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &c))
	return c
}

// TestOutOfScopeWritesAreRefused: every demo lane also edits a file
// outside its scope. The writer's stray file is refused (never committed,
// the ledger says why); the lead, which may not write, changed it while it
// worked alone and fails; nothing is committed and the run is blocked with
// both reasons. The stray edit stays in the work tree.
func TestOutOfScopeWritesAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	head := gitCmd(t, f.root, "rev-parse", "HEAD")
	st, dir := f.runToEnd(t, "out-of-scope", run.PlanRequest{})
	assert.Equal(t, contract.StateBlocked, st.State, st.Reason)
	assert.Contains(t, st.Reason, "outside the write scope of writer")
	assert.Contains(t, st.Reason, "lane lead may not write")
	assert.Equal(t, head, gitCmd(t, f.root, "rev-parse", "HEAD"), "nothing is committed")

	gates, lanes := payloads[ledger.ScopeData](t, dir, ledger.EventGateScope)
	var lead ledger.ScopeData
	for i, g := range gates {
		if lanes[i] == "lead" {
			lead = g
		}
	}
	assert.True(t, lead.ReadOnlyViolation, "the read-only lead changed a file: %+v", gates)
	c := closeout(t, dir)
	require.NotEmpty(t, c.Refused)
	stray := c.Refused[0].Path
	assert.NotContains(t, stray, "demo-notes", "the in-scope file is not the refused one")
	assert.Contains(t, c.Uncommitted, stray, "the stray edit is left in the work tree, not deleted")
	assert.Empty(t, c.Commits)
}

// TestVerifyFailureBlocksTheCommit: the route's verify command fails, so
// nothing is committed, the run is blocked, and the command's exit code,
// duration and output tail are in the ledger.
func TestVerifyFailureBlocksTheCommit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	route := readFile(t, filepath.Join(f.root, "cocoder/routes/default.yaml"))
	route = strings.Replace(route, "command: [git, diff, --check]", `command: [sh, -c, "echo checking; echo the-verify-tail >&2; exit 7"]`, 1)
	f.write("cocoder/routes/default.yaml", route)
	gitCmd(t, f.root, "commit", "-qam", "verify fails")
	head := gitCmd(t, f.root, "rev-parse", "HEAD")

	st, dir := f.runToEnd(t, "", run.PlanRequest{})
	assert.Equal(t, contract.StateBlocked, st.State)
	assert.Contains(t, st.Reason, "verify command")
	assert.Equal(t, head, gitCmd(t, f.root, "rev-parse", "HEAD"), "nothing is committed")
	v, _ := payloads[ledger.VerifyData](t, dir, ledger.EventGateVerify)
	require.Len(t, v, 1)
	assert.False(t, v[0].Passed)
	assert.Equal(t, 7, v[0].ExitCode)
	assert.Contains(t, v[0].OutputTail, "the-verify-tail")
	assert.Contains(t, closeout(t, dir).Uncommitted, "cocoder/memory/demo-notes.md", "the writer's change waits in the tree")
}

// TestMalformedResultIsALaneStatus: a result that does not parse is a
// ledger event and the lane's status says why, at once; the run ends
// blocked, never crashing.
func TestMalformedResultIsALaneStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st, dir := f.runToEnd(t, "malformed-result", run.PlanRequest{})
	assert.Equal(t, contract.StateBlocked, st.State)
	refused, lanes := payloads[ledger.ReasonData](t, dir, ledger.EventLaneResultRefused)
	require.NotEmpty(t, refused)
	assert.Equal(t, "lead", lanes[0])
	assert.Contains(t, st.Lanes["lead"].Reason, "its result was refused")
	assert.Contains(t, st.Reason, "lane lead ended without an accepted result")
}

// TestUnrelatedStagedFileRefusesTheCommit: a file staged by hand before
// the run makes the engine refuse its commit (it stages exactly the
// accepted files and commits nothing else), and leaves unrelated unstaged
// work byte for byte as it was.
func TestUnrelatedStagedFileRefusesTheCommit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.write("staged.txt", "staged by hand\n")
	gitCmd(t, f.root, "add", "staged.txt")
	f.write("cocoder/AGENTS.md", readFile(t, filepath.Join(f.root, "cocoder/AGENTS.md"))+"\nunstaged edit\x00\xff\n")
	before := readFile(t, filepath.Join(f.root, "cocoder/AGENTS.md"))
	head := gitCmd(t, f.root, "rev-parse", "HEAD")

	st, dir := f.runToEnd(t, "", run.PlanRequest{})
	assert.Equal(t, contract.StateBlocked, st.State)
	assert.Contains(t, st.Reason, "staged.txt")
	assert.Equal(t, head, gitCmd(t, f.root, "rev-parse", "HEAD"))
	assert.Equal(t, "staged.txt\n", gitCmd(t, f.root, "diff", "--cached", "--name-only"), "the user's staged file stays staged")
	assert.Equal(t, before, readFile(t, filepath.Join(f.root, "cocoder/AGENTS.md")), "unrelated unstaged work is untouched")
	refused, _ := payloads[ledger.CommitData](t, dir, ledger.EventCommitRefused)
	require.Len(t, refused, 1)
	assert.Equal(t, []string{"cocoder/memory/demo-notes.md"}, refused[0].Files)
}

// TestOneWriterPerWorkspace: while a run that can write is active, a
// second writing run in the same workspace, for another priority, is
// refused with the holder's id; a dirty writer scope is refused too.
func TestOneWriterPerWorkspace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.self = testkit.Self(t)
	f.env["COCODER_DEMO_FAULT"] = "hang"
	f.write("cocoder/PRIORITIES.md", readFile(t, filepath.Join(f.root, "cocoder/PRIORITIES.md"))+"\n## Second thing [second]\n\n**Status:** active\n\n**Files:** `docs/second.md`\n")
	gitCmd(t, f.root, "commit", "-qam", "a second priority")
	r := f.runner(func(o *run.Options) {
		o.HostKind = host.KindExec
		o.PassEnv = []string{"COCODER_DEMO_FAULT"}
	})
	p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	first, err := r.Start(t.Context(), p)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Stop(t.Context(), first.RunID) })

	other := f.runner()
	_, err = other.Plan(t.Context(), run.PlanRequest{Priority: "second"})
	pe, ok := err.(*run.PreflightError)
	require.True(t, ok, "want a preflight error, got %v", err)
	assert.Contains(t, pe.Error(), first.RunID, "the refusal names the run holding the workspace")
	assert.Contains(t, pe.Error(), "one run writes to a workspace at a time")

	require.NoError(t, r.Stop(t.Context(), first.RunID))
	f.write("docs/draft.md", "work in progress\n")
	_, err = other.Plan(t.Context(), run.PlanRequest{Priority: "second"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scope-dirty")
	assert.Contains(t, err.Error(), "docs/draft.md")
	_, err = other.Plan(t.Context(), run.PlanRequest{Priority: "second", AllowDirty: true})
	assert.NoError(t, err, "--allow-dirty makes it a warning")
}

// TestLeadRescueSupersedes: the verifier reports BLOCK with a finding;
// the route lets the lead rescue it, and the lead's PASS addresses that
// finding word for word, so an immutable supersession record resolves the
// verifier's BLOCK and the run completes with the writer's commit.
func TestLeadRescueSupersedes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.self = testkit.Self(t)
	f.link("dirname", "mkdir", "cat", "sleep")
	route := readFile(t, filepath.Join(f.root, "cocoder/routes/default.yaml"))
	f.write("cocoder/routes/default.yaml", route+"leadRescue:\n  allowed: true\n  leads: [lead]\n  superseded: [verifier]\n")
	// The verifier is a script: it reports BLOCK with one finding.
	f.script("verifier-agent", `cat > "$COCODER_RESULT_FILE" <<EOF
{"status": "BLOCK", "runId": "$COCODER_RUN_ID", "lane": "verifier", "persona": "verifier", "adapter": "verifier-script", "canWrite": false,
 "filesChanged": ["none"], "summary": "blocked", "findings": ["the note lacks a date"], "evidence": [], "residualRisk": [], "nextAction": "add a date"}
EOF`)
	// The lead dispatches both, waits for the verifier's result, then
	// passes, addressing its finding.
	f.script("lead-agent", `d=$(dirname "$COCODER_RESULT_FILE")/dispatch; mkdir -p "$d"
echo '{"lane": "writer", "brief": "write"}' > "$d/writer.json"
echo '{"lane": "verifier", "brief": "verify", "after": ["writer"]}' > "$d/verifier.json"
v=$(dirname "$(dirname "$COCODER_RESULT_FILE")")/verifier/result.json
while [ ! -s "$v" ]; do sleep 0.1; done
cat > "$COCODER_RESULT_FILE" <<EOF
{"status": "PASS", "runId": "$COCODER_RUN_ID", "lane": "lead", "persona": "lead", "adapter": "lead-script", "canWrite": false,
 "filesChanged": ["none"], "summary": "the date is not required", "findings": [], "evidence": ["read the priority: no date asked"],
 "residualRisk": [], "nextAction": "none", "addresses": ["the note lacks a date"]}
EOF`)
	for _, name := range []string{"lead", "verifier"} {
		f.write("cocoder/adapters/"+name+"-script.yaml", scriptAdapter(name+"-script", name+"-agent"))
	}
	f.write("cocoder/profiles/rescue.yaml", "id: rescue\nlabel: Rescue\nlanes:\n  lead: {persona: lead, adapter: lead-script, canWrite: false}\n"+
		"  writer: {persona: writer, adapter: demo, canWrite: true, writeBoundary: [cocoder/memory/**]}\n  verifier: {persona: verifier, adapter: verifier-script, canWrite: false}\n")
	gitCmd(t, f.root, "add", "-A")
	gitCmd(t, f.root, "commit", "-qm", "lead rescue")

	st, dir := f.runToEnd(t, "", run.PlanRequest{Profile: "rescue"})
	assert.Equal(t, contract.StateComplete, st.State, st.Reason)
	assert.Equal(t, "BLOCK", st.Lanes["verifier"].Result)
	sup, lanes := payloads[ledger.SupersededData](t, dir, ledger.EventLaneSuperseded)
	require.Len(t, sup, 1)
	assert.Equal(t, "verifier", lanes[0])
	assert.Equal(t, []string{"the note lacks a date"}, sup[0].FindingsAddressed)
	rec, err := contract.Load[contract.Supersession](filepath.Join(dir, sup[0].Record))
	require.NoError(t, err, "the record is a valid supersession")
	assert.Equal(t, "lead", rec.ResolvingLane)
	assert.Equal(t, "route-policy", rec.AuthorizationBasis)
	assert.Contains(t, gitCmd(t, f.root, "log", "-1", "--format=%(trailers)"), "Cocoder-Lane: writer")
	assert.Contains(t, closeout(t, dir).Lanes["verifier"], "superseded by")
}

// scriptAdapter declares a lane program found in PATH as command, given
// its prompt file, that may run read-only or write, and receives the
// variables env names.
func scriptAdapter(id, command string, env ...string) string {
	envLine := ""
	if len(env) > 0 {
		envLine = "env: [" + strings.Join(env, ", ") + "]\n"
	}
	return `id: ` + id + `
label: A scripted lane
kind: command
command: ` + command + `
args: ["{promptFile}"]
promptDelivery: file
` + envLine + `availabilityCheck: {commandExists: ` + command + `}
capabilities: {interactive: false, initialPrompt: true, stdinDispatch: false, resultFile: true, transcriptCapture: true, streamingDetection: false, screenshots: false, dom: false, console: false, shell: true, fileEdit: true}
writeCapability: bounded
sandboxModes: [read-only, workspace-write]
approvalModes: [never]
resultContract: job-result
evidenceCapabilities: [transcript]
failureModes: [unknown]
`
}

// TestContinuationStartsOneFollowOnRun: a lead's PASS that asks for a
// fresh run of the next priority, once the run is complete and the tree
// clean, starts exactly that run; one that needs a founder is recorded and
// not taken.
func TestContinuationStartsOneFollowOnRun(t *testing.T) {
	for _, founder := range []bool{false, true} {
		t.Run(map[bool]string{false: "Taken", true: "NeedsFounder"}[founder], func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.self = testkit.Self(t)
			f.link("dirname", "cat")
			f.write("cocoder/PRIORITIES.md", readFile(t, filepath.Join(f.root, "cocoder/PRIORITIES.md"))+"\n## Next step [next-step]\n\n**Status:** active\n")
			req := "false"
			if founder {
				req = "true"
			}
			f.script("lead-agent", `cat > "$COCODER_RESULT_FILE" <<END
{"status": "PASS", "runId": "$COCODER_RUN_ID", "lane": "lead", "persona": "lead", "adapter": "lead-script", "canWrite": false,
 "filesChanged": ["none"], "summary": "done", "findings": [], "evidence": ["planned"], "residualRisk": [], "nextAction": "next step",
 "continuation": {"action": "launch-fresh-run", "prioritySlug": "next-step", "routeId": "solo-lead", "nextAtom": "A2", "reason": "the next step", "requiresFounder": `+req+`}}
END`)
			f.write("cocoder/adapters/lead-script.yaml", scriptAdapter("lead-script", "lead-agent"))
			f.write("cocoder/profiles/solo-lead.yaml", "id: solo-lead\nlabel: Lead alone\nlanes:\n  lead: {persona: lead, adapter: lead-script, canWrite: false}\n")
			f.write("cocoder/routes/solo-lead.yaml", "id: solo-lead\nlabel: Lead alone\nlead: lead\nteammates: []\nlanes: [lead]\ngates: [startup-packet]\nwritePolicy: read-only\n")
			gitCmd(t, f.root, "add", "-A")
			gitCmd(t, f.root, "commit", "-qm", "continuation")

			st, dir := f.runToEnd(t, "", run.PlanRequest{Profile: "solo-lead", Route: "solo-lead"})
			require.Equal(t, contract.StateComplete, st.State, st.Reason)
			c, _ := payloads[ledger.ContinuationData](t, dir, ledger.EventRunContinuation)
			require.Len(t, c, 1)
			assert.Equal(t, "next-step", c[0].Request.PrioritySlug)
			runs, err := f.runner().List(t.Context())
			require.NoError(t, err)
			if founder {
				assert.False(t, c[0].Taken)
				assert.Contains(t, c[0].Reason, "founder")
				assert.Len(t, runs, 1, "no follow-on run")
				return
			}
			require.True(t, c[0].Taken, c[0].Reason)
			assert.Len(t, runs, 2)
			next, err := f.runner().Get(t.Context(), c[0].NextRunID)
			require.NoError(t, err)
			assert.Equal(t, "next-step", next.Priority)
			require.NoError(t, f.runner().Stop(t.Context(), next.RunID))
		})
	}
}
