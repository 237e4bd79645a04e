package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// Host runs lanes: it starts each lane's program, types into it, reads what
// it shows and stops it. The tmux host (Tmux) is the default; the exec
// host (Exec) runs headless programs as plain child processes. Other
// hosts (another machine, a cluster) fit behind the same interface: nothing
// outside a host assumes the lane's process is local.
//
// Every method takes the handle returned by Start, which is plain data: a
// handle stored in the ledger by one process can be used by another.
type Host interface {
	// Start starts a lane and returns its handle. It does not wait for the
	// program to be ready for input.
	Start(ctx context.Context, spec LaneSpec) (contract.LaneHandle, error)
	// Send gives text to the lane: typed into the pane as one bracketed
	// paste (tmux) or written to stdin (exec). With submit, Enter follows
	// (on tmux after a settle delay, as its own key). Send(ctx, h, "",
	// true) presses Enter alone; Submit presses an adapter's other submit
	// keys (KeyPresser). Send does not check that the text was taken;
	// Deliver does that.
	Send(ctx context.Context, h contract.LaneHandle, text string, submit bool) error
	// Capture returns the last lines lines of what the lane shows (the
	// pane, or the transcript's tail). lines <= 0 means the visible screen
	// (tmux) or a default tail (exec).
	Capture(ctx context.Context, h contract.LaneHandle, lines int) (string, error)
	// Alive reports whether the lane's program is still running. A lane the
	// host no longer knows is not alive; that is not an error.
	Alive(ctx context.Context, h contract.LaneHandle) (bool, error)
	// Kill stops the lane's program and everything it started, and saves
	// its transcript when the host keeps one. Killing a lane that is gone
	// is not an error.
	Kill(ctx context.Context, h contract.LaneHandle) error
	// List returns the handles of the lanes of run runID that the host
	// has, alive or not, so a restarted supervisor can reconcile the
	// ledger with what is really there.
	List(ctx context.Context, runID string) ([]contract.LaneHandle, error)
}

// Exiter is implemented by hosts that can tell how a lane's program ended.
// Both hosts of this package implement it.
type Exiter interface {
	// ExitStatus returns the lane's exit code and true once its program
	// has exited; false while it runs.
	ExitStatus(ctx context.Context, h contract.LaneHandle) (code int, exited bool, err error)
}

// Surveyor is implemented by hosts that can report on all lanes of a run
// in one call, so that a supervisor's round costs one call to the host
// instead of one per lane. The tmux host implements it.
type Surveyor interface {
	// Survey reports on the lanes of hs, all of run runID, keyed by lane
	// name. A lane missing from the result is gone from the host (its
	// pane closed, or it is no longer the lane's).
	Survey(ctx context.Context, runID string, hs []contract.LaneHandle) (map[string]LaneState, error)
}

// LaneState is what a survey says of one lane.
type LaneState struct {
	// Alive is true while the lane's program runs.
	Alive bool
	// Activity is when the lane last printed something, to the second;
	// zero when the host cannot tell. A screen whose activity did not
	// change since it was last read need not be read again.
	Activity time.Time
}

// Host kinds, the values of LaneHandle.Host.
const (
	KindTmux = "tmux"
	KindExec = "exec"
)

// LaneSpec is everything a host needs to start one lane. The engine builds
// it from the plan; hosts take it literally.
type LaneSpec struct {
	// RunID is the run the lane belongs to.
	RunID string
	// Lane is the lane's name (ValidLaneName).
	Lane string
	// Title is shown by hosts that can show one (tmux: the pane border),
	// e.g. "writer · builder · gpt-5".
	Title string
	// Argv is the program and its arguments. It is never given to a shell.
	Argv []string
	// Dir is the absolute working directory.
	Dir string
	// Env is the complete environment of the program, "NAME=VALUE" each:
	// nothing from the engine's own environment is added. See docs/runs.md
	// for the few variables a host adds itself.
	Env []string
	// Transcript is the absolute path of the lane's transcript file, or
	// empty for none.
	Transcript string
	// Width and Height are the terminal size for the tmux host (default
	// 200×50).
	Width, Height int
	// Stdin is text written to the program's standard input at start, for
	// adapters that read their prompt from stdin (exec host only).
	Stdin string
	// KeepStdin keeps standard input open after Stdin is written, so Send
	// can write more (exec host only). Without it, stdin is closed after
	// Stdin and the program sees end-of-file.
	KeepStdin bool
}

// validate checks the parts of a spec every host relies on. It returns an
// errs.Invalid error naming the field and the fix.
func (s LaneSpec) validate(op string) error {
	bad := func(format string, args ...any) error {
		return errs.E(errs.Invalid, op, "lane spec: "+format, args...)
	}
	if !contract.ValidRunID(s.RunID) {
		return bad("RunID %q is not a valid run id", s.RunID)
	}
	if !contract.ValidLaneName(s.Lane) {
		return bad("Lane %q is not a valid lane name (letters, digits, '_' and '-' in dot-separated parts)", s.Lane)
	}
	if len(s.Argv) == 0 || s.Argv[0] == "" {
		return bad("Argv of lane %s is empty: give the program to run", s.Lane)
	}
	if strings.HasPrefix(s.Argv[0], "-") || strings.Contains(s.Argv[0], "=") {
		return bad("Argv[0] of lane %s is %q: a program name may not start with '-' or contain '='", s.Lane, s.Argv[0])
	}
	for i, a := range s.Argv {
		if strings.IndexByte(a, 0) >= 0 {
			return bad("Argv[%d] of lane %s contains a NUL byte", i, s.Lane)
		}
	}
	if !filepath.IsAbs(s.Dir) {
		return bad("Dir of lane %s is %q: it must be an absolute directory", s.Lane, s.Dir)
	}
	if fi, err := os.Stat(s.Dir); err != nil || !fi.IsDir() {
		return bad("Dir of lane %s (%s) is not an existing directory", s.Lane, s.Dir)
	}
	if strings.IndexByte(s.Dir, 0) >= 0 {
		return bad("Dir of lane %s contains a NUL byte", s.Lane)
	}
	seen := make(map[string]bool, len(s.Env))
	for i, kv := range s.Env {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || !contract.ValidEnvName(name) {
			// Do not echo kv: it may hold a secret value.
			return bad("Env[%d] of lane %s is not NAME=VALUE with a valid name", i, s.Lane)
		}
		if seen[name] {
			return bad("Env of lane %s sets %s twice", s.Lane, name)
		}
		seen[name] = true
		if strings.IndexByte(kv, 0) >= 0 {
			return bad("Env %s of lane %s contains a NUL byte", name, s.Lane)
		}
	}
	if s.Transcript != "" && !filepath.IsAbs(s.Transcript) {
		return bad("Transcript of lane %s is %q: it must be an absolute path", s.Lane, s.Transcript)
	}
	if s.Width < 0 || s.Height < 0 || s.Width > 1000 || s.Height > 1000 {
		return bad("size %dx%d of lane %s is out of range (0 means the default; at most 1000)", s.Width, s.Height, s.Lane)
	}
	return nil
}

// envValue returns the value of name in env ("NAME=VALUE" entries).
func envValue(env []string, name string) (string, bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// StartLanes starts specs on host in order. After each start it calls
// started (when not nil), which is where the engine records lane.started;
// an error from started counts as a failed start. If any lane fails to
// start, every lane this call started is killed (in reverse order) and the
// first error is returned with the handles of the lanes before the failing
// one, so specs[len(handles)] is always the lane that failed. On success it
// returns every handle, in the order of specs.
func StartLanes(ctx context.Context, host Host, specs []LaneSpec, started func(LaneSpec, contract.LaneHandle) error) ([]contract.LaneHandle, error) {
	handles := make([]contract.LaneHandle, 0, len(specs))
	for _, spec := range specs {
		h, err := host.Start(ctx, spec)
		if err == nil && started != nil {
			if err = started(spec, h); err != nil {
				_ = host.Kill(context.WithoutCancel(ctx), h)
			}
		}
		if err != nil {
			// Tear down with a context that survives the caller's
			// cancellation: a half-started run must not be left behind.
			kctx := context.WithoutCancel(ctx)
			for j := len(handles) - 1; j >= 0; j-- {
				_ = host.Kill(kctx, handles[j])
			}
			return handles, errs.Wrap(errs.CodeOf(err), "host.StartLanes", err, "lane %s did not start; the %d lane(s) already started were killed", spec.Lane, len(handles))
		}
		handles = append(handles, h)
	}
	return handles, nil
}

// Both hosts of this package implement Host and Exiter; tmux also
// Surveyor.
var (
	_ Host     = (*Tmux)(nil)
	_ Exiter   = (*Tmux)(nil)
	_ Surveyor = (*Tmux)(nil)
	_ Host     = (*Exec)(nil)
	_ Exiter   = (*Exec)(nil)
)
