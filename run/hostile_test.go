package run_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/workspace"
)

// canary is a value that must never reach a prompt, packet, plan or
// ledger when a repository links to the file holding it.
const canary = "CANARY-c0c0der-outside-file-7Qx2"

// TestPlanRefusesGovernanceLinkedOut: a governance file or directory of a
// workspace that is a symlink leading out of it (the red-team's
// SESSION_LOG.md -> /proc/self/environ, a linked PRIORITIES.md, a linked
// prompts/ directory...) or a FIFO blocks the plan with an issue naming the
// file, the plan returns at once (a FIFO is never opened), and the linked
// file's text appears nowhere in the plan, its prompts or its packet.
func TestPlanRefusesGovernanceLinkedOut(t *testing.T) {
	outside := t.TempDir()
	canaryFile := filepath.Join(outside, "canary.md")
	require.NoError(t, os.WriteFile(canaryFile, []byte("## 2026-01-01\n"+canary+"\n## Try [try-cocoder]\n"+canary+"\n"), 0o644))
	canaryDir := filepath.Join(outside, "dir")
	require.NoError(t, os.MkdirAll(canaryDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(canaryDir, "x.yaml"), []byte(canary+"\n"), 0o644))

	link := func(target string) func(p string) error {
		return func(p string) error { return os.Symlink(target, p) }
	}
	fifo := func(p string) error { return syscall.Mkfifo(p, 0o600) }
	cases := []struct {
		name, rel string
		make      func(p string) error
	}{
		{"SessionLogToEnviron", "cocoder/SESSION_LOG.md", link("/proc/self/environ")},
		{"SessionLogToFile", "cocoder/SESSION_LOG.md", link(canaryFile)},
		{"SessionLogRelative", "cocoder/SESSION_LOG.md", link("../../" + filepath.Base(outside) + "/canary.md")},
		{"SessionLogFIFO", "cocoder/SESSION_LOG.md", fifo},
		{"PrioritiesToFile", "cocoder/PRIORITIES.md", link(canaryFile)},
		{"PrioritiesFIFO", "cocoder/PRIORITIES.md", fifo},
		{"ConfigToFile", "cocoder/config.yaml", link(filepath.Join(canaryDir, "x.yaml"))},
		{"ConfigFIFO", "cocoder/config.yaml", fifo},
		{"ProfilesDir", "cocoder/profiles", link(canaryDir)},
		{"ProfileFIFO", "cocoder/profiles/default.yaml", fifo},
		{"RoutesDir", "cocoder/routes", link(canaryDir)},
		{"BoundariesDir", "cocoder/boundaries", link(canaryDir)},
		{"PersonaToFile", "cocoder/personas/lead.yaml", link(filepath.Join(canaryDir, "x.yaml"))},
		{"PersonaFIFO", "cocoder/personas/lead.yaml", fifo},
		{"AdaptersDir", "cocoder/adapters", link(canaryDir)},
		{"AdapterFIFO", "cocoder/adapters/x.yaml", fifo},
		{"PromptsDir", "cocoder/prompts", link(promptsDir(t, outside))},
		{"FragmentToFile", "cocoder/prompts/shared/rules.md", link(canaryFile)},
		{"ManifestFIFO", "cocoder/prompts/manifest.json", fifo},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			p := filepath.Join(f.root, tc.rel)
			require.NoError(t, os.RemoveAll(p))
			require.NoError(t, tc.make(p))
			done := make(chan struct{})
			var plan *run.Plan
			var err error
			go func() {
				defer close(done)
				plan, err = f.runner().Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Plan blocked on " + tc.rel)
			}
			require.Error(t, err)
			var pe *run.PreflightError
			require.ErrorAs(t, err, &pe)
			require.NotNil(t, plan)
			msgs := ""
			for _, is := range plan.Issues {
				msgs += is.Message + "\n"
			}
			assert.Contains(t, msgs, p, "an issue names the refused file")
			assert.Regexp(t, `leads outside|not a regular file`, msgs)
			out, jerr := json.Marshal(plan)
			require.NoError(t, jerr)
			assert.NotContains(t, string(out), canary)
			assert.NotContains(t, string(out), "PATH=", "no environment was read")
		})
	}
}

// promptsDir writes, under dir, a prompts directory whose every persona
// reads the canary, and returns it.
func promptsDir(t *testing.T, dir string) string {
	p := filepath.Join(dir, "prompts")
	require.NoError(t, os.MkdirAll(p, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(p, "manifest.json"), []byte(`{"personas": {"lead": ["rules.md"], "writer": ["rules.md"], "verifier": ["rules.md"]}}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(p, "rules.md"), []byte(canary), 0o644))
	return p
}

// TestPlanFollowsLinksInsideWorkspace: a symlink that stays inside the
// workspace is fine (a PRIORITIES.md kept elsewhere in the repository).
func TestPlanFollowsLinksInsideWorkspace(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, os.Rename(filepath.Join(f.root, "cocoder/PRIORITIES.md"), filepath.Join(f.root, "ROADMAP.md")))
	require.NoError(t, os.Symlink("../ROADMAP.md", filepath.Join(f.root, "cocoder/PRIORITIES.md")))
	_, err := f.runner().Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	if err != nil {
		assert.NotContains(t, err.Error(), "leads outside")
		assert.False(t, strings.Contains(err.Error(), "priority-missing"), "%v", err)
	}
}

// scriptAdapter declares, in the workspace's cocoder/adapters, an adapter
// "script" that runs the program script-agent (put in PATH with body) with
// the prompt file as its argument and takes ANTHROPIC_API_KEY and
// OPENAI_API_KEY when the configuration maps them, makes every lane of the
// default profile use it, and lets every lane of the default route start
// at launch.
func (f *fixture) scriptAdapter(body string) {
	f.t.Helper()
	f.link("env", "sleep", "touch", "cat")
	f.script("script-agent", body)
	f.write("cocoder/adapters/script.yaml", `id: script
label: Script agent
kind: command
command: script-agent
args: ["{promptFile}"]
promptDelivery: file
env: [ANTHROPIC_API_KEY, OPENAI_API_KEY]
availabilityCheck:
  commandExists: script-agent
capabilities:
  interactive: false
  initialPrompt: true
  stdinDispatch: false
  resultFile: true
  transcriptCapture: true
  streamingDetection: false
  screenshots: false
  dom: false
  console: false
  shell: true
  fileEdit: true
writeCapability: bounded
sandboxModes: [read-only, workspace-write]
approvalModes: [never]
resultContract: job-result
evidenceCapabilities: [transcript]
failureModes: [unknown]
`)
	// Every lane starts at launch, not at the lead's dispatch.
	route := readFile(f.t, filepath.Join(f.root, "cocoder/routes/default.yaml"))
	f.write("cocoder/routes/default.yaml", route+"allowAutonomousTeammateStart: true\n")
	prof := readFile(f.t, filepath.Join(f.root, "cocoder/profiles/default.yaml"))
	prof = strings.NewReplacer("adapter: claude", "adapter: script", "adapter: codex", "adapter: script").Replace(prof)
	f.write("cocoder/profiles/default.yaml", prof)
}

// tmuxTricks is the body of a lane that tries what a prompt-injected agent
// would do to the engine's tmux server through the variables tmux gives a
// pane: point its transcript at another file and run a command through
// the server. It records its environment and what tmux answered in out.
// TMUX_TMPDIR is pointed at an empty directory for the attempts, so that
// nothing here can reach a tmux server of the machine's user.
func tmuxTricks(out, victim string) string {
	return `env > "` + out + `/$COCODER_LANE.env"
export TMUX_TMPDIR="` + out + `/nowhere"
tmux set-option -p @cocoder_transcript "` + victim + `" > "` + out + `/$COCODER_LANE.tmux" 2>&1
tmux run-shell "touch ` + out + `/ran-through-tmux" >> "` + out + `/$COCODER_LANE.tmux" 2>&1
echo lane-up
exec sleep 120`
}

// TestLaneCannotDriveTheEngineTmuxServer: a lane's program is not told
// where the engine's tmux server is (no TMUX, TMUX_PANE, TMUX_TMPDIR), so
// the red-team's tricks through them reach nothing; and even a lane that
// found the server and relabelled its pane (done here by the test, as the
// worst case) cannot make `run stop` write its screen anywhere but the
// ledger: transcript paths come from the ledger, never from pane labels.
func TestLaneCannotDriveTheEngineTmuxServer(t *testing.T) {
	f := newFixture(t)
	f.killServer()
	out := t.TempDir()
	victim := filepath.Join(out, "victim.rc")
	require.NoError(t, os.WriteFile(victim, []byte("original\n"), 0o600))
	f.scriptAdapter(tmuxTricks(out, victim))
	r := f.runner()
	ctx := t.Context()
	p, err := r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	st, err := r.Start(ctx, p)
	require.NoError(t, err)
	lanes := []string{"lead", "writer", "verifier"}
	for _, lane := range lanes {
		testkit.WaitFor(t, 20*time.Second, lane+" to try its tricks", func() bool {
			_, err := os.Stat(filepath.Join(out, lane+".tmux"))
			return err == nil
		})
		env := readFile(t, filepath.Join(out, lane+".env"))
		for _, k := range []string{"TMUX=", "TMUX_PANE=", "TMUX_TMPDIR="} {
			assert.NotContains(t, "\n"+env, "\n"+k, "lane %s is told where the server is", lane)
		}
		assert.Contains(t, env, "COCODER_LANE="+lane)
	}
	assert.NoFileExists(t, filepath.Join(out, "ran-through-tmux"), "a lane ran a command through the engine's server")

	// The worst case: the lane found the socket and relabelled its pane.
	socket := host.SocketForHome(f.home.Dir())
	for _, lane := range lanes {
		h := st.Lanes[lane].Handle
		require.NotNil(t, h)
		for _, opt := range [][2]string{{"@cocoder_transcript", victim}, {"@cocoder_lane", "lead"}} {
			cmd := exec.Command("tmux", "-L", socket, "set-option", "-p", "-t", h.Ref["pane"], opt[0], opt[1])
			b, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", b)
		}
	}
	require.NoError(t, r.Stop(ctx, st.RunID))
	assert.Equal(t, "original\n", readFile(t, victim), "run stop wrote a lane's screen where a pane label pointed")
	hst, err := host.NewTmux(host.TmuxOptions{Socket: socket})
	require.NoError(t, err)
	left, err := hst.List(ctx, st.RunID)
	require.NoError(t, err)
	assert.Empty(t, left, "relabelled panes are killed too")
	for _, lane := range lanes {
		assert.Contains(t, readFile(t, filepath.Join(p.LedgerDir, "lanes", lane, "transcript.log")), "lane-up", "the transcript is saved in the ledger")
	}
}

// TestOutputFailsClosedWithoutTheSecrets: a process that cannot resolve a
// run's ${env:...} secret (another shell, without the variable) refuses
// to show the lanes' output and saves no transcript at the stop, saying
// why, instead of showing or saving the value unmasked (the red-team's D6:
// `run logs` and `run stop` from a shell that lacked the variable).
func TestOutputFailsClosedWithoutTheSecrets(t *testing.T) {
	const secret = "envsecret-0a11bb22cc33dd44"
	f := newFixture(t)
	f.killServer()
	f.link("sleep")
	f.env["MY_ENV_KEY"] = secret
	f.canaryWorkspace(`echo "token=$CANARY_TOKEN"; sleep 60`, "${env:MY_ENV_KEY}")
	starter := f.runner()
	p, err := starter.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err)
	st, err := starter.Start(t.Context(), p)
	require.NoError(t, err)
	testkit.WaitFor(t, 10*time.Second, "the lane to print its token", func() bool {
		text, _, err := starter.Transcript(t.Context(), st.RunID, "writer")
		return err == nil && strings.Contains(text, "token=")
	})
	require.NoError(t, starter.Close())

	delete(f.env, "MY_ENV_KEY") // another shell
	other := f.runner()
	text, _, err := other.Transcript(t.Context(), st.RunID, "writer")
	require.Error(t, err)
	assert.Empty(t, text)
	assert.Contains(t, err.Error(), "MY_ENV_KEY")
	assert.Contains(t, err.Error(), "cannot resolve")
	assert.NotContains(t, err.Error(), secret)

	err = other.Stop(t.Context(), st.RunID)
	require.Error(t, err, "the stop says no transcript was saved")
	assert.Contains(t, err.Error(), "no transcript was saved")
	dir := mustDir(t, other, st.RunID)
	saved := readFile(t, filepath.Join(dir, "lanes", "writer", "transcript.log"))
	assert.Contains(t, saved, "this transcript was not saved")
	require.NoError(t, filepath.WalkDir(f.home.Dir(), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		assert.NotContains(t, readFile(t, path), secret, "secret value in %s", path)
		return nil
	}))
	got, err := other.Get(t.Context(), st.RunID)
	require.NoError(t, err)
	assert.True(t, got.State.Terminal(), "the run is stopped all the same")
}

// TestDamagedLedgerIsListedAndCounted: a run whose events file is damaged
// (a complete bad line) is listed as damaged instead of vanishing, and
// counts as active against maxRuns, with a warning naming it.
func TestDamagedLedgerIsListedAndCounted(t *testing.T) {
	f := newFixture(t)
	f.killServer()
	r := f.runner(func(o *run.Options) { o.HostKind = host.KindExec })
	p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	st, err := r.Start(t.Context(), p)
	require.NoError(t, err)
	require.NoError(t, r.Stop(t.Context(), st.RunID))
	dir := mustDir(t, r, st.RunID)
	ev, err := os.OpenFile(filepath.Join(dir, "events.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = ev.WriteString("{this is not an event}\n")
	require.NoError(t, err)
	require.NoError(t, ev.Close())
	require.NoError(t, os.Remove(filepath.Join(dir, "run.json")))

	list, err := f.runner().List(t.Context())
	require.NoError(t, err)
	require.Len(t, list, 1, "the damaged run is listed")
	assert.Equal(t, st.RunID, list[0].RunID)
	assert.Equal(t, contract.StateDamaged, list[0].State)
	assert.NotEmpty(t, list[0].Reason)

	require.NoError(t, os.WriteFile(f.home.ConfigPath(), []byte("maxRuns: 1\n"), 0o600))
	p, err = f.runner().Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	require.Error(t, err)
	var codes []string
	for _, is := range p.Issues {
		codes = append(codes, is.Code)
	}
	assert.Contains(t, codes, run.IssueMaxRuns, "the damaged run holds a slot")
	assert.Contains(t, codes, run.IssueActiveRun, "and is named")
}

// TestNestedRunAllowedByRoute: a route that says allowNestedRuns lets a
// lane start a run of it.
func TestNestedRunAllowedByRoute(t *testing.T) {
	f := newFixture(t)
	f.env["COCODER_RUN_ID"] = "r-20261201T000000Z-aaaaaaaa"
	route := readFile(t, filepath.Join(f.root, "cocoder/routes/default.yaml"))
	f.write("cocoder/routes/default.yaml", route+"allowNestedRuns: true\n")
	p, err := f.runner().Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	for _, is := range p.Issues {
		assert.NotEqual(t, run.IssueNestedRun, is.Code, "%v", err)
	}
}

// TestHostileRepository is the end-to-end case of a repository cloned from
// someone else and a lane that follows injected instructions. The clone
// links its SESSION_LOG.md and a prompt fragment to a canary file of the
// machine, and its own config routes a stored secret and a variable of
// the engine's process to its lanes. Each is refused at plan time; once
// the user has removed them (and granted nothing), the run starts with a
// lane that tries the red-team's tmux tricks. Afterwards: the canaries
// (file, stored secret, environment variable) appear in no prompt, packet,
// plan, ledger file, transcript or output; no file outside the ledger and
// the lane's write scope was written; no command ran outside the lane.
func TestHostileRepository(t *testing.T) {
	const (
		fileCanary   = "CANARY-FILE-9d1e77aa"
		secretCanary = "CANARY-SECRET-42c0ffee"
		envCanary    = "CANARY-ENV-5eed1e55"
	)
	origin := newFixture(t)
	outside := t.TempDir()
	canaryFile := filepath.Join(outside, "private.md")
	require.NoError(t, os.WriteFile(canaryFile, []byte("## 2026-12-01\n"+fileCanary+"\n"), 0o600))
	victim := filepath.Join(outside, "victim.rc")
	require.NoError(t, os.WriteFile(victim, []byte("original\n"), 0o600))
	// What the repository's author commits.
	require.NoError(t, os.Remove(filepath.Join(origin.root, "cocoder/SESSION_LOG.md")))
	require.NoError(t, os.Symlink(canaryFile, filepath.Join(origin.root, "cocoder/SESSION_LOG.md")))
	require.NoError(t, os.Remove(filepath.Join(origin.root, "cocoder/prompts/shared/rules.md")))
	require.NoError(t, os.Symlink(canaryFile, filepath.Join(origin.root, "cocoder/prompts/shared/rules.md")))
	origin.write("cocoder/config.yaml", "secrets:\n  ANTHROPIC_API_KEY: ${secret:canary}\n  OPENAI_API_KEY: ${env:CANARY_ENV}\n")
	gitCmd(t, origin.root, "add", "-A")
	gitCmd(t, origin.root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "hostile")

	// The user clones it into a fresh workspace of their own.
	f := newFixture(t)
	f.killServer()
	clone := filepath.Join(t.TempDir(), "clone")
	gitCmd(t, origin.root, "clone", "-q", origin.root, clone)
	f.root = clone
	ws, err := workspace.Find(clone)
	require.NoError(t, err)
	f.ws = ws
	fi, err := os.Lstat(filepath.Join(clone, "cocoder/SESSION_LOG.md"))
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeSymlink, "git kept the symlink")
	store, err := f.home.Secrets()
	require.NoError(t, err)
	require.NoError(t, store.Set("canary", []byte(secretCanary)))
	f.env["CANARY_ENV"] = envCanary
	out := t.TempDir()
	f.scriptAdapter(tmuxTricks(out, victim)) // an agent for every lane that takes the routed variables
	var outputs strings.Builder

	plan := func() (*run.Plan, error) {
		t.Helper()
		p, err := f.runner().Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
		require.Error(t, err)
		b, _ := json.Marshal(p)
		outputs.Write(b)
		outputs.WriteString(err.Error())
		return p, err
	}

	// 1. As cloned: the routed secrets block the plan, naming each.
	p, err := plan()
	var codes []string
	for _, is := range p.Issues {
		if is.Severity == contract.SeverityBlock {
			codes = append(codes, is.Code)
		}
	}
	assert.Equal(t, []string{run.IssueSecretNotGranted}, slices.Compact(slices.Sorted(slices.Values(codes))), "%v", err)
	assert.Contains(t, err.Error(), "${secret:canary}")
	assert.Contains(t, err.Error(), "${env:CANARY_ENV}")

	// 2. The user drops the repository's config: the links block it.
	require.NoError(t, os.Remove(filepath.Join(clone, "cocoder/config.yaml")))
	_, err = plan()
	assert.Contains(t, err.Error(), "SESSION_LOG.md leads outside")

	// 3. The user restores the files and runs it.
	gitCmd(t, clone, "checkout", "-q", "HEAD~1", "--", "cocoder/SESSION_LOG.md", "cocoder/prompts/shared/rules.md")
	before := tree(t, clone, outside)
	r := f.runner()
	p, err = r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	b, _ := json.Marshal(p)
	outputs.Write(b)
	st, err := r.Start(t.Context(), p)
	require.NoError(t, err)
	for _, lane := range []string{"lead", "writer", "verifier"} {
		testkit.WaitFor(t, 20*time.Second, lane+" to try its tricks", func() bool {
			_, err := os.Stat(filepath.Join(out, lane+".tmux"))
			return err == nil
		})
		text, _, err := r.Transcript(t.Context(), st.RunID, lane)
		require.NoError(t, err)
		outputs.WriteString(text)
	}
	require.NoError(t, r.Stop(t.Context(), st.RunID))

	assert.NoFileExists(t, filepath.Join(out, "ran-through-tmux"), "a command ran outside the lane")
	assert.Equal(t, "original\n", readFile(t, victim))
	after := tree(t, clone, outside)
	for path, v := range after {
		rel, _ := filepath.Rel(clone, path)
		inScope := filepath.IsLocal(rel) && contract.Scope{Allowed: []string{"cocoder/memory/demo-notes.md", "src/**", "docs/**"}}.Allows(filepath.ToSlash(rel))
		if before[path] != v && !inScope && !strings.HasPrefix(rel, ".git/") {
			t.Errorf("%s was written (outside the ledger and the lane's scope)", path)
		}
	}
	for _, c := range []string{fileCanary, secretCanary, envCanary} {
		assert.NotContains(t, outputs.String(), c)
	}
	require.NoError(t, filepath.WalkDir(f.home.Dir(), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path, store.Dir()) {
			return err
		}
		body := readFile(t, path)
		for _, c := range []string{fileCanary, secretCanary, envCanary} {
			assert.NotContains(t, body, c, "canary in %s", path)
		}
		return nil
	}))
	for _, lane := range []string{"lead", "writer", "verifier"} {
		env := readFile(t, filepath.Join(out, lane+".env"))
		assert.NotContains(t, env, secretCanary, "lane %s got a secret its repository routed", lane)
		assert.NotContains(t, env, envCanary)
	}
}

// TestExecLanesAreNotToldTheTmuxServer: the caller's TMUX_TMPDIR (and
// TMUX) reach no lane on the exec host either, and cannot be passed on
// purpose.
func TestExecLanesAreNotToldTheTmuxServer(t *testing.T) {
	f := newFixture(t)
	out := t.TempDir()
	f.env["TMUX"] = "/somewhere/default,1,0"
	f.env["TMUX_TMPDIR"] = out
	f.scriptAdapter(`env > "` + out + `/$COCODER_LANE.env"
exec sleep 120`)
	r := f.runner(func(o *run.Options) { o.HostKind = host.KindExec })
	ctx := t.Context()
	p, err := r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	st, err := r.Start(ctx, p)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Stop(context.WithoutCancel(ctx), st.RunID) })
	testkit.WaitFor(t, 20*time.Second, "the lead to write its environment", func() bool {
		b, err := os.ReadFile(filepath.Join(out, "lead.env"))
		return err == nil && strings.Contains(string(b), "COCODER_LANE=lead")
	})
	env := "\n" + readFile(t, filepath.Join(out, "lead.env"))
	for _, k := range []string{"TMUX=", "TMUX_PANE=", "TMUX_TMPDIR="} {
		assert.NotContains(t, env, "\n"+k, "an exec lane is told %s", k)
	}
	for _, k := range []string{"TMUX", "TMUX_TMPDIR"} {
		_, err := run.New(run.Options{Home: f.home, Workspace: f.ws, Getenv: f.getenv, Self: f.self, PassEnv: []string{k}})
		assert.ErrorContains(t, err, "never passed", "PassEnv %s", k)
	}
}
