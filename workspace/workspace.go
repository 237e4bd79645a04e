package workspace

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/cocoder/cocoder/internal/errs"
)

// GovernanceDir is the name of the directory that makes a directory a
// workspace.
const GovernanceDir = "cocoder"

// markers are the files of which cocoder/ must hold at least one to count
// as a workspace's governance directory. Requiring one keeps an unrelated
// directory that happens to be named "cocoder" (a source package, a clone of
// CoCoder itself) from being mistaken for a workspace.
var markers = []string{"AGENTS.md", "PRIORITIES.md"}

// Workspace is a repository governed by CoCoder: Root holds a cocoder/
// directory with the workspace's contracts and notes.
type Workspace struct {
	// Root is the absolute path of the repository root.
	Root string `json:"root"`
	// Dir is Root/cocoder, the governance directory.
	Dir string `json:"dir"`
}

// New returns the Workspace rooted at root (made absolute and cleaned). It
// does not touch the filesystem; use [Find] to locate and check one.
func New(root string) (*Workspace, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "workspace.New", err, "cannot make %q absolute", root)
	}
	return &Workspace{Root: abs, Dir: filepath.Join(abs, GovernanceDir)}, nil
}

// Standard paths inside the governance directory.

// AgentsPath is cocoder/AGENTS.md, the entry point agents read first.
func (w *Workspace) AgentsPath() string { return filepath.Join(w.Dir, "AGENTS.md") }

// PrioritiesPath is cocoder/PRIORITIES.md.
func (w *Workspace) PrioritiesPath() string { return filepath.Join(w.Dir, "PRIORITIES.md") }

// SessionLogPath is cocoder/SESSION_LOG.md.
func (w *Workspace) SessionLogPath() string { return filepath.Join(w.Dir, "SESSION_LOG.md") }

// ConfigPath is cocoder/config.yaml, the workspace configuration layer.
func (w *Workspace) ConfigPath() string { return filepath.Join(w.Dir, "config.yaml") }

// ProfilesDir is cocoder/profiles.
func (w *Workspace) ProfilesDir() string { return filepath.Join(w.Dir, "profiles") }

// RoutesDir is cocoder/routes.
func (w *Workspace) RoutesDir() string { return filepath.Join(w.Dir, "routes") }

// BoundariesDir is cocoder/boundaries, or the original CoCoder's
// cocoder/priority-boundaries when only that one exists.
func (w *Workspace) BoundariesDir() string {
	dir := filepath.Join(w.Dir, "boundaries")
	old := filepath.Join(w.Dir, "priority-boundaries")
	if !isDir(dir) && isDir(old) {
		return old
	}
	return dir
}

// PersonasDir is cocoder/personas.
func (w *Workspace) PersonasDir() string { return filepath.Join(w.Dir, "personas") }

// PromptsDir is cocoder/prompts (prompt fragments and their manifest).
func (w *Workspace) PromptsDir() string { return filepath.Join(w.Dir, "prompts") }

// AdaptersDir is cocoder/adapters, where a workspace overrides or adds
// adapter declarations.
func (w *Workspace) AdaptersDir() string { return filepath.Join(w.Dir, "adapters") }

// DecisionsDir is cocoder/decisions.
func (w *Workspace) DecisionsDir() string { return filepath.Join(w.Dir, "decisions") }

// TicketsDir is cocoder/tickets.
func (w *Workspace) TicketsDir() string { return filepath.Join(w.Dir, "tickets") }

// MemoryDir is cocoder/memory.
func (w *Workspace) MemoryDir() string { return filepath.Join(w.Dir, "memory") }

// IsWorkspace reports whether dir is a workspace root: it holds a cocoder/
// directory (not a symlink) with an AGENTS.md or a PRIORITIES.md.
func IsWorkspace(dir string) bool {
	gov := filepath.Join(dir, GovernanceDir)
	fi, err := os.Lstat(gov)
	if err != nil || !fi.IsDir() {
		return false
	}
	for _, m := range markers {
		if fi, err := os.Stat(filepath.Join(gov, m)); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// Find walks up from start (a file or directory) to the first workspace
// root and returns it.
//
// It returns an errs.NotFound error when no directory up to the filesystem
// root is a workspace, and an errs.Conflict error when the workspace found
// sits inside another workspace's tree (nested workspaces are refused).
func Find(start string) (*Workspace, error) {
	const op = "workspace.Find"
	abs, err := filepath.Abs(start)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, op, err, "cannot make %q absolute", start)
	}
	root := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if IsWorkspace(dir) {
			root = dir
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	if root == "" {
		return nil, errs.E(errs.NotFound, op, "%s is not inside a CoCoder workspace (no parent directory holds cocoder/AGENTS.md or cocoder/PRIORITIES.md); scaffold one in the repository root first", abs)
	}
	if outer := enclosingWorkspace(root); outer != "" {
		return nil, errs.E(errs.Conflict, op, "workspace %s is nested inside workspace %s; nested workspaces are not supported: remove %s or move the repository out of %s", root, outer, filepath.Join(root, GovernanceDir), outer)
	}
	return &Workspace{Root: root, Dir: filepath.Join(root, GovernanceDir)}, nil
}

// enclosingWorkspace returns the nearest strict ancestor of dir that is a
// workspace root, or "".
func enclosingWorkspace(dir string) string {
	if filepath.Dir(dir) == dir {
		return ""
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		if IsWorkspace(d) {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// CaseInsensitive reports whether the file system the workspace lives on
// folds case, so that "src/.ENV" and "src/.env" are one file (macOS and
// Windows by default). It writes nothing: it looks the governance
// directory up under its upper-case name and checks whether that is the
// same directory (a repository holding both "cocoder" and "COCODER" is on
// a file system that does not fold). Pass the answer as
// contract.MatchOptions.FoldCase when matching write scopes.
func (w *Workspace) CaseInsensitive() (bool, error) {
	const op = "workspace.CaseInsensitive"
	lower, err := os.Stat(w.Dir)
	if err != nil {
		return false, errs.Wrap(errs.Internal, op, err, "cannot stat %s", w.Dir)
	}
	upper, err := os.Stat(filepath.Join(filepath.Dir(w.Dir), strings.ToUpper(filepath.Base(w.Dir))))
	return err == nil && os.SameFile(lower, upper), nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
