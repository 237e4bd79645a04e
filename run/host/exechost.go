package host

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/textx"
)

// ExecOptions configures an Exec host.
type ExecOptions struct {
	// StateDir, when set, is where the host keeps one <run id>.exec.json
	// per run (handles and exit codes), so another process can List the
	// run's lanes and read their exit codes. Created 0700 if missing.
	StateDir string
	// KillGrace is how long Kill waits after SIGTERM before SIGKILL.
	// Default 2s.
	KillGrace time.Duration
	// Wrap, when set, wraps the transcript writer (e.g. with the secrets
	// redactor). The wrapper is flushed or closed (if it has Flush() error
	// or Close() error) when the program exits.
	Wrap func(io.Writer) io.Writer
	// CaptureBytes bounds how much of the transcript's end Capture reads.
	// Default 256 KiB.
	CaptureBytes int
}

// Exec runs each lane as a plain child process, for CI and for adapters
// with a headless mode. The child gets exactly the spec's environment and
// its own process group (Kill stops the whole tree); its stdout and stderr
// go to the lane's transcript (through Wrap); Send writes to its stdin.
//
// Lanes belong to the process that started them: another process can List
// them and read exit codes through the state file, and Kill them by process
// group, but only the starting process can Send. An Exec host is safe for
// concurrent use.
type Exec struct {
	opt ExecOptions

	mu    sync.Mutex
	lanes map[string]*execLane // by runID + "/" + lane
}

// execLane is one running (or finished) child.
type execLane struct {
	h      contract.LaneHandle
	cancel context.CancelFunc
	done   chan struct{} // closed once the child is reaped and output flushed

	stdinMu sync.Mutex
	stdin   *os.File // nil when closed

	// Set before done is closed.
	exitCode int
	reason   string
}

// NewExec returns an exec host.
func NewExec(opt ExecOptions) *Exec {
	if opt.KillGrace <= 0 {
		opt.KillGrace = 2 * time.Second
	}
	if opt.CaptureBytes <= 0 {
		opt.CaptureBytes = 256 << 10
	}
	return &Exec{opt: opt, lanes: map[string]*execLane{}}
}

// defaultLanePath is the search path for a lane whose environment has no
// PATH, the same as tmux's.
const defaultLanePath = "/usr/bin:/bin"

// LookPath finds name like a shell would with PATH=path: names with a
// slash are used as they are.
func LookPath(name, path string) (string, error) {
	if strings.ContainsRune(name, '/') {
		return name, nil
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue // relative PATH entries are never searched
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// Start starts the lane's program. argv[0] is looked up in the spec's PATH
// (or /usr/bin:/bin), not in this process's. Errors: errs.Invalid for a
// bad spec, errs.Conflict when the lane is already running on this host,
// errs.Unavailable when the program cannot be started.
func (e *Exec) Start(ctx context.Context, spec LaneSpec) (contract.LaneHandle, error) {
	const op = "host.Exec.Start"
	if err := spec.validate(op); err != nil {
		return contract.LaneHandle{}, err
	}
	key := spec.RunID + "/" + spec.Lane
	e.mu.Lock()
	if l, ok := e.lanes[key]; ok && !l.exited() {
		e.mu.Unlock()
		return contract.LaneHandle{}, errs.E(errs.Conflict, op, "lane %s of run %s is already running (pid %d)", spec.Lane, spec.RunID, pidOf(l.h))
	}
	e.mu.Unlock()

	pathEnv, ok := envValue(spec.Env, "PATH")
	if !ok {
		pathEnv = defaultLanePath
	}
	prog, err := LookPath(spec.Argv[0], pathEnv)
	if err != nil {
		return contract.LaneHandle{}, errs.E(errs.Unavailable, op, "program %q of lane %s is not in the lane's PATH (%s): install it or give its absolute path", spec.Argv[0], spec.Lane, pathEnv)
	}

	if e.opt.StateDir != "" {
		if err := fsx.MkdirPrivate(e.opt.StateDir); err != nil {
			return contract.LaneHandle{}, errs.Wrap(errs.Unavailable, op, err, "cannot use the exec host state directory")
		}
	}
	out, err := openTranscript(spec.Transcript)
	if err != nil {
		return contract.LaneHandle{}, errs.Wrap(errs.Unavailable, op, err, "cannot open the transcript of lane %s", spec.Lane)
	}
	var w io.Writer = out
	if e.opt.Wrap != nil {
		w = e.opt.Wrap(out)
	}

	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cmd := exec.CommandContext(lctx, prog, spec.Argv[1:]...)
	cmd.Args[0] = spec.Argv[0]
	cmd.Dir = spec.Dir
	cmd.Env = append([]string{}, spec.Env...) // non-nil: nothing inherited
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Cancel = func() error { return signalGroup(cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = e.opt.KillGrace

	var stdinR, stdinW *os.File
	if spec.Stdin != "" || spec.KeepStdin {
		if stdinR, stdinW, err = os.Pipe(); err != nil {
			cancel()
			_ = out.Close()
			return contract.LaneHandle{}, errs.Wrap(errs.Unavailable, op, err, "cannot create the stdin pipe of lane %s", spec.Lane)
		}
		cmd.Stdin = stdinR
	}
	if err := cmd.Start(); err != nil {
		cancel()
		_ = out.Close()
		if stdinR != nil {
			_ = stdinR.Close()
			_ = stdinW.Close()
		}
		return contract.LaneHandle{}, errs.Wrap(errs.Unavailable, op, err, "cannot start lane %s", spec.Lane)
	}
	if stdinR != nil {
		_ = stdinR.Close() // the child has its own copy
	}
	l := &execLane{
		h: contract.LaneHandle{Host: KindExec, RunID: spec.RunID, Lane: spec.Lane,
			Ref: pidRef(cmd.Process.Pid), Transcript: spec.Transcript},
		cancel: cancel,
		done:   make(chan struct{}),
		stdin:  stdinW,
	}
	if stdinW != nil && (spec.Stdin != "" || !spec.KeepStdin) {
		// Written in the background: a child that does not read its stdin
		// must not block Start. Writes stay serialised with Send.
		l.stdinMu.Lock()
		go func() {
			defer l.stdinMu.Unlock()
			_, _ = io.WriteString(stdinW, spec.Stdin)
			if !spec.KeepStdin {
				_ = stdinW.Close()
				l.stdin = nil
			}
		}()
	}
	e.mu.Lock()
	e.lanes[key] = l
	e.mu.Unlock()
	go func() {
		werr := cmd.Wait()
		code := cmd.ProcessState.ExitCode()
		reason := ""
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			reason = "killed by signal " + ws.Signal().String()
		} else if werr != nil && code == 0 {
			reason = werr.Error()
		}
		_ = finishWriter(w)
		_ = out.Close()
		if stdinW != nil {
			// Closing first unblocks a write stuck on a full pipe.
			_ = stdinW.Close()
			l.stdinMu.Lock()
			l.stdin = nil
			l.stdinMu.Unlock()
		}
		l.exitCode, l.reason = code, reason
		close(l.done)
		cancel()
		_ = e.saveState(spec.RunID)
	}()
	if err := e.saveState(spec.RunID); err != nil {
		// A lane other processes cannot find must not run unseen.
		_ = e.Kill(context.WithoutCancel(ctx), l.h)
		return contract.LaneHandle{}, err
	}
	return l.h, nil
}

// openTranscript opens the transcript for appending (creating its
// directory 0700), or the null device when there is none.
func openTranscript(path string) (*os.File, error) {
	if path == "" {
		return os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
}

func (l *execLane) exited() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// signalGroup sends sig to the process group led by pid.
func signalGroup(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return nil
	}
	err := syscall.Kill(-pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

func (e *Exec) lane(h contract.LaneHandle) *execLane {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.lanes[h.RunID+"/"+h.Lane]
	if l == nil || pidOf(l.h) != pidOf(h) {
		return nil
	}
	return l
}

func checkExecHandle(op string, h contract.LaneHandle) error {
	if h.Host != KindExec || !contract.ValidRunID(h.RunID) || !contract.ValidLaneName(h.Lane) || pidOf(h) <= 0 {
		return errs.E(errs.Invalid, op, "handle %+v is not an exec lane handle", h)
	}
	return nil
}

// Send writes text to the lane's stdin, followed by a newline when submit
// is set. Errors: errs.NotFound when this process did not start the lane,
// errs.Conflict when its stdin is closed (start it with KeepStdin to send
// it text), errs.Unavailable when the write fails or does not finish
// before ctx's deadline.
func (e *Exec) Send(ctx context.Context, h contract.LaneHandle, text string, submit bool) error {
	const op = "host.Exec.Send"
	if err := checkExecHandle(op, h); err != nil {
		return err
	}
	if submit {
		text += "\n"
	}
	return e.writeStdin(ctx, op, h, text)
}

// writeStdin writes text to the stdin of lane h, started by this process,
// within ctx's deadline.
func (e *Exec) writeStdin(ctx context.Context, op string, h contract.LaneHandle, text string) error {
	l := e.lane(h)
	if l == nil {
		return errs.E(errs.NotFound, op, "lane %s of run %s was not started by this process; only its own process can write to its stdin", h.Lane, h.RunID)
	}
	l.stdinMu.Lock()
	defer l.stdinMu.Unlock()
	if l.stdin == nil {
		return errs.E(errs.Conflict, op, "the stdin of lane %s is closed: start the lane with KeepStdin to send it text", h.Lane)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = l.stdin.SetWriteDeadline(dl)
		defer func() { _ = l.stdin.SetWriteDeadline(time.Time{}) }()
	}
	if _, err := io.WriteString(l.stdin, text); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot write to the stdin of lane %s", h.Lane)
	}
	return nil
}

// Capture returns the last lines lines of the lane's transcript (50 when
// lines <= 0), reading at most CaptureBytes from its end. It works from any
// process. It returns errs.NotFound when the lane has no transcript.
func (e *Exec) Capture(ctx context.Context, h contract.LaneHandle, lines int) (string, error) {
	const op = "host.Exec.Capture"
	if err := checkExecHandle(op, h); err != nil {
		return "", err
	}
	if h.Transcript == "" {
		return "", errs.E(errs.NotFound, op, "lane %s has no transcript to capture", h.Lane)
	}
	if lines <= 0 {
		lines = 50
	}
	b, err := fsx.ReadTail(h.Transcript, int64(e.opt.CaptureBytes))
	if err != nil {
		return "", errs.Wrap(errs.NotFound, op, err, "cannot read the transcript of lane %s", h.Lane)
	}
	return textx.LastLines(string(b), lines), nil
}

// Alive reports whether the lane's program runs. For a lane of another
// process it consults the state file, then the process id.
func (e *Exec) Alive(ctx context.Context, h contract.LaneHandle) (bool, error) {
	if err := checkExecHandle("host.Exec.Alive", h); err != nil {
		return false, err
	}
	if l := e.lane(h); l != nil {
		return !l.exited(), nil
	}
	if rec, ok := e.stateOf(h); ok && rec.Exited {
		return false, nil
	}
	return syscall.Kill(pidOf(h), 0) == nil, nil
}

// ExitStatus returns the exit code once the program has exited (-1 when a
// signal ended it). For a lane of another process it needs the state file;
// without one it returns errs.NotFound.
func (e *Exec) ExitStatus(ctx context.Context, h contract.LaneHandle) (int, bool, error) {
	const op = "host.Exec.ExitStatus"
	if err := checkExecHandle(op, h); err != nil {
		return 0, false, err
	}
	if l := e.lane(h); l != nil {
		if !l.exited() {
			return 0, false, nil
		}
		return l.exitCode, true, nil
	}
	if rec, ok := e.stateOf(h); ok {
		return rec.ExitCode, rec.Exited, nil
	}
	return 0, false, errs.E(errs.NotFound, op, "lane %s of run %s is unknown to this process and has no state file", h.Lane, h.RunID)
}

// Kill sends SIGTERM to the lane's process group, waits up to KillGrace,
// then sends SIGKILL, and waits for the program to be reaped (for a lane
// of this process). A lane that already ended is not an error.
func (e *Exec) Kill(ctx context.Context, h contract.LaneHandle) error {
	const op = "host.Exec.Kill"
	if err := checkExecHandle(op, h); err != nil {
		return err
	}
	if l := e.lane(h); l != nil {
		if l.exited() {
			return nil
		}
		_ = signalGroup(pidOf(h), syscall.SIGTERM)
		t := time.NewTimer(e.opt.KillGrace)
		defer t.Stop()
		select {
		case <-l.done:
		case <-t.C:
		case <-ctx.Done():
		}
		// The leader may be gone while others in its group live on.
		_ = signalGroup(pidOf(h), syscall.SIGKILL)
		select {
		case <-l.done:
			return nil
		case <-ctx.Done():
			return errs.Wrap(errs.Unavailable, op, ctx.Err(), "lane %s did not end", h.Lane)
		}
	}
	if rec, ok := e.stateOf(h); ok && rec.Exited {
		return nil
	}
	if err := signalGroup(pidOf(h), syscall.SIGTERM); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot signal lane %s (pid %d)", h.Lane, pidOf(h))
	}
	reapGroup(ctx, pidOf(h), e.opt.KillGrace)
	return nil
}

// List returns the lanes of run runID this process started, plus those the
// state file knows, sorted by lane.
func (e *Exec) List(ctx context.Context, runID string) ([]contract.LaneHandle, error) {
	if !contract.ValidRunID(runID) {
		return nil, errs.E(errs.Invalid, "host.Exec.List", "run id %q is not valid", runID)
	}
	seen := map[string]bool{}
	var hs []contract.LaneHandle
	e.mu.Lock()
	for _, l := range e.lanes {
		if l.h.RunID == runID {
			hs = append(hs, l.h)
			seen[l.h.Lane] = true
		}
	}
	e.mu.Unlock()
	for _, rec := range e.readState(runID) {
		if !seen[rec.Handle.Lane] {
			hs = append(hs, rec.Handle)
		}
	}
	slices.SortFunc(hs, func(a, b contract.LaneHandle) int { return strings.Compare(a.Lane, b.Lane) })
	return hs, nil
}

// execRecord is one lane in the state file.
type execRecord struct {
	Handle   contract.LaneHandle `json:"handle"`
	Exited   bool                `json:"exited"`
	ExitCode int                 `json:"exitCode"`
	Reason   string              `json:"reason,omitempty"`
}

func (e *Exec) statePath(runID string) string {
	return filepath.Join(e.opt.StateDir, runID+".exec.json")
}

// saveState rewrites the run's state file from the lanes in memory, keeping
// records of lanes this process does not have.
func (e *Exec) saveState(runID string) error {
	if e.opt.StateDir == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	recs := map[string]execRecord{}
	for _, r := range e.readState(runID) {
		recs[r.Handle.Lane] = r
	}
	for _, l := range e.lanes {
		if l.h.RunID != runID {
			continue
		}
		r := execRecord{Handle: l.h}
		if l.exited() {
			r.Exited, r.ExitCode, r.Reason = true, l.exitCode, l.reason
		}
		recs[l.h.Lane] = r
	}
	list := slices.SortedFunc(func(yield func(execRecord) bool) {
		for _, r := range recs {
			if !yield(r) {
				return
			}
		}
	}, func(a, b execRecord) int { return strings.Compare(a.Handle.Lane, b.Handle.Lane) })
	b, err := json.MarshalIndent(map[string]any{"lanes": list}, "", "  ")
	if err != nil {
		return errs.Wrap(errs.Internal, "host.Exec", err, "cannot encode the state of run %s", runID)
	}
	if err := fsx.MkdirPrivate(e.opt.StateDir); err != nil {
		return errs.Wrap(errs.Unavailable, "host.Exec", err, "cannot use the exec host state directory")
	}
	if err := fsx.WriteFile(e.statePath(runID), append(b, '\n'), 0o600); err != nil {
		return errs.Wrap(errs.Unavailable, "host.Exec", err, "cannot write the state of run %s", runID)
	}
	return nil
}

// readState returns the records of the run's state file (none when there
// is no state dir, no file or it does not parse).
func (e *Exec) readState(runID string) []execRecord {
	if e.opt.StateDir == "" {
		return nil
	}
	b, err := os.ReadFile(e.statePath(runID))
	if err != nil {
		return nil
	}
	var doc struct {
		Lanes []execRecord `json:"lanes"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	var out []execRecord
	for _, r := range doc.Lanes {
		if r.Handle.RunID == runID && r.Handle.Host == KindExec && contract.ValidLaneName(r.Handle.Lane) {
			out = append(out, r)
		}
	}
	return out
}

// stateOf finds h's record in the state file; it must name the same pid.
func (e *Exec) stateOf(h contract.LaneHandle) (execRecord, bool) {
	for _, r := range e.readState(h.RunID) {
		if r.Handle.Lane == h.Lane && pidOf(r.Handle) == pidOf(h) {
			return r, true
		}
	}
	return execRecord{}, false
}
