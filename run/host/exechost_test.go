package host_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/host"
)

// execSpec is a lane spec for the exec host with a transcript in a temp
// dir.
func execSpec(t *testing.T, lane string, argv ...string) host.LaneSpec {
	t.Helper()
	dir := t.TempDir()
	return host.LaneSpec{RunID: testkit.NewRunID(), Lane: lane, Argv: argv, Dir: dir,
		Env: []string{"PATH=/usr/bin:/bin"}, Transcript: filepath.Join(dir, "lanes", lane, "transcript.log")}
}

func waitExit(t *testing.T, hst *host.Exec, h contract.LaneHandle) int {
	t.Helper()
	var code int
	testkit.WaitFor(t, 10*time.Second, "lane "+h.Lane+" to exit", func() bool {
		c, exited, err := hst.ExitStatus(t.Context(), h)
		require.NoError(t, err)
		code = c
		return exited
	})
	return code
}

func TestExecHostLifecycle(t *testing.T) {
	ctx := t.Context()
	state := filepath.Join(t.TempDir(), "exec")
	hst := host.NewExec(host.ExecOptions{StateDir: state})
	spec := execSpec(t, "worker", "sh", "-c", `echo out; echo err >&2; read line; echo "got:$line"; exit 4`)
	spec.KeepStdin = true
	h, err := hst.Start(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, host.KindExec, h.Host)
	assert.Positive(t, host.PID(h))
	ok, err := hst.Alive(ctx, h)
	require.NoError(t, err)
	assert.True(t, ok)

	_, err = hst.Start(ctx, spec)
	assert.Equal(t, errs.Conflict, errs.CodeOf(err), "a running lane is not started twice")

	testkit.WaitFor(t, 5*time.Second, "output in the transcript", func() bool {
		s, _ := hst.Capture(ctx, h, 10)
		return strings.Contains(s, "out") && strings.Contains(s, "err")
	})
	require.NoError(t, hst.Send(ctx, h, "hello; $(id)", true))
	assert.Equal(t, 4, waitExit(t, hst, h))
	s, err := hst.Capture(ctx, h, 1)
	require.NoError(t, err)
	assert.Equal(t, "got:hello; $(id)", s)
	ok, err = hst.Alive(ctx, h)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, errs.Conflict, errs.CodeOf(hst.Send(ctx, h, "late", true)), "stdin closes when the program ends")
	require.NoError(t, hst.Kill(ctx, h), "killing an ended lane is fine")
	fi, err := os.Stat(h.Transcript)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// Another process (another host on the same state dir) sees the lane.
	other := host.NewExec(host.ExecOptions{StateDir: state})
	listed, err := other.List(ctx, h.RunID)
	require.NoError(t, err)
	assert.Equal(t, []contract.LaneHandle{h}, listed)
	code, exited, err := other.ExitStatus(ctx, h)
	require.NoError(t, err)
	assert.True(t, exited)
	assert.Equal(t, 4, code)
	ok, err = other.Alive(ctx, h)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, errs.NotFound, errs.CodeOf(other.Send(ctx, h, "x", true)), "only the starting process can write stdin")
	s, err = other.Capture(ctx, h, 1)
	require.NoError(t, err)
	assert.Equal(t, "got:hello; $(id)", s, "any process can read the transcript")

	_, _, err = host.NewExec(host.ExecOptions{}).ExitStatus(ctx, h)
	assert.Equal(t, errs.NotFound, errs.CodeOf(err), "without state, another process cannot know")
}

func TestExecHostEnvironmentAndArgs(t *testing.T) {
	ctx := t.Context()
	hst := host.NewExec(host.ExecOptions{})
	out := filepath.Join(t.TempDir(), "dump.json")
	nasty := []string{"a;", "$(touch pwned)", "`touch pwned2`", "x\ny", "#(touch pwned3)", "'", "\\"}
	spec := execSpec(t, "dump", append([]string{testkit.Self(t)}, nasty...)...)
	spec.Env = []string{helperEnv + "=dump", "COCODER_DUMP=" + out, "ONLY=this"}
	h, err := hst.Start(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, 0, waitExit(t, hst, h))
	d := readDump(t, out)
	assert.Equal(t, nasty, d.Args)
	assert.Equal(t, spec.Dir, d.Dir)
	got := slices.Clone(d.Env)
	slices.Sort(got)
	want := slices.Clone(spec.Env)
	slices.Sort(want)
	assert.Equal(t, want, got, "the child sees exactly the spec's environment")
	ents, _ := os.ReadDir(spec.Dir)
	for _, e := range ents {
		assert.NotContains(t, e.Name(), "pwned")
	}

	// argv[0] is found in the lane's PATH, not in the engine's.
	t.Setenv("PATH", "/nonexistent")
	spec = execSpec(t, "env", "env")
	spec.Env = []string{"A=1"}
	h, err = hst.Start(ctx, spec)
	require.NoError(t, err, "env is found in the default lane PATH")
	assert.Equal(t, 0, waitExit(t, hst, h))
	s, err := hst.Capture(ctx, h, 0)
	require.NoError(t, err)
	assert.Equal(t, "A=1", s)

	spec = execSpec(t, "missing", "no-such-program-xyz")
	_, err = hst.Start(ctx, spec)
	assert.Equal(t, errs.Unavailable, errs.CodeOf(err))
	spec = execSpec(t, "relative", "sh")
	spec.Env = []string{"PATH=relative/bin:."}
	_, err = hst.Start(ctx, spec)
	assert.Equal(t, errs.Unavailable, errs.CodeOf(err), "relative PATH entries are not searched")
}

func TestExecHostStdin(t *testing.T) {
	ctx := t.Context()
	hst := host.NewExec(host.ExecOptions{})
	spec := execSpec(t, "reader", "cat")
	spec.Stdin = "the prompt\nsecond line\n"
	h, err := hst.Start(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, 0, waitExit(t, hst, h), "stdin is closed after the prompt, so cat ends")
	s, err := hst.Capture(ctx, h, 0)
	require.NoError(t, err)
	assert.Equal(t, "the prompt\nsecond line", s)

	spec = execSpec(t, "reader", "sleep", "5")
	spec.Stdin = "x"
	h, err = hst.Start(ctx, spec)
	require.NoError(t, err)
	testkit.WaitFor(t, 5*time.Second, "stdin to be closed", func() bool {
		return errs.CodeOf(hst.Send(ctx, h, "more", false)) == errs.Conflict
	})
	require.NoError(t, hst.Kill(ctx, h))
}

// TestExecHostPressKeys: an exec lane's keys are bytes on its stdin,
// Enter a line feed as Send writes it; SendSubmit writes the text, then
// the keys.
func TestExecHostPressKeys(t *testing.T) {
	ctx := t.Context()
	hst := host.NewExec(host.ExecOptions{})
	spec := execSpec(t, "keys", "sh", "-c", "head -c 12 | od -An -tx1 -w12")
	spec.KeepStdin = true
	h, err := hst.Start(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, errs.Invalid, errs.CodeOf(hst.PressKeys(ctx, h, []string{"Return"})))
	assert.Equal(t, errs.Invalid, errs.CodeOf(host.SendSubmit(ctx, hst, h, "no", []string{"Escape"})), "nothing is sent with a bad sequence")
	require.NoError(t, hst.PressKeys(ctx, h, []string{"Enter", "C-m", "C-j", "M-Enter"}))
	require.NoError(t, hst.PressKeys(ctx, h, []string{"Tab", "Escape", "Enter"}))
	require.NoError(t, host.SendSubmit(ctx, hst, h, "hi", []string{"Tab", "C-m"}))
	assert.Equal(t, 0, waitExit(t, hst, h))
	s, err := hst.Capture(ctx, h, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"0a", "0d", "0a", "1b", "0a", "09", "1b", "0a", "68", "69", "09", "0d"}, strings.Fields(s))
}

func TestExecHostKillsTree(t *testing.T) {
	ctx := t.Context()
	hst := host.NewExec(host.ExecOptions{KillGrace: 300 * time.Millisecond})
	h, err := hst.Start(ctx, execSpec(t, "tree", "sh", "-c", `trap "" TERM; sleep 300 & echo child=$!; wait`))
	require.NoError(t, err)
	var child int
	testkit.WaitFor(t, 5*time.Second, "the child's pid", func() bool {
		s, _ := hst.Capture(ctx, h, 0)
		v, ok := strings.CutPrefix(s, "child=")
		child, _ = strconv.Atoi(v)
		return ok && child > 0
	})
	require.True(t, testkit.Alive(child))
	start := time.Now()
	require.NoError(t, hst.Kill(ctx, h))
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.False(t, testkit.Alive(host.PID(h)), "the lane's program is gone")
	testkit.WaitFor(t, 5*time.Second, "the grandchild to die", func() bool { return !testkit.Alive(child) })
	code, exited, err := hst.ExitStatus(ctx, h)
	require.NoError(t, err)
	assert.True(t, exited)
	assert.Equal(t, -1, code, "ended by a signal")

	// A second process kills a lane through the state file.
	state := filepath.Join(t.TempDir(), "exec")
	a := host.NewExec(host.ExecOptions{StateDir: state})
	h, err = a.Start(ctx, execSpec(t, "sleeper", "sleep", "300"))
	require.NoError(t, err)
	b := host.NewExec(host.ExecOptions{StateDir: state, KillGrace: 300 * time.Millisecond})
	require.NoError(t, b.Kill(ctx, h))
	assert.Equal(t, -1, waitExit(t, a, h))
}

// maskWriter replaces a word in each write and records whether it was
// flushed.
type maskWriter struct {
	w       io.Writer
	mu      *sync.Mutex
	flushed *bool
}

func (m maskWriter) Write(p []byte) (int, error) {
	_, err := m.w.Write(bytes.ReplaceAll(p, []byte("hunter22"), []byte("[REDACTED]")))
	return len(p), err
}

func (m maskWriter) Flush() error {
	m.mu.Lock()
	*m.flushed = true
	m.mu.Unlock()
	return nil
}

func TestExecHostWrap(t *testing.T) {
	var mu sync.Mutex
	flushed := false
	hst := host.NewExec(host.ExecOptions{Wrap: func(w io.Writer) io.Writer { return maskWriter{w, &mu, &flushed} }})
	h, err := hst.Start(t.Context(), execSpec(t, "leaky", "sh", "-c", "echo password=hunter22; echo hunter22 >&2"))
	require.NoError(t, err)
	waitExit(t, hst, h)
	b, err := os.ReadFile(h.Transcript)
	require.NoError(t, err)
	assert.Equal(t, "password=[REDACTED]\n[REDACTED]\n", string(b))
	mu.Lock()
	assert.True(t, flushed, "the wrapper is flushed when the program ends")
	mu.Unlock()
}

func TestExecHostRefuses(t *testing.T) {
	ctx := t.Context()
	hst := host.NewExec(host.ExecOptions{})
	bad := contract.LaneHandle{Host: host.KindTmux, RunID: testkit.NewRunID(), Lane: "x", Ref: map[string]string{"pid": "1"}}
	assert.Equal(t, errs.Invalid, errs.CodeOf(hst.Send(ctx, bad, "x", true)))
	assert.Equal(t, errs.Invalid, errs.CodeOf(hst.Kill(ctx, bad)))
	_, err := hst.Capture(ctx, bad, 0)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	_, err = hst.List(ctx, "../x")
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	spec := execSpec(t, "x", "true")
	spec.Lane = "x;y"
	_, err = hst.Start(ctx, spec)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))

	// A damaged state file is ignored, not trusted.
	state := filepath.Join(t.TempDir(), "exec")
	id := testkit.NewRunID()
	require.NoError(t, os.Mkdir(state, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(state, id+".exec.json"), []byte(`{"lanes":[{"handle":{"host":"exec","runId":"`+id+`","lane":"../x","pid":1}}]}`), 0o600))
	listed, err := host.NewExec(host.ExecOptions{StateDir: state}).List(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, listed)
}
