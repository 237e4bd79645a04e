package host_test

import (
	"context"
	"maps"
	"os"
	"os/exec"
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
	"github.com/cocoder/cocoder/run/host"
)

// tmuxAdded are the variables tmux itself puts in a pane's environment on
// top of the spec's (PATH only when the spec has none) that reach the
// lane's program: TMUX and TMUX_PANE are unset before it starts.
var tmuxAdded = []string{"TERM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION", "SHELL", "PWD"}

// dumpSpec is a lane that runs the dump helper, writing to out.
func dumpSpec(t *testing.T, runID, lane, out string, env ...string) host.LaneSpec {
	t.Helper()
	return host.LaneSpec{
		RunID: runID, Lane: lane, Title: lane + " · builder · gpt-5",
		Argv: []string{testkit.Self(t), "first-arg"},
		Dir:  t.TempDir(),
		Env:  append([]string{"COCODER_RUN_TEST_HELPER=dump", "COCODER_DUMP=" + out, "COCODER_DUMP_WAIT=60s"}, env...),
	}
}

// envNames returns the sorted names of env minus the given ones.
func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestTmuxLanesAndEnvironment(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	hst := testkit.NewTmux(t)
	runID := testkit.NewRunID()
	out := t.TempDir()
	specs := []host.LaneSpec{
		dumpSpec(t, runID, "lead", filepath.Join(out, "lead.json"), "COCODER_LANE=lead", "SECRET_FOR_LEAD=only-lead", "PATH=/opt/lead/bin:/usr/bin:/bin"),
		dumpSpec(t, runID, "writer", filepath.Join(out, "writer.json"), "COCODER_LANE=writer"),
		dumpSpec(t, runID, "verifiers.primary", filepath.Join(out, "verifier.json"), "COCODER_LANE=verifiers.primary", "TERM=xterm-256color"),
	}
	var handles []contract.LaneHandle
	for _, s := range specs {
		h, err := hst.Start(ctx, s)
		require.NoError(t, err)
		assert.Equal(t, host.KindTmux, h.Host)
		assert.Equal(t, runID, h.Ref["session"])
		assert.Regexp(t, `^%\d+$`, h.Ref["pane"])
		assert.Positive(t, host.PID(h))
		handles = append(handles, h)
	}

	for i, name := range []string{"lead.json", "writer.json", "verifier.json"} {
		d := readDump(t, filepath.Join(out, name))
		spec := specs[i]
		assert.Equal(t, []string{"first-arg"}, d.Args)
		assert.Equal(t, spec.Dir, d.Dir)
		got := envMap(d.Env)
		want := envMap(spec.Env)
		for k, v := range want {
			assert.Equal(t, v, got[k], "lane %s: %s from the spec", spec.Lane, k)
		}
		var extra []string
		for k := range got {
			if _, ok := want[k]; !ok {
				extra = append(extra, k)
			}
		}
		slices.Sort(extra)
		wantExtra := slices.Clone(tmuxAdded)
		if _, ok := want["PATH"]; !ok {
			wantExtra = append(wantExtra, "PATH")
			assert.Equal(t, "/usr/bin:/bin", got["PATH"])
		}
		if _, ok := want["TERM"]; ok {
			wantExtra = slices.DeleteFunc(wantExtra, func(s string) bool { return s == "TERM" })
		}
		slices.Sort(wantExtra)
		assert.Equal(t, wantExtra, extra, "lane %s sees exactly its spec's environment plus tmux's own variables", spec.Lane)
		if i > 0 {
			assert.NotContains(t, got, "SECRET_FOR_LEAD", "lane %s must not see the lead's variables", spec.Lane)
		}
		for _, k := range []string{"TMUX", "TMUX_PANE", "TMUX_TMPDIR"} {
			assert.NotContains(t, got, k, "lane %s is not told where the engine's tmux server is", spec.Lane)
		}
	}

	listed, err := hst.List(ctx, runID)
	require.NoError(t, err)
	require.Len(t, listed, 3)
	slices.SortFunc(handles, func(a, b contract.LaneHandle) int { return strings.Compare(a.Lane, b.Lane) })
	assert.Equal(t, handles, listed, "List rebuilds the same handles from the pane labels")

	for _, h := range handles {
		ok, err := hst.Alive(ctx, h)
		require.NoError(t, err)
		assert.True(t, ok, h.Lane)
	}
	other, err := hst.List(ctx, testkit.NewRunID())
	require.NoError(t, err)
	assert.Empty(t, other)

	require.NoError(t, hst.KillRun(ctx, runID))
	listed, err = hst.List(ctx, runID)
	require.NoError(t, err)
	assert.Empty(t, listed)
	for _, h := range handles {
		assert.Eventually(t, func() bool { return !testkit.Alive(host.PID(h)) }, 5*time.Second, 20*time.Millisecond)
	}
}

// TestTmuxLiteralArguments is security case 28: argv, directory, title and
// environment values holding shell and tmux syntax reach the program
// literally and run nothing.
func TestTmuxLiteralArguments(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	hst := testkit.NewTmux(t)
	canary := t.TempDir()
	c := func(name string) string { return filepath.Join(canary, name) }
	nasty := []string{
		"a;", ";", "x\\;", "a ; touch " + c("semi"),
		"$(touch " + c("subshell") + ")",
		"`touch " + c("backtick") + "`",
		"line1\nline2; touch " + c("newline"),
		"#(touch " + c("tmuxfmt") + ")", "#{pane_id}", "##", "-e", "--", "{", "}", "'", "\"", "\\",
	}
	dirParent := t.TempDir()
	// A file name cannot hold a "/", so this payload would touch a file in
	// the tmux client's working directory, the package directory.
	dir := filepath.Join(dirParent, "d;#(touch cct-pwned-dir)$(id)`id`")
	require.NoError(t, os.Mkdir(dir, 0o700))
	out := filepath.Join(t.TempDir(), "dump.json")
	spec := host.LaneSpec{
		RunID: testkit.NewRunID(), Lane: "writer",
		Title: "writer · #(touch " + c("title") + ") · $(id);",
		Argv:  append([]string{testkit.Self(t)}, nasty...),
		Dir:   dir,
		Env: []string{"COCODER_RUN_TEST_HELPER=dump", "COCODER_DUMP=" + out, "COCODER_DUMP_WAIT=30s",
			"NASTY=$(touch " + c("env") + ");", "FMT=#(touch " + c("envfmt") + ")"},
	}
	h, err := hst.Start(ctx, spec)
	require.NoError(t, err)
	d := readDump(t, out)
	assert.Equal(t, nasty, d.Args)
	assert.Equal(t, dir, d.Dir)
	env := envMap(d.Env)
	assert.Equal(t, "$(touch "+c("env")+");", env["NASTY"])
	assert.Equal(t, "#(touch "+c("envfmt")+")", env["FMT"])

	// The second lane goes through new-window rather than new-session.
	spec2 := spec
	spec2.Lane = "writer2"
	spec2.Env = slices.Clone(spec.Env)
	spec2.Env[1] = "COCODER_DUMP=" + out + "2"
	_, err = hst.Start(ctx, spec2)
	require.NoError(t, err)
	assert.Equal(t, nasty, readDump(t, out+"2").Args)

	listed, err := hst.List(ctx, spec.RunID)
	require.NoError(t, err)
	require.Len(t, listed, 2)
	assert.Equal(t, h, listed[0])

	time.Sleep(200 * time.Millisecond) // give any injected command time to show
	ents, err := os.ReadDir(canary)
	require.NoError(t, err)
	assert.Empty(t, ents, "nothing in the arguments was executed")
	ents, err = os.ReadDir(dirParent)
	require.NoError(t, err)
	assert.Len(t, ents, 1, "nothing was created beside the directory")
	_, err = os.Stat("cct-pwned-dir")
	assert.True(t, os.IsNotExist(err), "the directory name was not run as a tmux #() command")
	_ = os.Remove("cct-pwned-dir")
}

// TestTmuxSingleWordArgv: tmux runs a one-word command through sh -c; the
// host must not, even when the program's path holds shell syntax.
func TestTmuxSingleWordArgv(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	hst := testkit.NewTmux(t)
	dir := t.TempDir()
	prog := filepath.Join(dir, "agent;touch pwned;$(touch pwned2)")
	require.NoError(t, os.Symlink(testkit.Self(t), prog))
	out := filepath.Join(t.TempDir(), "dump.json")
	_, err := hst.Start(ctx, host.LaneSpec{
		RunID: testkit.NewRunID(), Lane: "solo", Argv: []string{prog}, Dir: dir,
		Env: []string{"COCODER_RUN_TEST_HELPER=dump", "COCODER_DUMP=" + out, "COCODER_DUMP_WAIT=30s"},
	})
	require.NoError(t, err)
	d := readDump(t, out)
	assert.Empty(t, d.Args)
	time.Sleep(100 * time.Millisecond)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, ents, 1, "no shell ran the program's name")
}

func TestTmuxSendCapture(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	hst := testkit.NewTmux(t)
	h, err := hst.Start(ctx, host.LaneSpec{RunID: testkit.NewRunID(), Lane: "cat", Argv: []string{"/bin/cat"}, Dir: t.TempDir()})
	require.NoError(t, err)

	require.NoError(t, hst.Send(ctx, h, "hello; $(id) `id`", true))
	testkit.WaitFor(t, 5*time.Second, "cat to echo the line", func() bool {
		s, err := hst.Capture(ctx, h, 20)
		return err == nil && strings.Count(s, "hello; $(id) `id`") == 2 // typed + echoed
	})
	// Escape sequences and CR are taken out; the text stays.
	require.NoError(t, hst.Send(ctx, h, "a\x1b[31mb\x1b[201~c\r\n", true))
	testkit.WaitFor(t, 5*time.Second, "the cleaned line", func() bool {
		s, _ := hst.Capture(ctx, h, 20)
		return strings.Count(s, "a[31mb[201~c") == 2
	})
	// Without submit the text waits on the line.
	require.NoError(t, hst.Send(ctx, h, "pending", false))
	testkit.WaitFor(t, 5*time.Second, "the pending text", func() bool {
		s, _ := hst.Capture(ctx, h, 0)
		return strings.HasSuffix(s, "pending")
	})
	s, err := hst.Capture(ctx, h, 1)
	require.NoError(t, err)
	assert.Equal(t, "pending", s, "Capture(1) is the last non-blank line")

	bad := h
	bad.Ref = maps.Clone(h.Ref)
	bad.Ref["pid"] = "1"
	assert.Equal(t, errs.NotFound, errs.CodeOf(hst.Send(ctx, bad, "x", true)), "a handle must match the pane's program")
	ok, err := hst.Alive(ctx, bad)
	require.NoError(t, err)
	assert.False(t, ok)
	bad = h
	bad.Host = host.KindExec
	assert.Equal(t, errs.Invalid, errs.CodeOf(hst.Send(ctx, bad, "x", true)))
}

// TestTmuxKillRunAfterItsLanes: stopping a run whose panes are all gone
// already succeeds, also while the server lingers with no session left
// (tmux then answers "no current target" rather than "can't find").
func TestTmuxKillRunAfterItsLanes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	socket := "cct-" + testkit.RandHex(4)
	hst, err := host.NewTmux(host.TmuxOptions{Socket: socket})
	require.NoError(t, err)
	t.Cleanup(func() { _ = hst.KillServer(context.Background()) })
	runID := testkit.NewRunID()
	h, err := hst.Start(ctx, host.LaneSpec{RunID: runID, Lane: "only", Dir: t.TempDir(), Argv: []string{"sleep", "60"}})
	require.NoError(t, err)
	out, err := exec.Command("tmux", "-L", socket, "set-option", "-s", "exit-empty", "off").CombinedOutput()
	require.NoError(t, err, "%s", out)

	require.NoError(t, hst.Kill(ctx, h))
	out, err = exec.Command("tmux", "-L", socket, "list-sessions").CombinedOutput()
	require.NoError(t, err, "the server still runs: %s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "the server has no session left")
	assert.NoError(t, hst.KillRun(ctx, runID))
	assert.NoError(t, hst.KillRun(ctx, runID), "twice")
}

func TestTmuxExitAndKill(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	hst := testkit.NewTmux(t)
	runID := testkit.NewRunID()
	dir := t.TempDir()

	exits, err := hst.Start(ctx, host.LaneSpec{RunID: runID, Lane: "exits", Dir: dir,
		// tmux may drop the output of a program that exits at once, before
		// it has read the terminal; give it a moment.
		Argv: []string{"/bin/sh", "-c", "echo bye; sleep 0.5; exit 3"}, Transcript: filepath.Join(dir, "lanes/exits/transcript.log")})
	require.NoError(t, err)
	testkit.WaitFor(t, 5*time.Second, "the lane to exit", func() bool {
		ok, err := hst.Alive(ctx, exits)
		return err == nil && !ok
	})
	var code int
	testkit.WaitFor(t, 5*time.Second, "the exit status", func() bool {
		c, exited, err := hst.ExitStatus(ctx, exits)
		require.NoError(t, err)
		code = c
		return exited
	})
	assert.Equal(t, 3, code)
	s, err := hst.Capture(ctx, exits, 100)
	require.NoError(t, err)
	assert.Contains(t, s, "bye", "remain-on-exit keeps the output")
	assert.Contains(t, s, "status 3")

	stubborn, err := hst.Start(ctx, host.LaneSpec{RunID: runID, Lane: "stubborn", Dir: dir,
		Argv:       []string{"/bin/sh", "-c", `trap "" HUP TERM; echo started; while :; do sleep 1; done`},
		Transcript: filepath.Join(dir, "lanes/stubborn/transcript.log")})
	require.NoError(t, err)
	testkit.WaitFor(t, 5*time.Second, "the lane to start", func() bool {
		s, _ := hst.Capture(ctx, stubborn, 0)
		return strings.Contains(s, "started")
	})
	_, exited, err := hst.ExitStatus(ctx, stubborn)
	require.NoError(t, err)
	assert.False(t, exited)

	signalled, err := hst.Start(ctx, host.LaneSpec{RunID: runID, Lane: "signalled", Dir: dir,
		Argv: []string{"/bin/sh", "-c", "sleep 0.2; kill -9 $$"}})
	require.NoError(t, err)
	testkit.WaitFor(t, 5*time.Second, "the signalled lane's status", func() bool {
		c, exited, err := hst.ExitStatus(ctx, signalled)
		require.NoError(t, err)
		code = c
		return exited
	})
	assert.Equal(t, -1, code, "a signal is reported as -1")

	start := time.Now()
	require.NoError(t, hst.Kill(ctx, stubborn))
	assert.False(t, testkit.Alive(host.PID(stubborn)), "a program ignoring SIGHUP is killed too")
	t.Logf("kill of a SIGHUP-ignoring lane took %s", time.Since(start).Round(time.Millisecond))
	b, err := os.ReadFile(stubborn.Transcript)
	require.NoError(t, err)
	assert.Contains(t, string(b), "started")
	fi, err := os.Stat(stubborn.Transcript)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	require.NoError(t, hst.Kill(ctx, exits))
	b, err = os.ReadFile(exits.Transcript)
	require.NoError(t, err)
	assert.Contains(t, string(b), "bye")

	require.NoError(t, hst.Kill(ctx, stubborn), "killing a gone lane is fine")
	ok, err := hst.Alive(ctx, stubborn)
	require.NoError(t, err)
	assert.False(t, ok)
	_, _, err = hst.ExitStatus(ctx, stubborn)
	assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	_, err = hst.Capture(ctx, stubborn, 0)
	assert.Equal(t, errs.NotFound, errs.CodeOf(err))
}

// TestTmuxSecondProcess: a new host on the same socket (a restarted
// supervisor) finds the lanes and adds more to the run's session.
func TestTmuxSecondProcess(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	hst := testkit.NewTmux(t)
	runID := testkit.NewRunID()
	dir := t.TempDir()
	spec := host.LaneSpec{RunID: runID, Lane: "lead", Dir: dir, Argv: []string{"/bin/sleep", "60"}}
	h1, err := hst.Start(ctx, spec)
	require.NoError(t, err)

	again, err := host.NewTmux(host.TmuxOptions{Socket: hst.Socket()})
	require.NoError(t, err)
	listed, err := again.List(ctx, runID)
	require.NoError(t, err)
	assert.Equal(t, []contract.LaneHandle{h1}, listed)
	spec.Lane = "writer"
	h2, err := again.Start(ctx, spec)
	require.NoError(t, err)
	assert.NotEqual(t, h1.Ref["window"], h2.Ref["window"])
	spec.Lane = "third"
	h3, err := hst.Start(ctx, spec) // the first host's window counter is stale now
	require.NoError(t, err)
	listed, err = hst.List(ctx, runID)
	require.NoError(t, err)
	assert.Len(t, listed, 3)
	assert.NotEqual(t, h2.Ref["window"], h3.Ref["window"])
	cmd, err := hst.AttachCommand(h3, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"-L", hst.Socket(), "attach-session", "-t", "=" + runID}, cmd[1:])
	cmd, err = hst.AttachCommand(h3, true)
	require.NoError(t, err)
	assert.Equal(t, []string{"-L", hst.Socket(), "attach-session", "-t", "=" + runID, ";", "select-window", "-t", h3.Ref["window"]}, cmd[1:])
}

func TestTmuxRefuses(t *testing.T) {
	t.Parallel()
	_, err := host.NewTmux(host.TmuxOptions{Bin: "/nonexistent/tmux", Socket: "x"})
	assert.Equal(t, errs.Unavailable, errs.CodeOf(err))
	assert.Contains(t, err.Error(), "tmux is not installed")
	for _, sock := range []string{"", "a/b", "../x", "a b", "-L"} {
		_, err := host.NewTmux(host.TmuxOptions{Socket: sock})
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "socket %q", sock)
	}

	ctx := t.Context()
	hst := testkit.NewTmux(t)
	dir := t.TempDir()
	good := host.LaneSpec{RunID: testkit.NewRunID(), Lane: "lead", Dir: dir, Argv: []string{"/bin/true", "x"}}
	for name, mutate := range map[string]func(*host.LaneSpec){
		"ErrRunID":       func(s *host.LaneSpec) { s.RunID = "x;y" },
		"ErrLane":        func(s *host.LaneSpec) { s.Lane = "a;touch x" },
		"ErrArgvEmpty":   func(s *host.LaneSpec) { s.Argv = nil },
		"ErrArgv0Dash":   func(s *host.LaneSpec) { s.Argv = []string{"-c", "x"} },
		"ErrArgvNUL":     func(s *host.LaneSpec) { s.Argv = []string{"/bin/true", "a\x00b"} },
		"ErrDirRelative": func(s *host.LaneSpec) { s.Dir = "rel" },
		"ErrDirMissing":  func(s *host.LaneSpec) { s.Dir = filepath.Join(dir, "missing") },
		"ErrEnvNoEquals": func(s *host.LaneSpec) { s.Env = []string{"NOVALUE"} },
		"ErrEnvName":     func(s *host.LaneSpec) { s.Env = []string{"A-B=1"} },
		"ErrEnvTwice":    func(s *host.LaneSpec) { s.Env = []string{"A=1", "A=2"} },
		"ErrTranscript":  func(s *host.LaneSpec) { s.Transcript = "rel.log" },
		"ErrTooLong":     func(s *host.LaneSpec) { s.Env = []string{"BIG=" + strings.Repeat("x", 20000)} },
		"ErrSize":        func(s *host.LaneSpec) { s.Width = 5000 },
	} {
		t.Run(name, func(t *testing.T) {
			s := good
			mutate(&s)
			_, err := hst.Start(ctx, s)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		})
	}
	t.Run("SecretNotInError", func(t *testing.T) {
		s := good
		s.Env = []string{"API_KEY=sk-secret-value", "BAD NAME=x"}
		_, err := hst.Start(ctx, s)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "sk-secret-value")
	})
	listed, err := hst.List(ctx, good.RunID)
	require.NoError(t, err)
	assert.Empty(t, listed, "refused specs start nothing")
}

// TestStartLanesTearsDown: when one lane fails to start, the lanes of the
// run already started are killed.
func TestStartLanesTearsDown(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	hst := testkit.NewTmux(t)
	for name, tc := range map[string]struct {
		host    host.Host
		started func(host.LaneSpec, contract.LaneHandle) error
	}{
		"ErrThirdLane": {testkit.FailingHost{Host: hst, FailLane: "c"}, nil},
		"ErrRecording": {hst, func(s host.LaneSpec, h contract.LaneHandle) error {
			if s.Lane == "c" {
				return errs.E(errs.Unavailable, "test", "disk full")
			}
			return nil
		}},
	} {
		t.Run(name, func(t *testing.T) {
			runID := testkit.NewRunID()
			var specs []host.LaneSpec
			for _, l := range []string{"a", "b", "c", "d"} {
				specs = append(specs, host.LaneSpec{RunID: runID, Lane: l, Dir: t.TempDir(), Argv: []string{"/bin/sleep", "60"}})
			}
			var recorded []string
			started := func(s host.LaneSpec, h contract.LaneHandle) error {
				recorded = append(recorded, s.Lane)
				if tc.started != nil {
					return tc.started(s, h)
				}
				return nil
			}
			hs, err := host.StartLanes(ctx, tc.host, specs, started)
			require.Error(t, err)
			assert.Equal(t, errs.Unavailable, errs.CodeOf(err))
			assert.NotContains(t, recorded, "d", "nothing starts after the failure")
			require.Less(t, len(hs), len(specs))
			assert.Equal(t, "c", specs[len(hs)].Lane, "the handles are those of the lanes before the failing one")
			for _, h := range hs {
				assert.False(t, testkit.Alive(host.PID(h)), "lane %s was killed", h.Lane)
			}
			listed, err := hst.List(ctx, runID)
			require.NoError(t, err)
			assert.Empty(t, listed, "no pane of the run is left")
		})
	}
	t.Run("OK", func(t *testing.T) {
		runID := testkit.NewRunID()
		specs := []host.LaneSpec{
			{RunID: runID, Lane: "a", Dir: t.TempDir(), Argv: []string{"/bin/sleep", "60"}},
			{RunID: runID, Lane: "b", Dir: t.TempDir(), Argv: []string{"/bin/sleep", "60"}},
		}
		hs, err := host.StartLanes(ctx, hst, specs, nil)
		require.NoError(t, err)
		require.Len(t, hs, 2)
		assert.Equal(t, "a", hs[0].Lane)
	})
}

// TestTmuxKillServerAfterCancel: teardown works with a cancelled context,
// as t.Context() is in Cleanup functions.
func TestTmuxKillServerAfterCancel(t *testing.T) {
	t.Parallel()
	hst := testkit.NewTmux(t)
	h, err := hst.Start(t.Context(), host.LaneSpec{RunID: testkit.NewRunID(), Lane: "a", Dir: t.TempDir(), Argv: []string{"/bin/sleep", "60"}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.NoError(t, hst.KillServer(ctx))
	testkit.WaitFor(t, 5*time.Second, "the lane to end with its server", func() bool { return !testkit.Alive(host.PID(h)) })
	listed, err := hst.List(t.Context(), h.RunID)
	require.NoError(t, err)
	assert.Empty(t, listed)
}

// TestTmuxSurvey: one survey reports every lane of a run — alive or
// dead, with the time of its last output — leaves out a lane whose pane
// is gone or whose handle names another program, and finds nothing once
// the run's session is gone.
func TestTmuxSurvey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	hst := testkit.NewTmux(t)
	runID := testkit.NewRunID()
	dir := t.TempDir()
	start := func(lane, script string) contract.LaneHandle {
		h, err := hst.Start(ctx, host.LaneSpec{RunID: runID, Lane: lane, Dir: dir, Argv: []string{"/bin/sh", "-c", script}})
		require.NoError(t, err)
		return h
	}
	before := time.Now().Add(-time.Second)
	talks := start("talks", "echo hello; sleep 60")
	exits := start("exits", "echo bye; sleep 0.3; exit 0")
	killed := start("killed", "sleep 60")
	testkit.WaitFor(t, 5*time.Second, "a lane to exit", func() bool {
		ok, err := hst.Alive(ctx, exits)
		return err == nil && !ok
	})
	require.NoError(t, hst.Kill(ctx, killed))
	impostor := talks
	impostor.Lane = "impostor"
	impostor.Ref = maps.Clone(talks.Ref)
	impostor.Ref["pid"] = "1" // another program than the pane's
	got, err := hst.Survey(ctx, runID, []contract.LaneHandle{talks, exits, killed, impostor})
	require.NoError(t, err)
	require.Contains(t, got, "talks")
	require.Contains(t, got, "exits")
	assert.True(t, got["talks"].Alive)
	assert.False(t, got["exits"].Alive, "a dead pane kept by remain-on-exit is not alive")
	assert.NotContains(t, got, "killed", "a closed pane is gone")
	assert.NotContains(t, got, "impostor", "a handle whose pid is not the pane's is not that lane")
	assert.False(t, got["talks"].Activity.Before(before.Truncate(time.Second)), "activity %v", got["talks"].Activity)

	require.NoError(t, hst.KillRun(ctx, runID))
	got, err = hst.Survey(ctx, runID, []contract.LaneHandle{talks})
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = hst.Survey(ctx, "not a run", nil)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
}
