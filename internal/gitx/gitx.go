// Package gitx is the engine's git side: what changed in a work tree
// ([Status], parsed by [ParseStatus]), what a changed file holds now
// ([Digest]), committing exactly a list of files with trailers ([Commit]),
// and finding a commit again by one of its trailers ([FindTrailer]), so a
// commit is made once even when the process that made it crashed before
// it could record it.
//
// Every function works on the top of a work tree (the directory holding
// .git) and takes and returns paths as git prints them: relative to that
// top, slash-separated, unquoted. Use [TopLevel] to find the top from a
// directory below it.
//
// Every git call goes through one wrapper: argv only (never a shell),
// `-c core.quotepath=off`, literal pathspecs, no fsmonitor and no hooks
// (a hook is code from the repository, and one that stages files would
// break an exact-file commit), an explicit environment, and the caller's
// context for a deadline. The environment is the caller's, minus the
// GIT_* variables that could point git at another repository, index or
// work tree (GIT_DIR, GIT_INDEX_FILE, ...); identity (GIT_AUTHOR_*,
// GIT_COMMITTER_*) and config selection (GIT_CONFIG_GLOBAL,
// GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM) pass through. A nil environment means a minimal one: PATH and HOME of this
// process and LANG=C. A failed git call is an [*errs.Error] whose cause is
// a [*GitError] holding git's exit code and standard error.
package gitx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/textx"
)

// GitError is a git command that ran and exited non-zero.
type GitError struct {
	// Args are git's arguments after the global options, e.g. ["status", "--porcelain=v2", ...].
	Args []string
	// ExitCode is git's exit status.
	ExitCode int
	// Stderr is the start of what git wrote to standard error, trimmed.
	Stderr string
}

// Error returns "exit status N: STDERR" on one line.
func (e *GitError) Error() string {
	s := fmt.Sprintf("exit status %d", e.ExitCode)
	if e.Stderr != "" {
		s += ": " + textx.OneLine(e.Stderr)
	}
	return s
}

// maxStderr bounds the standard error kept in a GitError.
const maxStderr = 4096

// waitDelay bounds how long a killed git's leftover children may hold its
// output pipes open.
const waitDelay = 2 * time.Second

// call is one git invocation.
type call struct {
	op    string   // the exported function, for the error
	root  string   // the directory git runs in
	env   []string // the caller's environment (nil: minimal)
	extra []string // added to the environment after scrubbing
	stdin []byte
}

// run runs git with args in c.root and returns its standard output.
func (c call) run(ctx context.Context, args ...string) ([]byte, error) {
	argv := append([]string{"-c", "core.quotepath=off", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=" + os.DevNull, "--literal-pathspecs"}, args...)
	cmd := exec.CommandContext(ctx, "git", argv...)
	if errors.Is(cmd.Err, exec.ErrNotFound) {
		return nil, errs.Wrap(errs.Unavailable, c.op, cmd.Err, "git is not installed (not found in PATH): install git")
	}
	cmd.Dir = c.root
	cmd.Env = append(environ(c.env), c.extra...)
	cmd.WaitDelay = waitDelay
	if c.stdin != nil {
		cmd.Stdin = bytes.NewReader(c.stdin)
	}
	var stdout bytes.Buffer
	stderr := &capped{max: maxStderr}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if ctx.Err() != nil {
		return nil, errs.Wrap(errs.Unavailable, c.op, ctx.Err(), "git %s in %s did not finish", args[0], c.root)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return nil, errs.Wrap(errs.Unavailable, c.op, err, "starting git %s in %s", args[0], c.root)
	}
	ge := &GitError{Args: args, ExitCode: ee.ExitCode(), Stderr: strings.TrimSpace(stderr.buf.String())}
	code := errs.Internal
	switch {
	case strings.Contains(ge.Stderr, "not a git repository"):
		code = errs.Invalid
	case strings.Contains(ge.Stderr, ".lock': File exists"):
		code = errs.Conflict // another git process holds the index or a ref
	}
	return nil, &errs.Error{Code: code, Op: c.op, Message: fmt.Sprintf("git %s in %s", args[0], c.root), Err: ge}
}

// capped keeps the first max bytes written to it and drops the rest.
type capped struct {
	buf bytes.Buffer
	max int
}

func (w *capped) Write(p []byte) (int, error) {
	if room := w.max - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// passedGitVars are the GIT_* variables a caller's environment keeps: who
// commits, and which config files apply. Every other GIT_* variable is
// dropped, since GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE,
// GIT_OBJECT_DIRECTORY and their kin would make git read or write another
// repository than the one at root.
var passedGitVars = map[string]bool{
	"GIT_AUTHOR_NAME": true, "GIT_AUTHOR_EMAIL": true, "GIT_AUTHOR_DATE": true,
	"GIT_COMMITTER_NAME": true, "GIT_COMMITTER_EMAIL": true, "GIT_COMMITTER_DATE": true,
	"GIT_CONFIG_GLOBAL": true, "GIT_CONFIG_SYSTEM": true, "GIT_CONFIG_NOSYSTEM": true,
}

// environ returns git's environment: env without the GIT_* variables that
// could redirect git, or (env nil) PATH and HOME of this process and LANG=C.
func environ(env []string) []string {
	if env == nil {
		out := []string{"LANG=C"}
		for _, k := range []string{"PATH", "HOME"} {
			if v, ok := os.LookupEnv(k); ok {
				out = append(out, k+"="+v)
			}
		}
		return out
	}
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") && !passedGitVars[k] {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// checkTop refuses a root that is not an absolute path to the top of a
// work tree: git prints paths relative to the top, so every path of this
// package is relative to it.
func checkTop(op, root string) error {
	if !filepath.IsAbs(root) {
		return errs.E(errs.Invalid, op, "work tree %q is not an absolute path", root)
	}
	if _, err := os.Lstat(filepath.Join(root, ".git")); err != nil {
		return errs.E(errs.Invalid, op, "%s is not the top of a git work tree (it has no .git): pass the directory git rev-parse --show-toplevel prints", root)
	}
	return nil
}

// TopLevel returns the top of the work tree holding dir (an absolute path,
// symlinks resolved, as git prints it) and dir's slash-separated path
// below it ("" for the top itself, else ending in "/"). A dir outside
// every work tree is errs.Invalid.
func TopLevel(ctx context.Context, dir string, env []string) (top, prefix string, err error) {
	out, err := call{op: "gitx.TopLevel", root: dir, env: env}.run(ctx, "rev-parse", "--show-toplevel", "--show-prefix")
	if err != nil {
		return "", "", err
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 2 || lines[0] == "" {
		return "", "", errs.E(errs.Internal, "gitx.TopLevel", "unexpected answer of git rev-parse in %s: %q", dir, out)
	}
	return filepath.FromSlash(lines[0]), lines[1], nil
}

// Head returns the full SHA of HEAD's commit in the work tree at root, or
// "" when the current branch has no commit yet.
func Head(ctx context.Context, root string, env []string) (string, error) {
	const op = "gitx.Head"
	if err := checkTop(op, root); err != nil {
		return "", err
	}
	out, err := call{op: op, root: root, env: env}.run(ctx, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil {
		var ge *GitError
		if errors.As(err, &ge) && ge.ExitCode == 1 && ge.Stderr == "" {
			return "", nil // an unborn branch
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
