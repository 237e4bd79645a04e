package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/clock"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/textx"
)

// TmuxOptions configures a Tmux host.
type TmuxOptions struct {
	// Bin is the tmux binary: a name looked up in PATH or a path. Default
	// "tmux".
	Bin string
	// Socket is the name of the private tmux server (tmux -L). Required:
	// the host never falls back to the user's default server. Use
	// SocketForHome to derive it from the CoCoder home.
	Socket string
	// TmpDir is the directory tmux keeps its sockets in (TMUX_TMPDIR).
	// Default: this process's $TMUX_TMPDIR, else tmux's default (/tmp).
	TmpDir string
	// Timeout bounds each tmux command. Default 10s.
	Timeout time.Duration
	// Settle is the pause between a paste and its Enter when Send is asked
	// to submit text. Agent TUIs take an Enter that arrives too soon after
	// a paste as a newline; 300ms (the default) is the safe floor.
	Settle time.Duration
	// KillGrace is how long Kill waits for the lane's processes to end
	// after closing the pane before it kills them with SIGKILL. Default 2s.
	KillGrace time.Duration
	// HistoryLimit is the number of scrollback lines each pane keeps (and
	// so the longest transcript). Default 20000.
	HistoryLimit int
	// Width and Height are the default terminal size of a lane whose spec
	// gives none. Default 200×50.
	Width, Height int
	// Wrap, when set, wraps the writer of a transcript, e.g. with the
	// secrets redactor. If the wrapper has a Flush() error or Close()
	// error method it is called when the transcript is complete.
	Wrap func(io.Writer) io.Writer
}

// Tmux runs each lane in a tmux pane on a private tmux server.
//
// Layout: one server per CoCoder home (tmux -L <Socket>, started with no
// config file), one session per run named after the run id, one window per
// lane named after the lane. Windows rather than split panes, because every
// agent TUI gets the whole terminal, adding a lane never resizes the lanes
// already running (a resize in the middle of a prompt delivery can garble
// it), and "tmux -L <socket> attach -t <run id>" shows one lane at a time
// with the lane names in the status line. Each pane's border shows its
// title ("lane · persona · model").
//
// The pane runs the lane's argv through env(1), never through a shell, and
// its program sees exactly the spec's environment plus what tmux itself
// sets, less the variables that point at the private server (TMUX,
// TMUX_PANE, TMUX_TMPDIR are unset): TERM (overridable by the spec),
// TERM_PROGRAM, TERM_PROGRAM_VERSION, SHELL and PWD, and
// PATH=/usr/bin:/bin when the spec has no PATH. docs/runs.md has the
// details, docs/security.md what a lane can still do to the server.
//
// Transcripts are captured from the pane's scrollback when the lane is
// killed, through Wrap, and written atomically.
//
// A Tmux host is safe for concurrent use.
type Tmux struct {
	opt    TmuxOptions
	c      *tmuxClient
	envBin string // absolute path of env(1), which starts every lane (laneArgv)

	versionOnce sync.Once
	versionErr  error

	mu      sync.Mutex     // serialises Start, so window indexes are not raced
	windows map[string]int // session → next free window index, for sessions this host made
}

// minTmux is the oldest tmux this host works with (new-session -e,
// copy-mode -q, pane options).
const minTmux = "3.2"

// SocketForHome returns the tmux socket name of a CoCoder home:
// "cocoder-" and the first 12 hex digits of the SHA-256 of its absolute
// path. Each home gets its own tmux server, and no home shares the user's
// default one.
func SocketForHome(home string) string {
	if abs, err := filepath.Abs(home); err == nil {
		home = abs
	}
	sum := sha256.Sum256([]byte(filepath.Clean(home)))
	return "cocoder-" + hex.EncodeToString(sum[:6])
}

var socketPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`) })

// NewTmux returns a tmux host. It returns errs.Unavailable when tmux is
// not installed and errs.Invalid when Socket is missing or not a plain
// name. The tmux version is checked at the first Start (3.2 or newer).
func NewTmux(opt TmuxOptions) (*Tmux, error) {
	const op = "host.NewTmux"
	if opt.Bin == "" {
		opt.Bin = "tmux"
	}
	bin, err := exec.LookPath(opt.Bin)
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "tmux is not installed: install it with your package manager (apt install tmux, brew install tmux)")
	}
	if !socketPattern().MatchString(opt.Socket) {
		return nil, errs.E(errs.Invalid, op, "tmux socket name %q is not valid: give a plain name such as run.SocketForHome(home)", opt.Socket)
	}
	if opt.TmpDir == "" {
		opt.TmpDir = os.Getenv("TMUX_TMPDIR")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.Settle <= 0 {
		opt.Settle = 300 * time.Millisecond
	}
	if opt.KillGrace <= 0 {
		opt.KillGrace = 2 * time.Second
	}
	if opt.HistoryLimit <= 0 {
		opt.HistoryLimit = 20000
	}
	if opt.Width <= 0 {
		opt.Width = 200
	}
	if opt.Height <= 0 {
		opt.Height = 50
	}
	envBin, err := exec.LookPath("env")
	if err != nil {
		envBin = "/usr/bin/env"
	}
	return &Tmux{
		opt:     opt,
		envBin:  envBin,
		c:       &tmuxClient{bin: bin, socket: opt.Socket, tmpDir: opt.TmpDir, timeout: opt.Timeout},
		windows: map[string]int{},
	}, nil
}

// Socket returns the name of the host's tmux server socket.
func (t *Tmux) Socket() string { return t.opt.Socket }

// AttachCommand returns the argv that attaches a terminal to the tmux
// session of h's run, for the user to run (cocoder run attach). With
// selectLane the terminal shows h's window, else the session's first (the
// lead's). It returns errs.Invalid for a handle of another host or server.
func (t *Tmux) AttachCommand(h contract.LaneHandle, selectLane bool) ([]string, error) {
	if err := t.checkHandle("host.Tmux.AttachCommand", h); err != nil {
		return nil, err
	}
	argv := []string{t.c.bin, "-L", t.opt.Socket, "attach-session", "-t", "=" + h.RunID}
	if w := paneOf(h).window; selectLane && w != "" {
		argv = append(argv, ";", "select-window", "-t", w)
	}
	return argv, nil
}

// checkVersion refuses a tmux older than minTmux. An unparseable version
// (a development build) is accepted.
func (t *Tmux) checkVersion(ctx context.Context) error {
	t.versionOnce.Do(func() {
		out, err := exec.CommandContext(ctx, t.c.bin, "-V").Output()
		if err != nil {
			t.versionErr = errs.Wrap(errs.Unavailable, "host.Tmux", err, "cannot run %s -V: is tmux installed correctly?", t.c.bin)
			return
		}
		v := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "tmux"))
		if tooOld(v, minTmux) {
			t.versionErr = errs.E(errs.Unavailable, "host.Tmux", "tmux %s is too old: cocoder needs tmux %s or newer", v, minTmux)
		}
	})
	return t.versionErr
}

// tooOld compares "3.3a"-style versions by their major and minor numbers.
func tooOld(have, want string) bool {
	parse := func(s string) (int, int, bool) {
		maj, rest, _ := strings.Cut(s, ".")
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		a, err1 := strconv.Atoi(maj)
		b, err2 := strconv.Atoi(rest[:i])
		return a, b, err1 == nil && err2 == nil
	}
	ha, hb, ok := parse(have)
	wa, wb, _ := parse(want)
	return ok && (ha < wa || ha == wa && hb < wb)
}

// serverSetup are the settings of the private server, sent with every
// command that may start it. The global environment is emptied of what
// the starting client had, so panes inherit nothing by accident.
func (t *Tmux) serverSetup() []command {
	return []command{
		{"set-option", "-g", "remain-on-exit", "on"},
		{"set-option", "-g", "history-limit", strconv.Itoa(t.opt.HistoryLimit)},
		{"set-option", "-g", "base-index", "0"},
		{"set-option", "-wg", "automatic-rename", "off"},
		{"set-option", "-wg", "allow-rename", "off"},
		{"set-option", "-wg", "pane-border-status", "top"},
		{"set-option", "-wg", "pane-border-format", " #{@cocoder_title} "},
		{"set-environment", "-g", "-u", "PATH"},
		{"set-environment", "-g", "-u", "TMUX_TMPDIR"},
		{"set-environment", "-g", "-u", "PWD"},
	}
}

// Start creates the lane's window (and the run's session for its first
// lane) and returns the handle. Errors: errs.Invalid for a bad spec or a
// command too long for tmux, errs.Unavailable when tmux is missing, too
// old or fails.
func (t *Tmux) Start(ctx context.Context, spec LaneSpec) (contract.LaneHandle, error) {
	const op = "host.Tmux.Start"
	if err := spec.validate(op); err != nil {
		return contract.LaneHandle{}, err
	}
	if err := validTranscriptPath(op, spec.Transcript); err != nil {
		return contract.LaneHandle{}, err
	}
	if err := t.checkVersion(ctx); err != nil {
		return contract.LaneHandle{}, err
	}
	w, h := spec.Width, spec.Height
	if w == 0 {
		w = t.opt.Width
	}
	if h == 0 {
		h = t.opt.Height
	}
	session := spec.RunID
	argv := t.laneArgv(spec.Argv)
	// The pane's PATH is the creating client's PATH (tmux overrides -e
	// PATH with it), so the client gets the spec's PATH.
	pathEnv, _ := envValue(spec.Env, "PATH")

	t.mu.Lock()
	defer t.mu.Unlock()
	idx, known := t.windows[session]
	out, err := t.create(ctx, spec, argv, pathEnv, &idx, known, w, h)
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			return contract.LaneHandle{}, err
		}
		return contract.LaneHandle{}, errs.Wrap(errs.Unavailable, op, err, "cannot start lane %s of run %s in tmux", spec.Lane, spec.RunID)
	}
	t.windows[session] = idx + 1
	fields := strings.Fields(out)
	if len(fields) < 3 {
		return contract.LaneHandle{}, errs.E(errs.Internal, op, "tmux printed %q for the new pane; expected its pane id, pid and window id", strings.TrimSpace(out))
	}
	pid, _ := strconv.Atoi(fields[1])
	return contract.LaneHandle{
		Host: KindTmux, RunID: spec.RunID, Lane: spec.Lane, Transcript: spec.Transcript,
		Ref: paneRef{socket: t.opt.Socket, session: session, window: fields[2], pane: fields[0], pid: pid}.ref(),
	}, nil
}

// hiddenEnv are the variables tmux gives every pane that point at the
// engine's private server (TMUX, TMUX_PANE), and the socket directory the
// engine's client was given (TMUX_TMPDIR). A lane is not told where the
// server is: its tmux commands go to the user's default server or
// nowhere. docs/security.md says what a lane that finds the socket anyway
// can still do.
var hiddenEnv = []string{"TMUX", "TMUX_PANE", "TMUX_TMPDIR"}

// laneArgv is the argv tmux is given for a lane: the lane's argv run by
// env(1) with hiddenEnv unset. tmux sets TMUX and TMUX_PANE in the pane
// after any -e, so only the program that runs in the pane can take them
// out again; env execs the lane's program in place (same pid). It also
// makes the argv at least two words, which tmux executes directly rather
// than through "sh -c".
func (t *Tmux) laneArgv(argv []string) []string {
	out := []string{t.envBin}
	for _, k := range hiddenEnv {
		out = append(out, "-u", k)
	}
	return append(append(out, "--"), argv...)
}

// create makes the lane's window: a new session when the host does not
// know the run's session (falling back to a new window when the session
// exists after all), else a new window at *idx (moving on when the index
// is taken, or making the session when it is gone). It stores the index
// used in *idx. A chain that fails after tmux created the pane (and
// printed its id) has the pane killed, so nothing is left behind.
func (t *Tmux) create(ctx context.Context, spec LaneSpec, argv []string, pathEnv string, idx *int, known bool, w, h int) (string, error) {
	for attempt := 0; ; attempt++ {
		var cmds []command
		if known {
			cmds = t.newWindowCmds(spec, argv, *idx, w, h)
		} else {
			*idx = 0
			cmds = t.newSessionCmds(spec, argv, w, h)
		}
		out, err := t.c.run(ctx, nil, pathEnv, cmds...)
		if err == nil {
			return out, nil
		}
		if f := strings.Fields(out); len(f) > 0 && paneIDPattern().MatchString(f[0]) {
			_, _ = t.c.run(context.WithoutCancel(ctx), nil, "", command{"kill-pane", "-t", f[0]})
			return "", err
		}
		te, ok := errors.AsType[*TmuxError](err)
		if !ok || attempt >= 2 {
			return "", err
		}
		switch {
		case !known && strings.Contains(te.Stderr, "duplicate session"),
			known && strings.Contains(te.Stderr, "in use"):
			if *idx, err = t.nextWindowIndex(ctx, spec.RunID); err != nil {
				return "", err
			}
			known = true
		case known && te.gone():
			known = false
		default:
			return "", err
		}
	}
}

// newSessionCmds creates the run's session with the lane as its first
// window. new-session -e sets the *session's* environment, which later
// windows would inherit, so the names are unset from the session right
// after the first pane is spawned with them.
func (t *Tmux) newSessionCmds(spec LaneSpec, argv []string, w, h int) []command {
	create := command{"new-session", "-d", "-s", spec.RunID, "-n", spec.Lane,
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "-c", tmuxFormat(spec.Dir)}
	create = appendEnv(create, spec.Env)
	create = append(create, "-P", "-F", "#{pane_id} #{pane_pid} #{window_id}", "--")
	create = append(create, argv...)
	cmds := append(t.serverSetup(), create)
	for _, kv := range spec.Env {
		name, _, _ := strings.Cut(kv, "=")
		cmds = append(cmds, command{"set-environment", "-t", "=" + spec.RunID + ":", "-u", name})
	}
	return append(cmds, paneOptions(spec, 0)...)
}

// newWindowCmds adds the lane as window idx of the run's session.
func (t *Tmux) newWindowCmds(spec LaneSpec, argv []string, idx, w, h int) []command {
	target := "=" + spec.RunID + ":" + strconv.Itoa(idx)
	create := command{"new-window", "-d", "-t", target, "-n", spec.Lane, "-c", tmuxFormat(spec.Dir)}
	create = appendEnv(create, spec.Env)
	create = append(create, "-P", "-F", "#{pane_id} #{pane_pid} #{window_id}", "--")
	create = append(create, argv...)
	size := command{"set-option", "-t", "=" + spec.RunID + ":", "default-size", fmt.Sprintf("%dx%d", w, h)}
	return append([]command{size, create}, paneOptions(spec, idx)...)
}

func appendEnv(c command, env []string) command {
	for _, kv := range env {
		c = append(c, "-e", kv)
	}
	return c
}

// paneOptions label the lane's pane so List can find a run's panes after
// a crash, and set its title. The labels are hints: any process that
// reaches the server can change them, so nothing is trusted from them (no
// path, no identity Kill or Send acts on; see identify and List). User options are not expanded when set, so
// their values need no escaping beyond tmuxArg; select-pane -T expands.
func paneOptions(spec LaneSpec, idx int) []command {
	target := "=" + spec.RunID + ":" + strconv.Itoa(idx)
	title := spec.Title
	if title == "" {
		title = spec.Lane
	}
	return []command{
		{"set-option", "-p", "-t", target, "@cocoder_run", spec.RunID},
		{"set-option", "-p", "-t", target, "@cocoder_lane", spec.Lane},
		{"set-option", "-p", "-t", target, "@cocoder_title", title},
		{"select-pane", "-t", target, "-T", tmuxFormat(title)},
	}
}

// nextWindowIndex returns one more than the highest window index of the
// session.
func (t *Tmux) nextWindowIndex(ctx context.Context, session string) (int, error) {
	out, err := t.c.run(ctx, nil, "", command{"list-windows", "-t", "=" + session + ":", "-F", "#{window_index}"})
	if err != nil {
		return 0, err
	}
	next := 0
	for f := range strings.FieldsSeq(out) {
		if n, err := strconv.Atoi(f); err == nil && n >= next {
			next = n + 1
		}
	}
	return next, nil
}

var paneIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^%[0-9]+$`) })

// checkHandle refuses a handle that is not a tmux handle of this server.
func (t *Tmux) checkHandle(op string, h contract.LaneHandle) error {
	if h.Host != KindTmux || !paneIDPattern().MatchString(paneOf(h).pane) || !contract.ValidRunID(h.RunID) || !contract.ValidLaneName(h.Lane) {
		return errs.E(errs.Invalid, op, "handle %+v is not a tmux lane handle", h)
	}
	if paneOf(h).socket != t.opt.Socket {
		return errs.E(errs.Invalid, op, "lane %s runs on tmux server %q, not on this host's %q", h.Lane, paneOf(h).socket, t.opt.Socket)
	}
	return nil
}

// paneInfo is what identify reads about a pane.
type paneInfo struct {
	dead       bool
	exitKnown  bool // tmux has collected the exit status (or signal)
	deadStatus int  // -1 when a signal ended the program
	pid        int
	serverPID  int
}

// identify reads the pane of h and checks it still is h's lane: pane ids
// restart from %0 when the tmux server restarts, so an old handle could
// otherwise reach another lane. ok is false when the pane is gone or is
// not h's lane any more. A handle that knows the pane's pid (every handle
// Start returns) is matched by pane id and pid, which the pane's program
// cannot change; the session name and the lane label, which a program on
// the server can change, are compared only for a handle without a pid.
func (t *Tmux) identify(ctx context.Context, h contract.LaneHandle, more ...command) (info paneInfo, ok bool, err error) {
	cmds := append([]command{{"display-message", "-p", "-t", paneOf(h).pane,
		"#{session_name}\t#{@cocoder_lane}\t#{pane_pid}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}\t#{pid}"}}, more...)
	out, err := t.c.run(ctx, nil, "", cmds...)
	if isGone(err) {
		return info, false, nil
	}
	if err != nil {
		return info, false, errs.Wrap(errs.Unavailable, "host.Tmux", err, "cannot inspect the pane of lane %s", h.Lane)
	}
	line, _, _ := strings.Cut(out, "\n")
	f := strings.Split(line, "\t")
	if len(f) != 7 || (paneOf(h).pid == 0 && (f[0] != paneOf(h).session || f[1] != h.Lane)) {
		return info, false, nil
	}
	info.pid, _ = strconv.Atoi(f[2])
	info.dead = f[3] == "1"
	// The pane is marked dead when its terminal closes, which can be a
	// moment before tmux has reaped the program and knows how it ended.
	if code, err := strconv.Atoi(f[4]); err == nil {
		info.deadStatus, info.exitKnown = code, true
	} else if f[5] != "" {
		info.deadStatus, info.exitKnown = -1, true
	}
	info.serverPID, _ = strconv.Atoi(f[6])
	if paneOf(h).pid != 0 && info.pid != paneOf(h).pid {
		return info, false, nil
	}
	return info, true, nil
}

// Send pastes text into the lane's pane as one bracketed paste (load-buffer
// from stdin, then paste-buffer -p -r -d with a buffer name used once) and,
// with submit, presses Enter as a separate key after the Settle pause.
// Copy mode is cancelled first, since it would swallow the keys. Line
// endings become "\n", a trailing newline is dropped (Enter is the only
// submit), and control characters other than newline and tab are removed,
// so the text cannot end the bracketed paste early or send escape
// sequences.
//
// It returns errs.NotFound when the pane is gone or is no longer the lane's
// (the tmux server was restarted), errs.Invalid for a bad handle.
func (t *Tmux) Send(ctx context.Context, h contract.LaneHandle, text string, submit bool) error {
	const op = "host.Tmux.Send"
	if err := t.checkHandle(op, h); err != nil {
		return err
	}
	text = cleanPaste(text)
	_, ok, err := t.identify(ctx, h, command{"copy-mode", "-q", "-t", paneOf(h).pane})
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.NotFound, op, "the pane of lane %s (%s) is gone or belongs to something else now", h.Lane, paneOf(h).pane)
	}
	if text != "" {
		buf := "cocoder-" + randomHex(6)
		if _, err := t.c.run(ctx, strings.NewReader(text), "",
			command{"load-buffer", "-b", buf, "-"},
			command{"paste-buffer", "-p", "-r", "-d", "-b", buf, "-t", paneOf(h).pane}); err != nil {
			return errs.Wrap(errs.Unavailable, op, err, "cannot paste into lane %s", h.Lane)
		}
		if !submit {
			return nil
		}
		if err := clock.Sleep(ctx, t.opt.Settle); err != nil {
			return errs.Wrap(errs.Unavailable, op, err, "interrupted before Enter")
		}
	}
	if !submit {
		return nil
	}
	if _, err := t.c.run(ctx, nil, "",
		command{"copy-mode", "-q", "-t", paneOf(h).pane},
		command{"send-keys", "-t", paneOf(h).pane, "Enter"}); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot press Enter in lane %s", h.Lane)
	}
	return nil
}

// Capture returns the last lines lines of the pane (scrollback included,
// wrapped lines joined, trailing blank lines dropped); lines <= 0 returns
// the visible screen. It returns errs.NotFound when the pane is gone.
func (t *Tmux) Capture(ctx context.Context, h contract.LaneHandle, lines int) (string, error) {
	const op = "host.Tmux.Capture"
	if err := t.checkHandle(op, h); err != nil {
		return "", err
	}
	c := command{"capture-pane", "-p", "-J", "-t", paneOf(h).pane}
	if lines > 0 {
		c = append(c, "-S", strconv.Itoa(-lines))
	}
	out, err := t.c.run(ctx, nil, "", c)
	if isGone(err) {
		return "", errs.E(errs.NotFound, op, "the pane of lane %s (%s) is gone", h.Lane, paneOf(h).pane)
	}
	if err != nil {
		return "", errs.Wrap(errs.Unavailable, op, err, "cannot capture lane %s", h.Lane)
	}
	return textx.LastLines(out, lines), nil
}

// Alive reports whether the lane's program still runs in its pane. A pane
// that is gone, dead (remain-on-exit keeps it) or no longer the lane's is
// not alive.
func (t *Tmux) Alive(ctx context.Context, h contract.LaneHandle) (bool, error) {
	if err := t.checkHandle("host.Tmux.Alive", h); err != nil {
		return false, err
	}
	info, ok, err := t.identify(ctx, h)
	return ok && !info.dead, err
}

// ExitStatus returns the exit code of the lane's program once it has
// exited (the pane is kept by remain-on-exit); -1 when a signal ended it.
// exited stays false until tmux knows how the program ended. It returns
// errs.NotFound when the pane is gone, since its status went with it.
func (t *Tmux) ExitStatus(ctx context.Context, h contract.LaneHandle) (int, bool, error) {
	const op = "host.Tmux.ExitStatus"
	if err := t.checkHandle(op, h); err != nil {
		return 0, false, err
	}
	info, ok, err := t.identify(ctx, h)
	// tmux (3.3a, seen under load) sometimes misses the SIGCHLD of a
	// pane's program: the pane is dead but the program stays a zombie and
	// its status unknown until another child of the server ends. A
	// SIGCHLD sent to the server makes it reap its children now.
	for try := 0; err == nil && ok && info.dead && !info.exitKnown && info.serverPID > 0 && try < 5; try++ {
		_ = syscall.Kill(info.serverPID, syscall.SIGCHLD)
		if err = clock.Sleep(ctx, 20*time.Millisecond); err == nil {
			info, ok, err = t.identify(ctx, h)
		}
	}
	if err != nil {
		return 0, false, err
	}
	if !ok {
		return 0, false, errs.E(errs.NotFound, op, "the pane of lane %s (%s) is gone; its exit status is unknown", h.Lane, paneOf(h).pane)
	}
	if !info.dead || !info.exitKnown {
		return 0, false, nil
	}
	return info.deadStatus, true, nil
}

// Kill saves the pane's scrollback to the lane's transcript (when the
// handle names one), closes the pane, and if the lane's processes outlive
// that (a program that ignores SIGHUP) kills its process group with
// SIGKILL after KillGrace. A pane that is already gone is not an error.
func (t *Tmux) Kill(ctx context.Context, h contract.LaneHandle) error {
	const op = "host.Tmux.Kill"
	if err := t.checkHandle(op, h); err != nil {
		return err
	}
	info, ok, err := t.identify(ctx, h)
	if err != nil || !ok {
		return err
	}
	var saveErr error
	if h.Transcript != "" {
		saveErr = t.saveTranscript(ctx, h)
	}
	if _, err := t.c.run(ctx, nil, "", command{"kill-pane", "-t", paneOf(h).pane}); err != nil && !isGone(err) {
		return errs.Wrap(errs.Unavailable, op, err, "cannot kill lane %s", h.Lane)
	}
	if !info.dead && info.pid > 0 {
		reapGroup(ctx, info.pid, t.opt.KillGrace)
	}
	return saveErr
}

// reapGroup waits up to grace for process pid to end, then kills its
// process group (the pane's program is the leader of its own session and
// group) with SIGKILL.
func reapGroup(ctx context.Context, pid int, grace time.Duration) {
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		if clock.Sleep(ctx, 20*time.Millisecond) != nil {
			break
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	// Give the parent (the tmux server) a moment to reap it.
	for end := time.Now().Add(time.Second); time.Now().Before(end) && syscall.Kill(pid, 0) == nil; {
		if clock.Sleep(ctx, 10*time.Millisecond) != nil {
			return
		}
	}
}

// saveTranscript writes the pane's whole scrollback to the transcript
// file, through Wrap, atomically.
func (t *Tmux) saveTranscript(ctx context.Context, h contract.LaneHandle) error {
	const op = "host.Tmux.Kill"
	out, err := t.c.run(ctx, nil, "", command{"capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", paneOf(h).pane})
	if err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot capture the transcript of lane %s", h.Lane)
	}
	var buf bytes.Buffer
	if err := writeWrapped(&buf, t.opt.Wrap, []byte(textx.SqueezeBlank(textx.LastLines(out, 0))+"\n")); err != nil {
		return errs.Wrap(errs.Internal, op, err, "cannot filter the transcript of lane %s", h.Lane)
	}
	if err := os.MkdirAll(filepath.Dir(h.Transcript), 0o700); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot create the directory of %s", h.Transcript)
	}
	if err := fsx.WriteFile(h.Transcript, buf.Bytes(), 0o600); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot write the transcript %s", h.Transcript)
	}
	return nil
}

// writeWrapped writes data to w through wrap (when set) and flushes or
// closes the wrapper.
func writeWrapped(w io.Writer, wrap func(io.Writer) io.Writer, data []byte) error {
	ww := w
	if wrap != nil {
		ww = wrap(w)
	}
	if _, err := ww.Write(data); err != nil {
		return err
	}
	return finishWriter(ww)
}

// finishWriter calls Flush or Close on a wrapping writer that has one.
func finishWriter(w io.Writer) error {
	switch f := w.(type) {
	case interface{ Flush() error }:
		return f.Flush()
	case io.Closer:
		return f.Close()
	}
	return nil
}

// List returns the handles of run runID's lanes from the pane labels, dead
// panes included. No session means no lanes. The labels are hints a lane
// could have changed, so a listed handle carries no transcript path (Kill
// then saves none): transcripts are written only where the engine put
// them, from the handles in the ledger.
func (t *Tmux) List(ctx context.Context, runID string) ([]contract.LaneHandle, error) {
	const op = "host.Tmux.List"
	if !contract.ValidRunID(runID) {
		return nil, errs.E(errs.Invalid, op, "run id %q is not valid", runID)
	}
	out, err := t.c.run(ctx, nil, "", command{"list-panes", "-s", "-t", "=" + runID + ":",
		"-F", "#{pane_id}\t#{pane_pid}\t#{window_id}\t#{@cocoder_run}\t#{@cocoder_lane}"})
	if isGone(err) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot list the lanes of run %s", runID)
	}
	var hs []contract.LaneHandle
	for line := range strings.SplitSeq(strings.TrimRight(out, "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 || f[3] != runID || !contract.ValidLaneName(f[4]) {
			continue
		}
		pid, _ := strconv.Atoi(f[1])
		hs = append(hs, contract.LaneHandle{Host: KindTmux, RunID: runID, Lane: f[4],
			Ref: paneRef{socket: t.opt.Socket, session: runID, window: f[2], pane: f[0], pid: pid}.ref()})
	}
	slices.SortFunc(hs, func(a, b contract.LaneHandle) int { return strings.Compare(a.Lane, b.Lane) })
	return hs, nil
}

// Survey reports on the lanes hs of run runID with one list-panes call: a
// lane is found when its pane is in the run's session with the pid its
// handle records (pane ids restart with the server, the pid cannot be
// changed by the pane's program), alive while the pane is not dead, with
// its window's last activity. No session means every lane is gone.
func (t *Tmux) Survey(ctx context.Context, runID string, hs []contract.LaneHandle) (map[string]LaneState, error) {
	const op = "host.Tmux.Survey"
	if !contract.ValidRunID(runID) {
		return nil, errs.E(errs.Invalid, op, "run id %q is not valid", runID)
	}
	out, err := t.c.run(ctx, nil, "", command{"list-panes", "-s", "-t", "=" + runID + ":",
		"-F", "#{pane_id}\t#{pane_pid}\t#{pane_dead}\t#{window_activity}"})
	if isGone(err) {
		return map[string]LaneState{}, nil
	}
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot list the lanes of run %s", runID)
	}
	type pane struct {
		pid   int
		state LaneState
	}
	panes := map[string]pane{}
	for line := range strings.SplitSeq(strings.TrimRight(out, "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			continue
		}
		pid, _ := strconv.Atoi(f[1])
		p := pane{pid: pid, state: LaneState{Alive: f[2] != "1"}}
		if secs, err := strconv.ParseInt(f[3], 10, 64); err == nil && secs > 0 {
			p.state.Activity = time.Unix(secs, 0)
		}
		panes[f[0]] = p
	}
	got := make(map[string]LaneState, len(hs))
	for _, h := range hs {
		ref := paneOf(h)
		if p, ok := panes[ref.pane]; ok && h.Host == KindTmux && h.RunID == runID && ref.pid != 0 && p.pid == ref.pid {
			got[h.Lane] = p.state
		}
	}
	return got, nil
}

// KillRun kills every lane of the run that List finds (saving no
// transcript: kill the ledger's handles first to keep them) and then its
// session. A run with no session is not an error. Like KillServer it is
// not stopped by ctx's cancellation.
func (t *Tmux) KillRun(ctx context.Context, runID string) error {
	ctx = context.WithoutCancel(ctx)
	hs, err := t.List(ctx, runID)
	if err != nil {
		return err
	}
	var first error
	for _, h := range hs {
		if err := t.Kill(ctx, h); err != nil && first == nil {
			first = err
		}
	}
	if _, err := t.c.run(ctx, nil, "", command{"kill-session", "-t", "=" + runID + ":"}); err != nil && !isGone(err) && first == nil {
		first = errs.Wrap(errs.Unavailable, "host.Tmux.KillRun", err, "cannot kill the session of run %s", runID)
	}
	t.mu.Lock()
	delete(t.windows, runID)
	t.mu.Unlock()
	return first
}

// KillServer stops the host's private tmux server and every lane on it.
// A server that is not running is not an error. Being teardown, it runs
// even when ctx is already cancelled (as t.Context() is in a test's
// Cleanup); only the host's Timeout bounds it.
func (t *Tmux) KillServer(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if _, err := t.c.run(ctx, nil, "", command{"kill-server"}); err != nil && !isGone(err) {
		return errs.Wrap(errs.Unavailable, "host.Tmux.KillServer", err, "cannot stop tmux server %s", t.opt.Socket)
	}
	t.mu.Lock()
	clear(t.windows)
	t.mu.Unlock()
	return nil
}

// cleanPaste makes text safe to paste: CRLF and CR become LF, control
// characters other than LF and tab (ESC included, so the text cannot end a
// bracketed paste or move the cursor) are dropped, and trailing newlines
// are removed.
func cleanPaste(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	text = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, text)
	return strings.TrimRight(text, "\n")
}

// validTranscriptPath refuses transcript paths with control characters.
func validTranscriptPath(op, p string) error {
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return errs.E(errs.Invalid, op, "transcript path %q contains control characters", p)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
