package host_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/internal/faketui"
)

// tuiOptions are the delivery options matching the fake TUI's screen.
func tuiOptions() host.DeliveryOptions {
	return host.DeliveryOptions{
		ReadyPattern:   "^" + regexp.QuoteMeta(faketui.Prompt),
		BusyPattern:    regexp.QuoteMeta(faketui.Busy),
		DialogPattern:  regexp.QuoteMeta(faketui.Dialog),
		ReadyTimeout:   5 * time.Second,
		ConfirmTimeout: time.Second,
	}
}

// submissions reads the fake TUI's log of submitted messages.
func submissions(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s faketui.Submission
		require.NoError(t, json.Unmarshal(sc.Bytes(), &s))
		out = append(out, s.Text)
	}
	return out
}

// TestDeliver drives Deliver against the fake TUI in real tmux panes.
func TestDeliver(t *testing.T) {
	hst := testkit.NewTmux(t)
	runID := testkit.NewRunID()
	const text = "Read lanes/writer/prompt.md and do what it says; then write $COCODER_RESULT_FILE."
	for name, tc := range map[string]struct {
		flags     []string
		text      string
		opt       func(*host.DeliveryOptions)
		delivered bool
		attempts  int
		pastes    int
		submitted []string // nil: the text once
		reason    string
	}{
		"OK":                    {delivered: true, attempts: 1, pastes: 1},
		"MultiLine":             {text: "first line\nsecond line; $(id)\n", delivered: true, attempts: 1, pastes: 1, submitted: []string{"first line\nsecond line; $(id)"}},
		"SwallowedEnter":        {flags: []string{"-swallow-enters", "1"}, delivered: true, attempts: 2, pastes: 1},
		"DroppedPaste":          {flags: []string{"-drop-pastes", "1"}, delivered: true, attempts: 1, pastes: 2},
		"SlowStart":             {flags: []string{"-ready-after", "1500ms"}, delivered: true, attempts: 1, pastes: 1},
		"Busy":                  {flags: []string{"-busy", "3s"}, delivered: true, attempts: 1, pastes: 1, reason: "busy marker"},
		"SettleBeatsEarlyEnter": {flags: []string{"-enter-window", "150ms"}, delivered: true, attempts: 1, pastes: 1},
		// The window is wide enough that the first Enter (50ms after the
		// paste) lands in it even on a loaded machine, and the retry
		// (after ConfirmTimeout) lands after it.
		"EarlyEnterRetried": {flags: []string{"-enter-window", "700ms"}, opt: func(o *host.DeliveryOptions) {
			o.Settle, o.ConfirmTimeout = 50*time.Millisecond, 1500*time.Millisecond
		},
			delivered: true, attempts: 2, pastes: 1, submitted: []string{text + "\n"}},
		"NeverSubmitted":  {flags: []string{"-swallow-enters", "99"}, attempts: 3, pastes: 1, submitted: []string{}, reason: "no proof of submission"},
		"PasteNeverLands": {flags: []string{"-drop-pastes", "99"}, attempts: 0, pastes: 2, submitted: []string{}, reason: "never appeared"},
		"Dialog": {flags: []string{"-dialog"}, opt: func(o *host.DeliveryOptions) { o.ReadyTimeout = time.Second },
			attempts: 0, pastes: 0, submitted: []string{}, reason: "dialog"},
		"NotReady": {flags: []string{"-ready-after", "1h"}, opt: func(o *host.DeliveryOptions) { o.ReadyTimeout = 700 * time.Millisecond },
			attempts: 0, pastes: 0, submitted: []string{}, reason: "ready pattern"},
		// A TUI that submits on C-j and takes Enter as a newline: the
		// declared key submits, Enter alone never does.
		"SubmitKey": {flags: []string{"-submit-lf"}, opt: func(o *host.DeliveryOptions) { o.SubmitKeys = []string{"C-j"} },
			delivered: true, attempts: 1, pastes: 1},
		"EnterIsNotItsSubmitKey": {flags: []string{"-submit-lf"}, attempts: 3, pastes: 1, submitted: []string{}, reason: "after 3 presses of Enter"},
		// The paste shows late, and a status line at once: the text is
		// waited for, so that Enter's newline is not taken for a
		// submission.
		"LatePasteNotSubmitted": {flags: []string{"-submit-lf", "-show-paste-after", "700ms"}, attempts: 3, pastes: 1, submitted: []string{}, reason: "no proof of submission"},
		"LatePaste":             {flags: []string{"-show-paste-after", "700ms"}, delivered: true, attempts: 1, pastes: 1, reason: "left the input area"},
		"SubmitSequence": {flags: []string{"-submit-lf"}, opt: func(o *host.DeliveryOptions) { o.SubmitKeys = []string{"Escape", "C-j"} },
			delivered: true, attempts: 1, pastes: 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			log := filepath.Join(t.TempDir(), "submitted.jsonl")
			lane := "l" + testkit.RandHex(4)
			h, err := hst.Start(t.Context(), host.LaneSpec{
				RunID: runID, Lane: lane, Dir: t.TempDir(), Width: 120, Height: 30,
				Argv: append([]string{testkit.Self(t), "-log", log}, tc.flags...),
				Env:  []string{helperEnv + "=faketui", "LANG=C.UTF-8"},
			})
			require.NoError(t, err)
			t.Cleanup(func() { _ = hst.Kill(context.WithoutCancel(t.Context()), h) })
			opt := tuiOptions()
			if tc.opt != nil {
				tc.opt(&opt)
			}
			msg := text
			if tc.text != "" {
				msg = tc.text
			}
			out, err := host.Deliver(t.Context(), hst, h, msg, opt)
			require.NoError(t, err)
			t.Logf("outcome: %+v", out)
			assert.Equal(t, tc.delivered, out.Delivered)
			assert.Equal(t, tc.attempts, out.Attempts, "presses of the submit keys")
			assert.Equal(t, tc.pastes, out.Pastes, "pastes")
			assert.Contains(t, out.Reason, tc.reason)
			assert.NotEmpty(t, out.Reason)
			assert.LessOrEqual(t, len([]rune(out.Evidence)), 201)
			want := tc.submitted
			if want == nil {
				want = []string{msg}
			}
			time.Sleep(300 * time.Millisecond) // a late duplicate would show by now
			got := submissions(t, log)
			if len(want) == 0 {
				assert.Empty(t, got, "nothing may be submitted")
			} else {
				assert.Equal(t, want, got, "submitted exactly once, exactly as sent")
			}
		})
	}
}

func TestDeliverExitedProgram(t *testing.T) {
	hst := testkit.NewTmux(t)
	h, err := hst.Start(t.Context(), host.LaneSpec{RunID: testkit.NewRunID(), Lane: "gone", Dir: t.TempDir(), Argv: []string{"/bin/true", "x"}})
	require.NoError(t, err)
	out, err := host.Deliver(t.Context(), hst, h, "hello", tuiOptions())
	require.NoError(t, err)
	assert.False(t, out.Delivered)
	assert.Contains(t, out.Reason, "exited")
	assert.Zero(t, out.Pastes)
}

// fakeHost is a Host whose methods are funcs, for the failure paths of
// Deliver that a real pane cannot produce on demand.
type fakeHost struct {
	send    func(text string, submit bool) error
	capture func() (string, error)
}

func (f fakeHost) Start(context.Context, host.LaneSpec) (contract.LaneHandle, error) {
	return contract.LaneHandle{}, nil
}
func (f fakeHost) Send(_ context.Context, _ contract.LaneHandle, text string, submit bool) error {
	return f.send(text, submit)
}
func (f fakeHost) Capture(context.Context, contract.LaneHandle, int) (string, error) {
	return f.capture()
}
func (f fakeHost) Alive(context.Context, contract.LaneHandle) (bool, error)    { return true, nil }
func (f fakeHost) Kill(context.Context, contract.LaneHandle) error             { return nil }
func (f fakeHost) List(context.Context, string) ([]contract.LaneHandle, error) { return nil, nil }

func TestDeliverErrors(t *testing.T) {
	ready := fakeHost{send: func(string, bool) error { return nil }, capture: func() (string, error) { return "READY> ", nil }}
	h := contract.LaneHandle{Lane: "x"}
	for name, tc := range map[string]struct {
		host host.Host
		text string
		opt  host.DeliveryOptions
		code errs.Code
	}{
		"ErrReadyPattern":  {ready, "hi", host.DeliveryOptions{ReadyPattern: "("}, errs.Invalid},
		"ErrBusyPattern":   {ready, "hi", host.DeliveryOptions{BusyPattern: "[z-a]"}, errs.Invalid},
		"ErrDialogPattern": {ready, "hi", host.DeliveryOptions{DialogPattern: "*"}, errs.Invalid},
		"ErrEmptyText":     {ready, " \r\n\x1b", host.DeliveryOptions{}, errs.Invalid},
		"ErrCapture": {fakeHost{send: ready.send, capture: func() (string, error) {
			return "", errs.E(errs.NotFound, "test", "pane gone")
		}}, "hi", host.DeliveryOptions{}, errs.NotFound},
		"ErrSend": {fakeHost{capture: ready.capture, send: func(string, bool) error {
			return errs.E(errs.Unavailable, "test", "tmux broke")
		}}, "hi", host.DeliveryOptions{}, errs.Unavailable},
		"ErrSubmitKeyName": {ready, "hi", host.DeliveryOptions{SubmitKeys: []string{"Enter; kill-server"}}, errs.Invalid},
		"ErrSubmitNotLast": {ready, "hi", host.DeliveryOptions{SubmitKeys: []string{"C-j", "Escape"}}, errs.Invalid},
		// fakeHost has no PressKeys: it can submit with Enter only.
		"ErrHostCannotPress": {ready, "hi", host.DeliveryOptions{SubmitKeys: []string{"C-j"}}, errs.Invalid},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := host.Deliver(t.Context(), tc.host, h, tc.text, tc.opt)
			assert.Equal(t, tc.code, errs.CodeOf(err), "%v", err)
		})
	}

	t.Run("ErrCancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := host.Deliver(ctx, ready, h, "hi", host.DeliveryOptions{})
		assert.ErrorIs(t, err, context.Canceled)
	})
}

// TestDeliverTwice sends a second message into a TUI whose screen already
// holds history: the patterns must match the composer line wherever it is.
func TestDeliverTwice(t *testing.T) {
	hst := testkit.NewTmux(t)
	log := filepath.Join(t.TempDir(), "submitted.jsonl")
	h, err := hst.Start(t.Context(), host.LaneSpec{RunID: testkit.NewRunID(), Lane: "lead", Dir: t.TempDir(),
		Argv: []string{testkit.Self(t), "-log", log, "-busy", "500ms"}, Env: []string{helperEnv + "=faketui"}})
	require.NoError(t, err)
	msgs := []string{"first message", "second message", "third message"}
	for _, m := range msgs {
		out, err := host.Deliver(t.Context(), hst, h, m, tuiOptions())
		require.NoError(t, err)
		require.True(t, out.Delivered, "%+v", out)
		assert.Equal(t, 1, out.Attempts)
	}
	testkit.WaitFor(t, 3*time.Second, "three submissions", func() bool { return len(submissions(t, log)) == 3 })
	assert.Equal(t, msgs, submissions(t, log))
}

// TestPressKeys presses keys into a real pane whose program records what
// each read of its raw terminal returns: Enter and C-m send a carriage
// return, C-j a line feed, M-Enter Escape and a carriage return together;
// each key is its own press, and a lone Escape is not merged with the key
// after it. Key names outside the allow-list press nothing.
func TestPressKeys(t *testing.T) {
	hst := testkit.NewTmux(t)
	out := filepath.Join(t.TempDir(), "keys.txt")
	h, err := hst.Start(t.Context(), host.LaneSpec{RunID: testkit.NewRunID(), Lane: "keys", Dir: t.TempDir(),
		Argv: []string{testkit.Self(t)}, Env: []string{helperEnv + "=keys", "COCODER_KEYS=" + out, "PATH=/usr/bin:/bin"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = hst.Kill(context.WithoutCancel(t.Context()), h) })
	testkit.WaitFor(t, 5*time.Second, "the key recorder to start", func() bool {
		_, err := os.Stat(out)
		return err == nil
	})
	for _, bad := range [][]string{{"Enter;"}, {"x"}, {}, {"Enter", "Enter", "Enter", "Enter", "Enter"}} {
		assert.Equal(t, errs.Invalid, errs.CodeOf(hst.PressKeys(t.Context(), h, bad)), "%q", bad)
	}
	start := time.Now()
	require.NoError(t, hst.PressKeys(t.Context(), h, []string{"Enter", "C-m", "C-j", "M-Enter"}))
	require.NoError(t, hst.PressKeys(t.Context(), h, []string{"Tab", "Escape", "Enter"}))
	assert.GreaterOrEqual(t, time.Since(start), 4*100*time.Millisecond+600*time.Millisecond, "keys are pressed apart, longer after Escape")
	const want = "\r\r\n\x1b\r\t\x1b\r"
	var reads []string
	testkit.WaitFor(t, 5*time.Second, "every key to arrive", func() bool {
		reads = readKeys(t, out)
		return len(strings.Join(reads, "")) >= len(want)
	})
	assert.Equal(t, want, strings.Join(reads, ""))
	assert.Contains(t, reads, "\x1b", "the lone Escape arrived on its own, not as Alt-Enter")
}

// readKeys reads the key recorder's file: what each read returned.
func readKeys(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []string
	for l := range strings.Lines(string(b)) {
		s, err := strconv.Unquote(strings.TrimSpace(l))
		require.NoError(t, err)
		out = append(out, s)
	}
	return out
}

// TestLook reads the fake TUI's screen in a real tmux pane: the declared
// dialog while it shows (nothing typed), then, once a person answers it,
// ready and no dialog; busy while a submitted message is worked on.
func TestLook(t *testing.T) {
	hst := testkit.NewTmux(t)
	log := filepath.Join(t.TempDir(), "submitted.jsonl")
	h, err := hst.Start(t.Context(), host.LaneSpec{
		RunID: testkit.NewRunID(), Lane: "look", Dir: t.TempDir(), Width: 120, Height: 30,
		Argv: []string{testkit.Self(t), "-log", log, "-dialog", "-busy", "2s"},
		Env:  []string{helperEnv + "=faketui", "LANG=C.UTF-8"},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = hst.Kill(context.WithoutCancel(t.Context()), h) })
	opt := tuiOptions()
	opt.Dialogs = []contract.Dialog{{Name: "tool-approval", Pattern: regexp.QuoteMeta(faketui.Dialog), Fix: "answer it in the pane"}}
	look := func() host.Screen {
		s, err := host.Look(t.Context(), hst, h, opt)
		require.NoError(t, err)
		return s
	}
	var s host.Screen
	require.Eventually(t, func() bool { s = look(); return s.Dialog != nil }, 5*time.Second, 50*time.Millisecond)
	assert.Equal(t, "tool-approval", s.Dialog.Name)
	assert.Equal(t, faketui.Dialog, s.DialogLine)
	assert.False(t, s.Ready, "the composer is hidden behind the dialog")

	// The person answers with a key press (a paste does not answer it).
	out, err := exec.Command("tmux", "-L", hst.Socket(), "send-keys", "-t", "="+h.RunID+":", "y").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Eventually(t, func() bool { s = look(); return s.Dialog == nil && s.Ready }, 5*time.Second, 50*time.Millisecond)
	assert.False(t, s.Busy)

	rep, err := host.Deliver(t.Context(), hst, h, "work on this", opt)
	require.NoError(t, err)
	require.True(t, rep.Delivered, rep.Reason)
	assert.True(t, look().Busy, "busy while the message is worked on")
	assert.Equal(t, []string{"work on this"}, submissions(t, log), "only the delivered message was submitted")
}
