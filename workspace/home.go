package workspace

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/secrets"
)

// Names of the entries of the home zone.
const (
	homeConfigFile   = "config.yaml"
	homeRegistryFile = "workspaces.yaml"
	homeSecretsDir   = "secrets"
	homeOzDir        = "oz"
	homeRunsDir      = "runs"
)

// gitCheckTimeout bounds the git calls OpenHome makes.
const gitCheckTimeout = 10 * time.Second

// Home is the machine-local CoCoder home zone ($COCODER_HOME, by default
// ~/.cocoder): the home config.yaml, the secret store, Oz's state, the
// workspace registry and the run ledgers. It is never part of a git
// repository.
type Home struct {
	dir string
}

// OpenHome opens the home zone at dir, creating what is missing: dir itself
// (0700 when new), secrets/ and oz/ (0700; an existing one with looser
// permissions or a symlink is refused), and runs/. ctx bounds the git calls
// it makes.
//
// dir must be absolute. A home inside a git work tree that does not ignore
// it is refused (errs.Invalid, saying how to ignore or move it), before
// anything is created; when git is not installed that check is skipped.
func OpenHome(ctx context.Context, dir string) (*Home, error) {
	const op = "workspace.OpenHome"
	if dir == "" || !filepath.IsAbs(dir) {
		return nil, errs.E(errs.Invalid, op, "home directory %q must be an absolute path", dir)
	}
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, errs.E(errs.Invalid, op, "home %s exists and is not a directory; choose another home directory", dir)
	}
	if err := checkNotInGit(ctx, op, dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "creating home %s", dir)
	}
	// Another user who can write the home can plant a config.yaml whose
	// adapter commands CoCoder runs.
	if err := fsx.CheckTrusted(dir); err != nil {
		return nil, errs.Wrap(errs.Invalid, op, err, "")
	}
	for _, sub := range []string{homeSecretsDir, homeOzDir} {
		if err := fsx.MkdirPrivate(filepath.Join(dir, sub)); err != nil {
			code := errs.Invalid
			if _, ok := errors.AsType[*fs.PathError](err); ok {
				code = errs.Internal
			}
			return nil, errs.Wrap(code, op, err, "preparing %s/ in home %s", sub, dir)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, homeRunsDir), 0o700); err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "creating %s", filepath.Join(dir, homeRunsDir))
	}
	return &Home{dir: dir}, nil
}

// Dir is the absolute home directory.
func (h *Home) Dir() string { return h.dir }

// ConfigPath is the home config.yaml, the machine's configuration layer.
func (h *Home) ConfigPath() string { return filepath.Join(h.dir, homeConfigFile) }

// RegistryPath is workspaces.yaml, the workspace registry.
func (h *Home) RegistryPath() string { return filepath.Join(h.dir, homeRegistryFile) }

// SecretsDir is the secret store directory (0700).
func (h *Home) SecretsDir() string { return filepath.Join(h.dir, homeSecretsDir) }

// Secrets opens the home's secret store (secrets/, 0700).
func (h *Home) Secrets() (*secrets.Store, error) { return secrets.Open(h.SecretsDir()) }

// OzDir holds Oz's token, audit log, pid and port files (0700).
func (h *Home) OzDir() string { return filepath.Join(h.dir, homeOzDir) }

// RunsDir holds the run ledgers, runs/<workspace-id>/<run-id>/.
func (h *Home) RunsDir() string { return filepath.Join(h.dir, homeRunsDir) }

// Registry returns the workspace registry kept in this home.
func (h *Home) Registry() *Registry { return &Registry{home: h} }

// Contains reports whether p (absolute) is the home directory or inside
// it, comparing both as given and with symlinks resolved.
func (h *Home) Contains(p string) bool {
	return containsPath(h.dir, p)
}

// containsPath reports whether p is dir or below it, as given or once
// symlinks are resolved on both sides.
func containsPath(dir, p string) bool {
	if within(filepath.Clean(dir), filepath.Clean(p)) {
		return true
	}
	rd, err1 := filepath.EvalSymlinks(dir)
	rp, err2 := filepath.EvalSymlinks(p)
	return err1 == nil && err2 == nil && within(rd, rp)
}

// checkNotInGit refuses a home inside a git work tree unless git ignores it.
func checkNotInGit(ctx context.Context, op, dir string) error {
	git, err := exec.LookPath("git")
	if err != nil {
		return nil // no git on this machine: nothing can commit the home by accident
	}
	ctx, cancel := context.WithTimeout(ctx, gitCheckTimeout)
	defer cancel()

	// git needs an existing directory to run in: the nearest existing
	// ancestor, with symlinks resolved so paths compare with git's.
	anc, rest := dir, ""
	for {
		if fi, err := os.Stat(anc); err == nil && fi.IsDir() {
			break
		}
		parent := filepath.Dir(anc)
		if parent == anc {
			return nil
		}
		rest = filepath.Join(filepath.Base(anc), rest)
		anc = parent
	}
	real, err := filepath.EvalSymlinks(anc)
	if err != nil {
		return errs.Wrap(errs.Internal, op, err, "resolving %s", anc)
	}
	target := filepath.Join(real, rest)
	if !hasDotGitAbove(real) {
		// git finds a work tree only through a .git entry in the directory
		// or an ancestor (gitCmd removes GIT_DIR and friends), so without
		// one there is nothing to ask and no process to start.
		return nil
	}

	out, err := gitCmd(ctx, git, real, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		if ctx.Err() != nil {
			return errs.Wrap(errs.Unavailable, op, ctx.Err(), "git did not answer while checking whether home %s is inside a repository", dir)
		}
		return nil // not inside a work tree (or inside .git itself)
	}
	top := strings.TrimSpace(string(out))
	rel, err := filepath.Rel(top, target)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil
	}
	if rel == "." {
		return errs.E(errs.Invalid, op, "home %s is the root of a git work tree; the home holds secrets and machine state and must never be committed: choose a home directory outside it, or remove %s", dir, filepath.Join(dir, ".git"))
	}
	err = gitCmd(ctx, git, top, "check-ignore", "-q", "--", filepath.ToSlash(rel)+"/").Run()
	if err == nil {
		return nil // ignored
	}
	if ee, ok := errors.AsType[*exec.ExitError](err); ok && ee.ExitCode() == 1 {
		return errs.E(errs.Invalid, op, "home %s is inside the git work tree %s and git does not ignore it; the home holds secrets and machine state and must never be committed: add \"/%s/\" to %s (or to %s), or choose a home directory outside it", dir, top, filepath.ToSlash(rel), filepath.Join(top, ".gitignore"), filepath.Join(top, ".git", "info", "exclude"))
	}
	return errs.Wrap(errs.Internal, op, err, "asking git whether %s ignores home %s", top, dir)
}

// hasDotGitAbove reports whether dir or one of its ancestors holds a .git
// entry (a repository directory, or the file a worktree or submodule has).
func hasDotGitAbove(dir string) bool {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
}

// gitCmd builds a git command run in dir with the caller's GIT_*
// variables removed, so that a hook's GIT_DIR cannot redirect the query.
func gitCmd(ctx context.Context, git, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, git, append([]string{"-C", dir}, args...)...)
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	return cmd
}
