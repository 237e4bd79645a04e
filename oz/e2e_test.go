package oz_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/oz"
)

// wantLaneState is the state every lane reaches in the end-to-end run,
// and wantRunState the run's own final state.
const (
	wantLaneState = contract.LaneDone
	wantRunState  = contract.StateComplete
)

// allDone reports whether st is in wantRunState with every lane in
// wantLaneState.
func allDone(st contract.RunStatus) bool {
	if len(st.Lanes) == 0 || st.State != wantRunState {
		return false
	}
	for _, ls := range st.Lanes {
		if ls.State != wantLaneState {
			return false
		}
	}
	return true
}

// TestEndToEnd registers a workspace, launches a run of the demo agent
// over HTTP, follows it over SSE until it is complete (every lane with its
// result, the engine's commit made), reads the results and the receipt, resumes a stream from Last-Event-ID, stops
// the run and shuts the server down cleanly.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	c := e.srv.Client
	wsID := e.register()

	plan, err := c.Plan(ctx, oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder"})
	require.NoError(t, err)
	require.False(t, plan.Blocking(), "%v", plan.Issues)
	st, err := c.Launch(ctx, oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder"})
	require.NoError(t, err)
	require.NotEmpty(t, st.RunID)

	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	frames, err := c.Stream(sctx, st.RunID, 0, true)
	require.NoError(t, err)
	var last contract.RunStatus
	var seqs []int64
	kinds := map[string]int{}
	for f := range frames {
		kinds[f.Kind]++
		switch f.Kind {
		case oz.FrameEvent:
			var ev oz.StreamEvent
			require.NoError(t, json.Unmarshal(f.Data, &ev))
			assert.Equal(t, f.ID, ev.Seq)
			assert.Equal(t, st.RunID, ev.RunID)
			seqs = append(seqs, ev.Seq)
		case oz.FrameStatus:
			require.NoError(t, json.Unmarshal(f.Data, &last))
			for lane, ls := range last.Lanes {
				assert.NotEmpty(t, ls.Source, "lane %s has no source", lane)
			}
		}
		if allDone(last) {
			break
		}
	}
	require.True(t, allDone(last), "the stream ended before the run was %s with every lane %s: %s %+v", wantRunState, wantLaneState, last.State, last.Lanes)
	cancel()
	assert.Len(t, last.Lanes, 3)
	for i, s := range seqs {
		require.Equal(t, int64(i+1), s, "event seqs are contiguous from 1")
	}
	assert.Positive(t, kinds[oz.FrameStatus])

	results, err := c.Results(ctx, st.RunID)
	require.NoError(t, err)
	require.Len(t, results, 3)
	for _, r := range results {
		var jr contract.JobResult
		require.NoError(t, json.Unmarshal(r.Result, &jr), r.Lane)
		assert.Equal(t, contract.StatusPass, jr.Status, r.Lane)
	}
	receipts, err := c.Receipts(ctx, st.RunID)
	require.NoError(t, err)
	require.NotEmpty(t, receipts, "the engine's commit receipt")
	r := e.call("GET", "/api/v1/runs/"+st.RunID+"/receipts/"+receipts[0].Name, nil, true)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.True(t, json.Valid([]byte(r.body)), r.body)
	lanes, err := c.Lanes(ctx, st.RunID)
	require.NoError(t, err)
	assert.Equal(t, "lead", lanes[0].Lane, "plan order")
	require.NotNil(t, lanes[0].Plan)

	// Resume from Last-Event-ID: the next event is the one after it.
	n := int64(len(seqs))
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	again, err := c.Stream(rctx, st.RunID, n-2, false)
	require.NoError(t, err)
	var got []int64
	for f := range again {
		if f.Kind == oz.FrameEvent {
			got = append(got, f.ID)
		}
		if f.Kind == oz.FrameStatus {
			break
		}
	}
	rcancel()
	require.GreaterOrEqual(t, len(got), 2)
	for i, s := range got {
		assert.Equal(t, n-1+int64(i), s, "resumed right after Last-Event-ID, contiguous")
	}

	stopped, err := c.Stop(ctx, st.RunID)
	require.NoError(t, err)
	assert.Equal(t, wantRunState, stopped.State, "stopping a finished run changes nothing")
	actions := []string{}
	for _, a := range e.auditLines() {
		actions = append(actions, a.Action)
	}
	assert.Equal(t, []string{"workspace.register", "run.launch", "run.stop"}, actions)

	sdctx, sdcancel := context.WithTimeout(ctx, 10*time.Second)
	defer sdcancel()
	require.NoError(t, e.srv.Shutdown(sdctx))
	require.NoError(t, e.srv.Shutdown(sdctx), "Shutdown is idempotent")
	_, err = c.Health(ctx)
	assert.Error(t, err, "the server is down")
}

// canaryWorkspace gives the workspace a one-lane route "solo" and profile
// "canary" whose writer runs script through an adapter that declares one
// secret, CANARY_TOKEN, from the reference ref; the config also maps
// OTHER_SECRET, which the adapter does not declare.
func (e *env) canaryWorkspace(script, ref string) {
	e.t.Helper()
	require.NoError(e.t, os.WriteFile(filepath.Join(e.bin, "canary-agent"), []byte("#!/bin/sh\n"+script+"\n"), 0o755))
	e.write("cocoder/adapters/canary.yaml", scriptAdapter("canary", "canary-agent", false, "env: [CANARY_TOKEN]\n"))
	e.write("cocoder/profiles/canary.yaml", "id: canary\nlabel: Canary\nlanes:\n  writer:\n    persona: writer\n    adapter: canary\n    canWrite: true\n    writeBoundary: [src/**]\n")
	e.write("cocoder/routes/solo.yaml", "id: solo\nlabel: Writer alone\nlead: writer\nteammates: []\nlanes: [writer]\ngates: [write-boundary]\nwritePolicy: one-writer\n")
	e.write("cocoder/config.yaml", "secrets:\n  CANARY_TOKEN: "+ref+"\n  OTHER_SECRET: ${secret:other}\n")
	// The user lets this workspace's own config send them to its lanes.
	require.NoError(e.t, e.home.Grant(context.Background(), e.root, ref, "${secret:other}"))
}

const canary = "canary-5f1e0c9a7d3b2e48"

// TestCanaryNeverLeaves plants a secret that a lane prints, and checks it
// appears 0 times in every response, stream frame, log line, audit line
// and ledger file (cases 29, 31 and 32 together; see also their own
// tests).
func TestCanaryNeverLeaves(t *testing.T) {
	e := newEnv(t)
	e.link("sleep", "env")
	store, err := e.home.Secrets()
	require.NoError(t, err)
	require.NoError(t, store.Set("canary", []byte(canary)))
	require.NoError(t, store.Set("other", []byte("other-secret-9d8c7b6a")))
	dump := filepath.Join(t.TempDir(), "env")
	e.canaryWorkspace(`env > `+dump+`; echo "token=$CANARY_TOKEN"; echo "quoted=\"$CANARY_TOKEN\""; sleep 60`, "${secret:canary}")
	ctx := t.Context()
	c := e.srv.Client
	wsID := e.register()

	var seen strings.Builder
	st, err := c.Launch(ctx, oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err, "%v", err)
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	frames, err := c.Stream(sctx, st.RunID, 0, true)
	require.NoError(t, err)
	printed := false
	for f := range frames {
		seen.Write(f.Data)
		if f.Kind == oz.FrameOutput && strings.Contains(string(f.Data), "token=") {
			printed = true
			assert.Contains(t, string(f.Data), "token=[redacted]")
			break
		}
	}
	require.True(t, printed, "the lane's output never arrived")
	cancel()

	for _, p := range []string{
		"/api/v1/runs/" + st.RunID, "/api/v1/runs/" + st.RunID + "/lanes", "/api/v1/runs/" + st.RunID + "/events",
		"/api/v1/runs/" + st.RunID + "/lanes/writer/output", "/api/v1/runs/" + st.RunID + "/results",
		"/api/v1/settings?workspace=" + wsID, "/api/v1/workspaces", "/api/v1/audit", "/api/v1/runs", "/api/v1/adapters?workspace=" + wsID,
		"/api/v1/runs/" + st.RunID + "/lanes/nope/output", "/api/v1/runs/" + st.RunID + "/diff",
	} {
		r := e.call("GET", p, nil, true)
		seen.WriteString(r.body)
	}
	out := e.call("GET", "/api/v1/runs/"+st.RunID+"/lanes/writer/output", nil, true)
	assert.Contains(t, out.body, "token=[redacted]")
	assert.Contains(t, out.body, `quoted=\"[redacted]\"`)
	// A failing request that echoes input does not echo the secret.
	r := e.call("POST", "/api/v1/runs/"+st.RunID+"/lanes/writer/send", jsonBody(t, map[string]string{"text": canary, "x": canary}), true)
	seen.WriteString(r.body)
	_, err = c.Stop(ctx, st.RunID)
	require.NoError(t, err)

	envDump, err := os.ReadFile(dump)
	require.NoError(t, err)
	assert.Contains(t, string(envDump), "CANARY_TOKEN="+canary, "the lane got its declared secret")
	assert.NotContains(t, string(envDump), "other-secret-9d8c7b6a", "case 29: an undeclared secret reached the lane")
	assert.NotContains(t, string(envDump), "OTHER_SECRET")
	assert.NotContains(t, string(envDump), e.srv.Token.Reveal(), "case 29: the Oz token reached the lane")

	assert.Zero(t, strings.Count(seen.String(), canary), "responses and frames")
	assert.Zero(t, strings.Count(seen.String(), e.srv.Token.Reveal()), "the token in responses")
	assert.Zero(t, strings.Count(e.logs.String(), canary), "log")
	audit, err := os.ReadFile(filepath.Join(e.home.OzDir(), oz.AuditFile))
	require.NoError(t, err)
	assert.Zero(t, strings.Count(string(audit), canary), "audit")
	require.NoError(t, filepath.WalkDir(e.home.Dir(), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, store.Dir()) {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil {
			assert.NotContains(t, string(b), canary, "case 32: secret value in %s", p)
		}
		return nil
	}))
}

// scriptAdapter is the declaration of a test adapter that runs command
// with the lane's prompt file, with extra declaration lines.
func scriptAdapter(id, command string, interactive bool, extra string) string {
	return fmt.Sprintf(`id: %[1]s
label: Test agent %[1]s
kind: command
command: %[2]s
args: ["{promptFile}"]
promptDelivery: file
%[4]savailabilityCheck: {commandExists: %[2]s}
capabilities: {interactive: %[3]t, initialPrompt: true, stdinDispatch: false, resultFile: true, transcriptCapture: true, streamingDetection: false, screenshots: false, dom: false, console: false, shell: true, fileEdit: true}
writeCapability: bounded
sandboxModes: [read-only, workspace-write]
approvalModes: [never]
resultContract: job-result
evidenceCapabilities: [transcript]
failureModes: [unknown]
`, id, command, interactive, extra)
}
