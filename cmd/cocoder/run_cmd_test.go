package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	runpkg "github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

// cliRepo is a git repository scaffolded with `cocoder init`, a fresh home
// and a PATH holding only git and tmux: no vendor agent CLI, so every lane
// falls back to the demo agent (this test binary, see TestMain).
type cliRepo struct {
	t    *testing.T
	repo string
	home string
	bin  string
	env  map[string]string
	// euid is the effective user id the CLI sees (nil: not root).
	euid func() int
}

func newCLIRepo(t *testing.T) *cliRepo {
	t.Helper()
	c := &cliRepo{t: t, repo: t.TempDir(), home: t.TempDir(), bin: t.TempDir()}
	for _, n := range []string{"git", "tmux"} {
		p, err := exec.LookPath(n)
		require.NoError(t, err, "%s is needed by this test", n)
		require.NoError(t, os.Symlink(p, filepath.Join(c.bin, n)))
	}
	c.env = map[string]string{"PATH": c.bin, "HOME": os.Getenv("HOME"), "LANG": "C.UTF-8", "TMUX_TMPDIR": os.Getenv("TMUX_TMPDIR")}
	c.git("init", "-q", "-b", "main")
	code, out, errOut := c.cocoder("init", c.repo)
	require.Equal(t, exitOK, code, "init: %s %s", out, errOut)
	c.git("add", "-A")
	c.git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "scaffold")
	t.Cleanup(func() {
		_ = exec.Command("tmux", "-L", host.SocketForHome(c.home), "kill-server").Run()
	})
	return c
}

func (c *cliRepo) git(args ...string) string {
	c.t.Helper()
	out, err := exec.Command("git", append([]string{"-C", c.repo}, args...)...).CombinedOutput()
	require.NoError(c.t, err, "git %v: %s", args, out)
	return string(out)
}

// cocoder runs the CLI in-process with the repo's environment.
func (c *cliRepo) cocoder(args ...string) (int, string, string) {
	return c.cocoderIn("", args...)
}

func (c *cliRepo) cocoderIn(stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	return invocation{stdin: stdin, env: c.env, euid: c.euid}.run(c.t.Context(), append([]string{"--home", c.home}, args...)...)
}

func (c *cliRepo) write(rel, content string) {
	c.t.Helper()
	p := filepath.Join(c.repo, rel)
	require.NoError(c.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(c.t, os.WriteFile(p, []byte(content), 0o644))
}

func (c *cliRepo) read(rel string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.repo, rel))
	require.NoError(c.t, err)
	return string(b)
}

// snapshot records every entry of the repo and the home.
func (c *cliRepo) snapshot() map[string]string {
	c.t.Helper()
	out := map[string]string{}
	for _, dir := range []string{c.repo, c.home} {
		require.NoError(c.t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := os.Lstat(p)
			if err != nil {
				return err
			}
			v := fi.Mode().String() + " " + fi.ModTime().String()
			if fi.Mode().IsRegular() {
				b, _ := os.ReadFile(p)
				sum := sha256.Sum256(b)
				v += " " + hex.EncodeToString(sum[:])
			}
			out[p] = v
			return nil
		}))
	}
	return out
}

// tmuxPanes lists the panes of the home's private tmux server ("" when it
// has none or is not running).
func (c *cliRepo) tmuxPanes() string {
	out, _ := exec.Command("tmux", "-L", host.SocketForHome(c.home), "list-panes", "-a", "-F", "#{session_name} #{pane_id}").Output()
	return strings.TrimSpace(string(out))
}

// TestRunEndToEnd is the central promise end to end: `cocoder init` in a
// fresh git repository, `cocoder run start --priority <slug> --wait` with
// the demo agent on the tmux host (the lead dispatches the writer, then the
// verifier), the engine committing the writer's change with trailers, the
// run complete and exit 0, the ledger holding the whole story, and `run
// stop` removing every pane, all on a private tmux server.
func TestRunEndToEnd(t *testing.T) {
	c := newCLIRepo(t)
	code, out, errOut := c.cocoder("run", "start", "--workspace", c.repo, "--priority", "try-cocoder", "--wait", "--timeout", "90s", "--json")
	require.Equal(t, exitOK, code, "stdout %s\nstderr %s", out, errOut)
	var v runView
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	id := v.Run.RunID
	require.True(t, contract.ValidRunID(id), out)

	// Progress on stderr: lanes start, prompts are acknowledged, results.
	for _, want := range []string{"lane lead runs the fallback adapter demo", "lane lead: started in tmux pane",
		"lane writer: prompt delivered", "lane verifier: result PASS", "waiting for the lanes' results"} {
		assert.Contains(t, errOut, want)
	}
	assert.Equal(t, contract.StateComplete, v.Run.State, v.Run.Reason)
	assert.Contains(t, c.git("log", "-1", "--format=%(trailers)"), "Cocoder-Lane: writer")
	assert.Equal(t, "cocoder/memory/demo-notes.md", strings.TrimSpace(c.git("show", "--name-only", "--format=", "HEAD")))
	for _, lane := range []string{"lead", "writer", "verifier"} {
		ls := v.Run.Lanes[lane]
		assert.Equal(t, contract.LaneDone, ls.State, lane)
		assert.Equal(t, "delivered", ls.Delivery, lane)
		assert.Equal(t, "PASS", ls.Result, lane)
		assert.FileExists(t, filepath.Join(v.Ledger, "lanes", lane, "result.json"))
		assert.FileExists(t, filepath.Join(v.Ledger, "lanes", lane, "prompt.md"))
	}
	assert.Contains(t, c.read("cocoder/memory/demo-notes.md"), "- "+id+" writer: try-cocoder demo edit")
	assert.Empty(t, v.Attach, "a finished run has no session to attach to")

	// The ledger tells the story in order.
	events, torn, err := ledger.ReadEvents(v.Ledger)
	require.NoError(t, err)
	assert.Nil(t, torn)
	var story []string
	for _, ev := range events {
		story = append(story, strings.TrimSpace(ev.Type+" "+ev.Lane))
	}
	joined := strings.Join(story, "\n")
	for _, want := range []string{"run.created", "run.state", "lane.started lead", "lane.started writer", "lane.started verifier",
		"lane.prompt.delivered lead", "lane.prompt.delivered writer", "lane.prompt.delivered verifier",
		"lane.result lead", "lane.result writer", "lane.result verifier", "lane.dispatched writer", "lane.dispatched verifier",
		"gate.scope writer", "gate.verify", "commit.made writer", "run.closeout"} {
		assert.Contains(t, joined, want)
	}
	assert.Equal(t, "run.created", story[0])
	assert.Less(t, strings.Index(joined, "lane.started lead"), strings.Index(joined, "lane.started writer"), "the lead starts first")
	assert.Less(t, strings.Index(joined, "lane.result writer"), strings.Index(joined, "lane.started verifier"), "the verifier starts after the writer's result")

	code, out, errOut = c.cocoder("run", "wait", id)
	require.Equal(t, exitOK, code, "waiting on a settled run returns at once: %s", errOut)
	assert.Contains(t, out, "Run "+id+" is complete")
	code, out, _ = c.cocoder("run", "status", id)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "Run "+id+": complete")
	assert.Contains(t, out, "result_file")
	code, out, _ = c.cocoder("run", "list", "--workspace", c.repo)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, id)
	code, out, _ = c.cocoder("run", "logs", id, "writer")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "demo: working (lane writer)")
	code, out, _ = c.cocoder("run", "attach", id, "writer", "--print")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "-L "+host.SocketForHome(c.home)+" attach-session -t ="+id)
	for _, cmd := range [][]string{{"attach", id, "nope", "--print"}, {"logs", id, "nope"}} {
		code, _, errOut = c.cocoder(append([]string{"run"}, cmd...)...)
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "run "+id+` has no lane "nope" (its lanes: lead, verifier, writer)`, cmd[0])
	}
	assert.NotEmpty(t, c.tmuxPanes(), "the finished lanes' panes stay until stop")

	code, _, errOut = c.cocoder("run", "stop", id)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "--confirm "+id)
	code, out, errOut = c.cocoder("run", "stop", id, "--confirm", id)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "complete", "stopping a finished run only clears its panes")
	assert.Empty(t, c.tmuxPanes(), "run stop cleans up every pane")
	assert.FileExists(t, filepath.Join(v.Ledger, "lanes", "writer", "transcript.log"))

	// Only the home's private server was used.
	sockets, err := os.ReadDir(filepath.Join(os.Getenv("TMUX_TMPDIR"), "tmux-"+strconv.Itoa(os.Getuid())))
	require.NoError(t, err)
	for _, s := range sockets {
		assert.True(t, strings.HasPrefix(s.Name(), "cocoder-"), "unexpected tmux socket %s", s.Name())
	}
}

// TestRunFaults drives the demo agent's faults through `run start --wait`:
// the lead fails (so it dispatches nobody, or only the writer, which fails
// too), and the run ends blocked with the failing lanes named, exit
// status 4.
func TestRunFaults(t *testing.T) {
	tests := []struct {
		fault, timeout string
		state          contract.LaneState
		source         contract.StatusSource
		note           string
	}{
		{"hang", "3s", contract.LaneFailed, contract.SourceTimeout, "no accepted result within 3s"},
		{"exit-nonzero", "60s", contract.LaneExited, contract.SourceProcessExit, "exit 3"},
		{"no-result", "60s", contract.LaneExited, contract.SourceProcessExit, "exited without writing a result"},
		{"malformed-result", "60s", contract.LaneExited, contract.SourceProcessExit, "its result was refused"},
	}
	for _, tc := range tests {
		t.Run(tc.fault, func(t *testing.T) {
			c := newCLIRepo(t)
			c.env["COCODER_DEMO_FAULT"] = tc.fault
			code, out, errOut := c.cocoder("run", "start", "--workspace", c.repo, "try-cocoder", "--wait", "--timeout", tc.timeout)
			require.Equal(t, exitIncomplete, code, "stdout %s\nstderr %s", out, errOut)
			assert.Contains(t, errOut, "is blocked: lane lead ended without an accepted result")
			assert.Contains(t, out, "is blocked (lane lead ended without an accepted result")
			assert.Contains(t, out, tc.note)
			id := strings.Fields(out)[1]
			code, out, _ = c.cocoder("run", "status", id, "--json")
			require.Equal(t, exitOK, code)
			var v runView
			require.NoError(t, json.Unmarshal([]byte(out), &v))
			assert.Equal(t, contract.StateBlocked, v.Run.State)
			for name, ls := range v.Run.Lanes {
				if ls.Handle == nil {
					assert.Equal(t, contract.LanePlanned, ls.State, "%s was never dispatched", name)
					continue
				}
				assert.Equal(t, tc.state, ls.State, name)
				assert.Equal(t, tc.source, ls.Source, name)
			}
			assert.NotNil(t, v.Run.Lanes["lead"].Handle)
			code, _, errOut = c.cocoder("run", "stop", id, "--confirm", id)
			require.Equal(t, exitOK, code, errOut)
			assert.Empty(t, c.tmuxPanes())
		})
	}
}

// TestRunStartRefuses covers bad input: each refusal names the fix and
// leaves the repository and the home exactly as they were.
func TestRunStartRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *cliRepo)
		args  []string
		code  int
		want  []string
	}{
		{
			name: "UnknownPriority", args: []string{"--priority", "nope"}, code: exitInvalid,
			want: []string{"priority-missing", "unknown priority [nope]", "add a heading"},
		},
		{
			name: "MissingAdapterBinary",
			setup: func(c *cliRepo) {
				c.write("cocoder/profiles/default.yaml", strings.ReplaceAll(c.read("cocoder/profiles/default.yaml"), "    fallbackAdapter: demo\n", ""))
			},
			code: exitFailure,
			want: []string{"adapter-command-missing", `needs "codex", which is not installed`, "cocoder config set adapters.ID.command PATH"},
		},
		{
			name:  "InvalidProfile",
			setup: func(c *cliRepo) { c.write("cocoder/profiles/default.yaml", "id: default\nlabel: Broken\nlanes: {}\n") },
			code:  exitInvalid,
			want:  []string{"profile-invalid", "default.yaml", "lanes"},
		},
		{
			name:  "TmuxMissing",
			setup: func(c *cliRepo) { require.NoError(c.t, os.Remove(filepath.Join(c.bin, "tmux"))) },
			code:  exitFailure,
			want:  []string{"host-unavailable", "tmux is not installed", "apt install tmux"},
		},
		{
			name:  "NotAGitRepo",
			setup: func(c *cliRepo) { require.NoError(c.t, os.RemoveAll(filepath.Join(c.repo, ".git"))) },
			code:  exitInvalid,
			want:  []string{"not-a-git-repo", "git init"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLIRepo(t)
			if tc.setup != nil {
				tc.setup(c)
			}
			args := tc.args
			if args == nil {
				args = []string{"--priority", "try-cocoder"}
			}
			before := c.snapshot()
			code, out, errOut := c.cocoder(append([]string{"run", "start", "--workspace", c.repo, "--wait"}, args...)...)
			assert.Equal(t, tc.code, code, "stdout %s\nstderr %s", out, errOut)
			for _, w := range tc.want {
				assert.Contains(t, errOut, w)
			}
			assert.Equal(t, before, c.snapshot(), "a refused start left something behind")
			assert.Empty(t, c.tmuxPanes())

			// run plan shows the same issues and exits 3.
			code, out, _ = c.cocoder(append([]string{"run", "plan", "--workspace", c.repo}, args...)...)
			assert.Equal(t, exitInvalid, code)
			assert.Contains(t, out, tc.want[0])
			assert.Equal(t, before, c.snapshot(), "run plan wrote something")
		})
	}
}

func TestRunPlanJSON(t *testing.T) {
	c := newCLIRepo(t)
	code, out, errOut := c.cocoder("run", "plan", "--workspace", c.repo, "try-cocoder", "--json")
	require.Equal(t, exitOK, code, errOut)
	var p runpkg.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	require.Len(t, p.Lanes, 3)
	assert.Equal(t, "lead", p.Lanes[0].Lane)
	assert.Equal(t, "claude", p.Lanes[0].PrimaryAdapter)
	assert.Equal(t, []string{"agent", "demo"}, p.Lanes[0].Argv[1:3])

	code, out, _ = c.cocoder("run", "plan", "--workspace", c.repo, "try-cocoder")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "adapter demo (fallback for claude, which is not installed)")
	assert.Contains(t, out, "writes  cocoder/memory/demo-notes.md")
	assert.Contains(t, out, "warn  adapter-fallback (lane writer)")

	code, _, errOut = c.cocoder("run", "plan", "--workspace", c.repo, "a", "--priority", "b")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "given twice")
}

func TestRunCommandsRefuseBadInput(t *testing.T) {
	c := newCLIRepo(t)
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"StatusBadID", "", []string{"run", "status", "../x"}, exitInvalid, "is not a run id"},
		{"StatusUnknown", "", []string{"run", "status", "r-20260101T000000Z-aaaaaaaa"}, exitFailure, "no run r-20260101T000000Z-aaaaaaaa"},
		{"SendNoText", "", []string{"run", "send", "r-20260101T000000Z-aaaaaaaa", "lead"}, exitInvalid, "no message"},
		{"SendBoth", "x", []string{"run", "send", "r-20260101T000000Z-aaaaaaaa", "lead", "hi", "--stdin"}, exitInvalid, "not both"},
		{"SendUnknownRun", "hello", []string{"run", "send", "r-20260101T000000Z-aaaaaaaa", "lead", "--stdin"}, exitFailure, "no run"},
		{"StopNoConfirm", "", []string{"run", "stop", "r-20260101T000000Z-aaaaaaaa"}, exitInvalid, "--confirm r-20260101T000000Z-aaaaaaaa"},
		{"StopWrongConfirm", "", []string{"run", "stop", "r-20260101T000000Z-aaaaaaaa", "--confirm", "r-x"}, exitInvalid, "repeat its id"},
		{"ExecNeedsWait", "", []string{"run", "start", "try-cocoder", "--host", "exec"}, exitInvalid, "add --wait"},
		{"TimeoutNeedsWait", "", []string{"run", "start", "try-cocoder", "--timeout", "1m"}, exitInvalid, "--timeout needs --wait"},
		{"LogsUnknownRun", "", []string{"run", "logs", "r-20260101T000000Z-aaaaaaaa", "lead"}, exitFailure, "no run"},
		{"PlanNoSuchWorkspace", "", []string{"run", "plan", "try-cocoder", "--workspace", filepath.Join(c.repo, "missing")}, exitFailure, "--workspace " + filepath.Join(c.repo, "missing") + " does not exist"},
		{"StartNoSuchWorkspace", "", []string{"run", "start", "try-cocoder", "-w", filepath.Join(c.repo, "missing")}, exitFailure, "does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := c.cocoderIn(tc.stdin, tc.args...)
			assert.Equal(t, tc.code, code, "stdout %s\nstderr %s", out, errOut)
			assert.Contains(t, errOut, tc.want)
		})
	}
	code, out, _ := c.cocoder("run", "list", "--all")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "No runs yet")
	code, out, _ = c.cocoder("run", "list", "--workspace", c.repo)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "No runs in the workspace "+c.repo)
	assert.Contains(t, out, "`cocoder run list --all`", "an empty workspace listing points at the other workspaces")
}

// TestPrintStartedNamesRunWait checks that a run started without --wait
// says that `run wait` collects its results, and that a waited or ended
// run does not.
func TestPrintStartedNamesRunWait(t *testing.T) {
	const id = "r-20260101T000000Z-aaaaaaaa"
	v := runView{Run: contract.RunStatus{RunID: id, State: contract.StateRunning}, Ledger: "/ledger", Stop: []string{"cocoder", "run", "stop", id, "--confirm", id}}
	var b strings.Builder
	printStarted(&b, v, false)
	assert.Contains(t, b.String(), "wait    cocoder run wait "+id)
	b.Reset()
	printStarted(&b, v, true)
	assert.NotContains(t, b.String(), "cocoder run wait")
	b.Reset()
	v.Run.State = contract.StateAborted
	printStarted(&b, v, false)
	assert.NotContains(t, b.String(), "cocoder run wait")
}

// TestRunExecHost runs the scaffold headless: lanes are child processes,
// the typed prompt goes to their standard input.
func TestRunExecHost(t *testing.T) {
	c := newCLIRepo(t)
	require.NoError(t, os.Remove(filepath.Join(c.bin, "tmux")))
	code, out, errOut := c.cocoder("run", "start", "--workspace", c.repo, "try-cocoder", "--host", "exec", "--wait", "--timeout", "60s")
	require.Equal(t, exitOK, code, "stdout %s\nstderr %s", out, errOut)
	assert.Contains(t, errOut, "prompt delivered (written to the program's standard input at start (exec host))")
	assert.Contains(t, errOut, "started as process")
	assert.NotContains(t, out, "attach")
	id := strings.Fields(out)[1]
	code, out, _ = c.cocoder("run", "logs", id, "writer")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "demo: done (PASS)")

	// --json prints one JSON document; following is text only.
	code, out, errOut = c.cocoder("--json", "run", "logs", id, "writer")
	require.Equal(t, exitOK, code, errOut)
	var logs logsView
	require.NoError(t, json.Unmarshal([]byte(out), &logs), out)
	assert.Equal(t, logsView{Run: id, Lane: "writer", Transcript: logs.Transcript}, logs)
	assert.Contains(t, logs.Transcript, "demo: done (PASS)")
	code, out, errOut = c.cocoder("--json", "run", "logs", id, "writer", "--follow")
	assert.Equal(t, exitInvalid, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "cannot be combined with --json")

	// As root, run wait warns on stderr and its JSON stays clean.
	c.euid = func() int { return 0 }
	code, out, errOut = c.cocoder("--json", "run", "wait", id)
	require.Equal(t, exitOK, code, errOut)
	var v runView
	require.NoError(t, json.Unmarshal([]byte(out), &v), out)
	assert.Equal(t, id, v.Run.RunID)
	assert.Equal(t, 1, strings.Count(errOut, "warning: running as root"), errOut)
	c.euid = nil

	code, _, errOut = c.cocoder("run", "attach", id)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "run logs")
}

// TestRunStatusNamesUnrecordedExits: a run started without a supervisor
// keeps "running" lanes in its ledger after their programs end; run status
// says so and names run wait, which records them.
func TestRunStatusNamesUnrecordedExits(t *testing.T) {
	c := newCLIRepo(t)
	code, out, errOut := c.cocoder("run", "start", "--workspace", c.repo, "--priority", "try-cocoder", "--json")
	require.Equal(t, exitOK, code, "stdout %s\nstderr %s", out, errOut)
	var v runView
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	id := v.Run.RunID
	t.Cleanup(func() { c.cocoder("run", "stop", id, "--confirm", id) })

	deadline := time.Now().Add(60 * time.Second)
	for {
		code, out, errOut = c.cocoder("run", "status", id, "--json")
		require.Equal(t, exitOK, code, errOut)
		var s runView
		require.NoError(t, json.Unmarshal([]byte(out), &s))
		if len(s.Unrecorded) == 1 {
			assert.Equal(t, []string{"lead"}, s.Unrecorded, "only the lead started: the others wait for its dispatch")
			assert.Equal(t, contract.LaneRunning, s.Run.Lanes["lead"].State, "the ledger has not recorded its end")
			break
		}
		require.True(t, time.Now().Before(deadline), "the lead did not end: %s", out)
		time.Sleep(200 * time.Millisecond)
	}
	code, out, _ = c.cocoder("run", "status", id)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "The program of lane lead has ended, but no supervisor has recorded how: `cocoder run wait "+id+"`")

	code, _, errOut = c.cocoder("run", "wait", id, "--timeout", "60s")
	require.Equal(t, exitOK, code, errOut)
	code, out, _ = c.cocoder("run", "status", id, "--json")
	require.Equal(t, exitOK, code)
	var after runView
	require.NoError(t, json.Unmarshal([]byte(out), &after))
	assert.Empty(t, after.Unrecorded)
	assert.Equal(t, contract.StateComplete, after.Run.State, "run wait carried out the lead's dispatches and finished the run")
	for name, ls := range after.Run.Lanes {
		assert.Equal(t, contract.LaneDone, ls.State, name)
	}
}

// TestPrintLanesActivity: a lane's activity, as its CLI's hooks report
// it, shows in the lane's note with the source in its column.
func TestPrintLanesActivity(t *testing.T) {
	st := contract.RunStatus{Lanes: map[string]contract.LaneStatus{
		"lead":   {State: contract.LaneRunning, Source: contract.SourceVendorHook, Activity: contract.ActivityIdle},
		"writer": {State: contract.LaneNeedsAttention, Source: contract.SourceVendorHook, Activity: contract.ActivityWaiting, Reason: "the CLI waits for a person"},
	}}
	var b strings.Builder
	printLanes(&b, st, []string{"lead", "writer"})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 3)
	assert.True(t, strings.HasSuffix(lines[1], "vendor_hook  -         -       CLI idle"), lines[1])
	assert.True(t, strings.HasSuffix(lines[2], "CLI waiting; the CLI waits for a person"), lines[2])
}
