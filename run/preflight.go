package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/flock"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/cocoder/cocoder/secrets"
	"github.com/cocoder/cocoder/workspace"
)

// The issue codes the Runner's preflight adds to those of
// contract.CheckLaunch. Each says what kind of problem stops (or, for
// IssueAdapterFallback, is worth knowing before) a launch.
const (
	// IssueAdapterFallback (warn): a lane's adapter command is not
	// installed and the lane runs its fallbackAdapter instead.
	IssueAdapterFallback = "adapter-fallback"
	// IssueAdapterCommandMissing: a lane's adapter command is not
	// installed and there is no usable fallback.
	IssueAdapterCommandMissing = "adapter-command-missing"
	// IssueArgvInvalid: the adapter cannot build a command line for the
	// lane.
	IssueArgvInvalid = "argv-invalid"
	// IssueSecretUnresolved: a secret reference a lane needs does not
	// resolve, or a required variable has no reference.
	IssueSecretUnresolved = "secret-unresolved"
	// IssueSecretForbidden: a lane would receive a secret that never goes
	// to an agent (a generated token such as Oz's).
	IssueSecretForbidden = "secret-forbidden"
	// IssueNestedRun: the run would be started from inside a lane of
	// another run (COCODER_RUN_ID or COCODER_LANE is set) and its route
	// does not allow nested runs.
	IssueNestedRun = "nested-run"
	// IssueSecretNotGranted: the workspace's own configuration sends a
	// secret, variable or file to a lane that the user has not granted it
	// (the home's grants.yaml, workspace.Home.Grant).
	IssueSecretNotGranted = "secret-not-granted"
	// IssuePriorityRequired: no priority slug was given.
	IssuePriorityRequired = "priority-required"
	// IssuePriorityMissing: the priority is not in PRIORITIES.md.
	IssuePriorityMissing = "priority-missing"
	// IssuePriorityReview: the priority is marked done, stale, superseded
	// or the like and needs a review before a run.
	IssuePriorityReview = "priority-review-required"
	// IssueConfigInvalid: the layered configuration does not validate.
	IssueConfigInvalid = "config-invalid"
	// IssuePacketGap: the startup packet found a blocking gap.
	IssuePacketGap = "startup-packet-gap"
	// IssuePromptInvalid: a lane's prompt cannot be rendered.
	IssuePromptInvalid = "prompt-invalid"
	// IssueNotGitRepo: the workspace root is not in a git work tree.
	IssueNotGitRepo = "not-a-git-repo"
	// IssueGitMissing: git is not installed.
	IssueGitMissing = "git-missing"
	// IssueHostUnavailable: the host cannot run lanes here (tmux missing).
	IssueHostUnavailable = "host-unavailable"
	// IssueActiveRun: another run for the same priority and route is not
	// finished.
	IssueActiveRun = "active-run"
	// IssueMaxRuns: as many runs as the configuration's maxRuns allows are
	// active.
	IssueMaxRuns = "max-runs"
	// IssueWorkspaceLocked: another process holds the workspace's write
	// lock.
	IssueWorkspaceLocked = "workspace-locked"
	// IssueScopeDirty: a writer's write scope already has uncommitted
	// changes when the run is planned.
	IssueScopeDirty = "scope-dirty"
	// IssueInteractiveOnExec: an interactive agent CLI would run on the
	// exec host, which gives it pipes instead of a terminal.
	IssueInteractiveOnExec = "interactive-on-exec"
	// IssueRefusedAsRoot: the lane's CLI refuses its sandbox mode when run
	// by the root user.
	IssueRefusedAsRoot = "refused-as-root"
)

// issueCodes maps the codes whose error code is not errs.Invalid. Every
// other blocking issue is input to fix.
var issueCodes = map[string]errs.Code{
	IssueAdapterCommandMissing: errs.Unavailable,
	IssueGitMissing:            errs.Unavailable,
	IssueHostUnavailable:       errs.Unavailable,
	IssueActiveRun:             errs.Conflict,
	IssueMaxRuns:               errs.Conflict,
	IssueWorkspaceLocked:       errs.Conflict,
	IssueScopeDirty:            errs.Conflict,
}

// issueCode returns the error code of a blocking issue: errs.Unavailable
// for something missing on this machine (a CLI, tmux, git), errs.Conflict
// for a clash with another run or process, errs.Invalid for everything
// else (input to fix).
func issueCode(code string) errs.Code {
	if c, ok := issueCodes[code]; ok {
		return c
	}
	return errs.Invalid
}

// PreflightError is returned by Runner.Plan (and Runner.Start) when at
// least one issue blocks the launch. Its error code (errs.CodeOf) is
// errs.Invalid when any blocking issue is input to fix, else errs.Conflict
// when one clashes with another run, else errs.Unavailable.
type PreflightError struct {
	// Code classifies the failure as a whole.
	Code errs.Code
	// Issues are the blocking issues, in the order found.
	Issues []contract.Issue
}

// newPreflightError returns the error for issues, or nil when none blocks.
func newPreflightError(issues []contract.Issue) *PreflightError {
	var block []contract.Issue
	rank := map[errs.Code]int{errs.Unavailable: 1, errs.Conflict: 2, errs.Invalid: 3}
	code := errs.Code("")
	for _, is := range issues {
		if is.Severity != contract.SeverityBlock {
			continue
		}
		block = append(block, is)
		if c := issueCode(is.Code); rank[c] > rank[code] {
			code = c
		}
	}
	if len(block) == 0 {
		return nil
	}
	return &PreflightError{Code: code, Issues: block}
}

// Error lists the blocking issues, one per line.
func (e *PreflightError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the run cannot start: %d blocking issue(s)", len(e.Issues))
	for _, is := range e.Issues {
		b.WriteString("\n  - ")
		b.WriteString(issueLine(is))
	}
	return b.String()
}

// Unwrap returns the sentinel of the error's code, so errs.CodeOf and
// errors.Is(err, errs.ErrInvalid) work.
func (e *PreflightError) Unwrap() error {
	switch e.Code {
	case errs.Conflict:
		return errs.ErrConflict
	case errs.Unavailable:
		return errs.ErrUnavailable
	}
	return errs.ErrInvalid
}

// issueLine formats an issue without its severity.
func issueLine(is contract.Issue) string {
	if is.Lane != "" {
		return fmt.Sprintf("%s (lane %s): %s", is.Code, is.Lane, is.Message)
	}
	return is.Code + ": " + is.Message
}

// issues collects preflight findings.
type issues []contract.Issue

func (l *issues) block(code, lane, format string, args ...any) {
	*l = append(*l, contract.Issue{Code: code, Severity: contract.SeverityBlock, Lane: lane, Message: fmt.Sprintf(format, args...)})
}

func (l *issues) warn(code, lane, format string, args ...any) {
	*l = append(*l, contract.Issue{Code: code, Severity: contract.SeverityWarn, Lane: lane, Message: fmt.Sprintf(format, args...)})
}

func (l issues) blocking() bool { return contract.Blocking(l) }

// gitTimeout bounds the git call of the preflight.
const gitTimeout = 10 * time.Second

// checkGit adds an issue unless root is inside a git work tree.
func (r *Runner) checkGit(ctx context.Context, root string, out *issues) {
	git, err := r.lookPath("git")
	if err != nil {
		out.block(IssueGitMissing, "", "git is not installed (not found in PATH): install it; CoCoder records and commits lanes' work with git")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, git, "-C", root, "rev-parse", "--is-inside-work-tree")
	cmd.Env = gitEnv(r.getenv)
	b, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(b)) != "true" {
		out.block(IssueNotGitRepo, "", "workspace root %s is not inside a git work tree: run `git init` there (CoCoder checks and commits each lane's changes with git)", root)
	}
}

// gitEnv is the environment of the engine's git calls: PATH and HOME from
// the caller, no GIT_* variable (a hook's GIT_DIR must not redirect them).
func gitEnv(getenv func(string) string) []string {
	env := []string{"LC_ALL=C"}
	for _, k := range []string{"PATH", "HOME"} {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// lockName is the workspace write lock, inside runs/<workspace-id>/.
const lockName = ".lock"

// workspaceLockPath returns runs/<id>/.lock.
func (r *Runner) workspaceLockPath(wsID string) string {
	return filepath.Join(r.home.RunsDir(), wsID, lockName)
}

// checkLock adds an issue when another holder has the workspace lock. It
// never creates the lock file: a lock nobody ever took is free.
func (r *Runner) checkLock(wsID string, out *issues) {
	path := r.workspaceLockPath(wsID)
	if _, err := os.Lstat(path); err != nil {
		return
	}
	lk, err := flock.TryLock(path)
	if err == nil {
		_ = lk.Release()
		return
	}
	if errors.Is(err, flock.ErrLocked) {
		out.block(IssueWorkspaceLocked, "", "the workspace write lock %s is held by %s: one engine writes to a workspace at a time; wait for it to finish or stop that run", path, lockHolder(path))
		return
	}
	out.block(IssueWorkspaceLocked, "", "cannot check the workspace write lock %s: %v", path, err)
}

// maxLockNote bounds what lockHolder reads of a lock file: the holder
// writes one short line, and anything longer is not worth quoting.
const maxLockNote = 200

// lockHolder describes who holds a lock file, from what the holder wrote
// in it ("pid <n> run <id>").
func lockHolder(path string) string {
	var b []byte
	f, err := os.Open(path)
	if err == nil {
		b, err = io.ReadAll(io.LimitReader(f, maxLockNote))
		_ = f.Close()
	}
	if s := strings.TrimSpace(string(b)); err == nil && s != "" && len(b) < maxLockNote {
		return s
	}
	return "another process"
}

// runDirs returns the ledger directories under runs/<wsID>/ (or under every
// workspace when wsID is empty), skipping the engine's own entries.
func (r *Runner) runDirs(wsID string) ([]string, error) {
	var wss []string
	if wsID != "" {
		wss = []string{wsID}
	} else {
		entries, err := os.ReadDir(r.home.RunsDir())
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, errs.Wrap(errs.Unavailable, "run.Runner", err, "cannot list %s", r.home.RunsDir())
		}
		for _, e := range entries {
			if e.IsDir() && contract.ValidWorkspaceID(e.Name()) {
				wss = append(wss, e.Name())
			}
		}
	}
	var dirs []string
	for _, ws := range wss {
		base := filepath.Join(r.home.RunsDir(), ws)
		entries, err := os.ReadDir(base)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, errs.Wrap(errs.Unavailable, "run.Runner", err, "cannot list %s", base)
		}
		for _, e := range entries {
			if e.IsDir() && contract.ValidRunID(e.Name()) {
				dirs = append(dirs, filepath.Join(base, e.Name()))
			}
		}
	}
	return dirs, nil
}

// quickStatus reads a ledger's run.json (the cached status) and falls back
// to replaying its events when run.json is missing or unreadable. A
// non-terminal state is always confirmed from the events, which win.
func quickStatus(dir string) (contract.RunStatus, error) {
	var st contract.RunStatus
	if b, err := contract.ReadFile(filepath.Join(dir, ledger.StatusFile)); err == nil && json.Unmarshal(b, &st) == nil && st.State.Terminal() {
		return st, nil
	}
	st, _, err := ledger.ReadStatus(dir)
	return st, err
}

// checkActive adds issues for unfinished runs that clash with this one: the
// same priority and route in the same workspace, or more active runs than
// maxRuns across the home.
func (r *Runner) checkActive(wsID, priority, route string, writes bool, maxRuns int, out *issues) {
	dirs, err := r.runDirs("")
	if err != nil {
		out.block(IssueActiveRun, "", "cannot look for active runs: %v", err)
		return
	}
	active := 0
	for _, dir := range dirs {
		st, err := quickStatus(dir)
		if err != nil {
			// Nobody can tell whether a damaged run ended: it counts.
			active++
			if filepath.Base(filepath.Dir(dir)) == wsID {
				out.warn(IssueActiveRun, "", "the ledger of run %s (%s) is damaged, so whether it still runs is unknown: %v", filepath.Base(dir), dir, err)
			}
			continue
		}
		if st.State.Terminal() {
			continue
		}
		active++
		switch {
		case st.WorkspaceID != wsID:
		case st.Priority == priority && st.Route == route:
			out.block(IssueActiveRun, "", "run %s for priority [%s] and route %s is still %s: stop it, or wait for it to end, before starting another", st.RunID, priority, route, st.State)
		case writes && planWrites(dir):
			out.block(IssueActiveRun, "", "run %s (priority [%s]) can write to this workspace and is still %s: one run writes to a workspace at a time; stop it, or wait for it to end", st.RunID, st.Priority, st.State)
		}
	}
	if maxRuns > 0 && active >= maxRuns {
		out.block(IssueMaxRuns, "", "%d runs are active and the configuration allows %d (maxRuns): stop one, or raise maxRuns", active, maxRuns)
	}
}

// checkDirtyScopes adds an issue for each writer lane whose scope already
// has uncommitted changes: a run would mix its work with them. It blocks
// unless allow, when it warns.
func (r *Runner) checkDirtyScopes(ctx context.Context, p *Plan, allow bool, out *issues) {
	tree, err := r.tree(ctx, p.Workspace)
	if err != nil {
		return // checkGit reported an unusable repository already
	}
	for _, l := range p.Lanes {
		if !l.CanWrite || l.Scope == nil {
			continue
		}
		var dirty []string
		for _, path := range slices.Sorted(maps.Keys(tree.Changed)) {
			if l.Scope.AllowsWith(path, p.scopeMatch()) {
				dirty = append(dirty, path)
			}
		}
		if len(dirty) == 0 {
			continue
		}
		msg := fmt.Sprintf("its write scope already has uncommitted changes: %s; commit or stash them first (they are never taken for the run's)", strings.Join(dirty, ", "))
		if allow {
			out.warn(IssueScopeDirty, l.Lane, "%s", msg)
		} else {
			out.block(IssueScopeDirty, l.Lane, "%s", msg)
		}
	}
}

// planWrites reports whether the run of a ledger directory has a lane that
// may write (a plan that cannot be read counts as writing).
func planWrites(dir string) bool {
	p, err := ReadPlan(dir)
	return err != nil || p.writes()
}

// forbiddenSecret reports whether a reference names a secret no lane may
// receive: the store's generated tokens (such as Oz's), in any case.
func forbiddenSecret(ref string) bool {
	r, err := secrets.ParseRef(ref)
	return err == nil && r.Kind == secrets.KindSecret && secrets.IsTokenName(r.Target)
}

// checkGranted refuses, and removes from refs, every reference of a lane
// that the workspace's own configuration chose without the user's grant:
// a repository cloned from someone else must not decide which of the
// machine's secrets, environment variables or files reach its lanes. The
// home configuration is the user's own; literal text is not a secret of
// the machine.
func (r *Runner) checkGranted(lane string, refs map[string]string, cfg *workspace.ResolvedConfig, grants workspace.Grants, grantsErr error, out *issues) {
	for _, name := range slices.Sorted(maps.Keys(refs)) {
		ref := refs[name]
		if cfg.Sources["secrets."+name] != workspace.LayerWorkspace || !secrets.IsRef(ref) {
			continue
		}
		delete(refs, name)
		switch {
		case grantsErr != nil:
			out.block(IssueSecretNotGranted, lane, "secrets.%s in %s refers to %s, and the grants of this machine cannot be read: %v", name, r.ws.ConfigPath(), ref, grantsErr)
		case !grants.Allows(ref):
			out.block(IssueSecretNotGranted, lane, "secrets.%s in %s refers to %s, which this workspace's own configuration may not send to lanes until the user grants it for this workspace (the home's grants.yaml); or map the variable in the home configuration instead", name, r.ws.ConfigPath(), ref)
		default:
			refs[name] = ref
		}
	}
}

// laneSecretRefs returns the references for the variables adapter a may
// receive (its env and required env), from the configuration's secrets.
// Required names without a reference, and forbidden references, are
// reported as issues.
func laneSecretRefs(lane string, a *contract.Adapter, configured map[string]string, out *issues) map[string]string {
	refs := map[string]string{}
	for _, name := range slices.Concat(a.Env, a.AvailabilityCheck.RequiredEnv) {
		if _, done := refs[name]; done || strings.HasPrefix(name, "COCODER_") {
			continue
		}
		ref, ok := configured[name]
		switch {
		case !ok && slices.Contains(a.AvailabilityCheck.RequiredEnv, name):
			out.block(IssueSecretUnresolved, lane, "adapter %s requires %s and the configuration gives it no reference: map secrets.%s to a reference such as ${secret:NAME} and store the value under NAME", a.ID, name, name)
		case !ok:
		case forbiddenSecret(ref):
			out.block(IssueSecretForbidden, lane, "secrets.%s refers to %s, a generated token that never goes to an agent; refer to another secret", name, ref)
		default:
			refs[name] = ref
		}
	}
	return refs
}
