package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
)

// TmuxError is a tmux command that failed: what was run (with environment
// values left out), its exit code and what it printed on stderr.
type TmuxError struct {
	// Args are the arguments after the tmux binary. The values of "-e
	// NAME=VALUE" are replaced by "…" because they may be secrets.
	Args []string
	// ExitCode is tmux's exit status, or -1 when it did not run to the end
	// (killed at the timeout, or could not be started).
	ExitCode int
	// Stderr is what tmux printed on stderr, trimmed.
	Stderr string
}

// Error formats the failure, shortening very long argument lists.
func (e *TmuxError) Error() string {
	cmd := strings.Join(e.Args, " ")
	if len(cmd) > 300 {
		cmd = cmd[:300] + "…"
	}
	msg := fmt.Sprintf("tmux %s: exit status %d", cmd, e.ExitCode)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// gone reports whether err says the target (pane, window, session or the
// whole server) does not exist.
func (e *TmuxError) gone() bool {
	// "no current target": the server is still up but holds no session
	// any more (it is about to exit, or exit-empty is off).
	for _, s := range []string{"can't find", "no such", "no current target", "no server running", "error connecting to", "server exited"} {
		if strings.Contains(e.Stderr, s) {
			return true
		}
	}
	return false
}

// isGone reports whether err is a *TmuxError about a missing target.
func isGone(err error) bool {
	te, ok := errors.AsType[*TmuxError](err)
	return ok && te.gone()
}

// tmuxMaxCommand is the most argument bytes one tmux invocation may carry:
// the client sends the whole command to the server in one message of at
// most 16 KiB, and refuses more with "command too long".
const tmuxMaxCommand = 16*1024 - 512

// tmuxClient runs tmux commands against one private server. It is the only
// place that executes tmux.
type tmuxClient struct {
	bin     string
	socket  string
	tmpDir  string // TMUX_TMPDIR for the client, or ""
	timeout time.Duration
}

// command is one tmux command and its arguments. Arguments are taken
// literally: run escapes what tmux would otherwise interpret.
type command []string

// tmuxArg protects one argument from tmux's own command parser, which
// treats an argument ending in ";" as the end of a command: such an
// argument is sent ending in "\;", which tmux turns back into ";".
func tmuxArg(s string) string {
	if strings.HasSuffix(s, ";") {
		return s[:len(s)-1] + `\;`
	}
	return s
}

// tmuxFormat protects an argument that tmux expands as a format (-c, -n,
// -T, ...): "#" starts a format, and "#(...)" runs a shell command, so
// every "#" is doubled.
func tmuxFormat(s string) string {
	return strings.ReplaceAll(s, "#", "##")
}

// run executes the commands as one tmux invocation (chained with ";"
// arguments, never through a shell) and returns its stdout, also when a
// command fails part way through the chain. pathEnv, when
// not empty, becomes the client's PATH (tmux gives a new pane the PATH of
// the client that created it). stdin feeds commands such as load-buffer.
func (c *tmuxClient) run(ctx context.Context, stdin io.Reader, pathEnv string, cmds ...command) (string, error) {
	args := []string{"-u", "-L", c.socket, "-f", "/dev/null"}
	size := 0
	for i, cmd := range cmds {
		if i > 0 {
			args = append(args, ";")
		}
		for _, a := range cmd {
			a = tmuxArg(a)
			size += len(a) + 1
			args = append(args, a)
		}
	}
	if size > tmuxMaxCommand {
		return "", errs.E(errs.Invalid, "host.tmux", "the tmux command is %d bytes, more than tmux accepts (%d): shorten the lane's argv and environment (deliver long prompts through a file)", size, tmuxMaxCommand)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	// The client's environment is minimal on purpose: a server started by
	// this client copies it into its global environment, which every pane
	// would inherit.
	cmd.Env = []string{}
	if c.tmpDir != "" {
		cmd.Env = append(cmd.Env, "TMUX_TMPDIR="+c.tmpDir)
	}
	if pathEnv != "" {
		cmd.Env = append(cmd.Env, "PATH="+pathEnv)
	}
	cmd.Stdin = stdin
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return out.String(), nil
	}
	// What tmux printed before a later command of the chain failed (the
	// id of a pane it did create) is returned with the error.
	partial := out.String()
	te := &TmuxError{Args: redactTmuxArgs(args), ExitCode: -1, Stderr: strings.TrimSpace(stderr.String())}
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		te.ExitCode = ee.ExitCode()
	}
	if ctx.Err() != nil {
		return partial, errs.Wrap(errs.Unavailable, "host.tmux", te, "tmux did not answer within %s", c.timeout)
	}
	if strings.Contains(te.Stderr, "command too long") {
		return partial, errs.Wrap(errs.Invalid, "host.tmux", te, "the command is too long for tmux: shorten the lane's argv and environment")
	}
	return partial, te
}

// redactTmuxArgs replaces the values of "-e NAME=VALUE" with "…".
func redactTmuxArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if i > 0 && args[i-1] == "-e" {
			if name, _, ok := strings.Cut(a, "="); ok {
				a = name + "=…"
			}
		}
		out[i] = a
	}
	return out
}
