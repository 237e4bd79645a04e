package workspace

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
)

//go:embed all:template
var templateFS embed.FS

// templateRoot is the directory of templateFS that becomes <root>/cocoder.
const templateRoot = "template/" + GovernanceDir

// Template returns the embedded workspace template: the files `cocoder
// init` writes into a repository's cocoder/ directory, with paths relative
// to that directory (AGENTS.md, profiles/default.yaml, ...).
func Template() fs.FS {
	sub, err := fs.Sub(templateFS, templateRoot)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// governanceNames are the entries a cocoder/ directory may already hold for
// Init to treat it as an unfinished or older governance tree and complete
// it. Anything else means the directory is something unrelated.
var governanceNames = map[string]bool{
	"local": true, "plans": true, "priorities": true, "priority-boundaries": true,
	"standards": true, "config.yaml": true, "config.json": true, "README.md": true,
}

// InitOptions tune [Init].
type InitOptions struct {
	// DryRun computes the report without writing anything.
	DryRun bool
	// Home, when set, is the machine's home zone: a workspace inside it is
	// refused, and so is a new workspace that would contain a registered
	// one.
	Home *Home
}

// InitReport says what [Init] did (or, with DryRun, would do). Paths are
// relative to Root, slash-separated and sorted.
type InitReport struct {
	// Root is the absolute workspace root.
	Root string `json:"root"`
	// Created lists the files written (or to be written).
	Created []string `json:"created"`
	// Skipped lists the files already present with the template's content.
	Skipped []string `json:"skipped"`
	// Conflicts lists the files present with other content (or as a
	// directory or symlink); they are never overwritten.
	Conflicts []string `json:"conflicts"`
	// ConflictReasons explains each conflict, keyed by path.
	ConflictReasons map[string]string `json:"conflictReasons,omitempty"`
	// DryRun is true when nothing was written.
	DryRun bool `json:"dryRun"`
	// Notices point out what the workspace still lacks before a run can
	// start, such as a git repository around it.
	Notices []string `json:"notices,omitempty"`
}

// Init scaffolds (or completes) dir/cocoder from the embedded template:
// missing files are created, files identical to the template are skipped,
// and files that differ are reported as conflicts and left untouched. It is
// safe to run again at any time.
//
// dir must be an existing directory. Init refuses (before writing anything)
// a dir inside another workspace (errs.Conflict), a dir that would contain a
// workspace registered in opts.Home (errs.Conflict), a dir inside the home
// zone (errs.Invalid), and a cocoder/ that is a symlink, a file, or a
// directory holding unrelated content (errs.Invalid).
func Init(ctx context.Context, dir string, opts InitOptions) (*InitReport, error) {
	const op = "workspace.Init"
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, op, err, "cannot make %q absolute", dir)
	}
	if fi, err := os.Stat(root); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errs.E(errs.NotFound, op, "%s does not exist; create the repository first (mkdir, git init), then run init in it", root)
		}
		return nil, errs.Wrap(errs.Internal, op, err, "checking %s", root)
	} else if !fi.IsDir() {
		return nil, errs.E(errs.Invalid, op, "%s is not a directory; pass the repository root", root)
	}
	if err := checkInitTarget(ctx, op, root, opts.Home); err != nil {
		return nil, err
	}

	rep := &InitReport{Root: root, DryRun: opts.DryRun, Created: []string{}, Skipped: []string{}, Conflicts: []string{}}
	tmpl := Template()
	var files []string
	err = fs.WalkDir(tmpl, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "reading the embedded template")
	}
	sort.Strings(files)
	type write struct {
		rel  string
		data []byte
	}
	var writes []write
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return nil, errs.Wrap(errs.Unavailable, op, err, "init of %s interrupted", root)
		}
		want, err := fs.ReadFile(tmpl, p)
		if err != nil {
			return nil, errs.Wrap(errs.Internal, op, err, "reading template file %s", p)
		}
		rel := path.Join(GovernanceDir, p)
		switch reason, err := compareTarget(root, rel, want); {
		case err != nil:
			return nil, errs.Wrap(errs.Internal, op, err, "checking %s", rel)
		case reason == "":
			rep.Skipped = append(rep.Skipped, rel)
		case reason == reasonMissing:
			rep.Created = append(rep.Created, rel)
			writes = append(writes, write{rel, want})
		default:
			rep.Conflicts = append(rep.Conflicts, rel)
			if rep.ConflictReasons == nil {
				rep.ConflictReasons = map[string]string{}
			}
			rep.ConflictReasons[rel] = reason
		}
	}
	if !hasDotGitAbove(root) {
		rep.Notices = append(rep.Notices, fmt.Sprintf("%s is not in a git repository; runs need one (the engine checks each lane's changes against git): run `git init %s`, then commit cocoder/", root, root))
	}
	if opts.DryRun {
		return rep, nil
	}
	for _, w := range writes {
		if err := ctx.Err(); err != nil {
			return rep, errs.Wrap(errs.Unavailable, op, err, "init of %s interrupted; run it again to finish", root)
		}
		target := filepath.Join(root, filepath.FromSlash(w.rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return rep, errs.Wrap(errs.Internal, op, err, "creating %s", filepath.Dir(target))
		}
		// Check again just before writing: a file or symlink that appeared
		// since the plan was made is never replaced or followed.
		if reason, err := compareTarget(root, w.rel, w.data); err != nil || reason != reasonMissing {
			return rep, errs.E(errs.Conflict, op, "%s changed while init was running; run init again", w.rel)
		}
		if err := fsx.WriteFile(target, w.data, 0o644); err != nil {
			return rep, errs.Wrap(errs.Internal, op, err, "writing %s", w.rel)
		}
	}
	return rep, nil
}

// reasonMissing is compareTarget's answer for a file that does not exist.
const reasonMissing = "missing"

// compareTarget compares the file rel (slash-separated, below root) with
// want: "" when identical, reasonMissing when absent, otherwise why it
// conflicts. Every directory between root and the file must be a real
// directory: nothing is read or written through a symlink.
func compareTarget(root, rel string, want []byte) (string, error) {
	parts := strings.Split(rel, "/")
	dir := root
	for _, part := range parts[:len(parts)-1] {
		dir = filepath.Join(dir, part)
		switch kind, _, err := entryKind(dir); {
		case err != nil:
			return "", err
		case kind == kindMissing:
			return reasonMissing, nil
		case kind == kindSymlink:
			return "its directory " + dir + " is a symlink; CoCoder never writes through one", nil
		case kind != kindDir:
			return "its directory " + dir + " is not a directory", nil
		}
	}
	target := filepath.Join(dir, parts[len(parts)-1])
	kind, fi, err := entryKind(target)
	switch {
	case err != nil:
		return "", err
	case kind == kindMissing:
		return reasonMissing, nil
	case kind == kindSymlink:
		return "is a symlink; CoCoder never writes through one", nil
	case kind == kindDir:
		return "is a directory where the template has a file", nil
	case kind != kindFile:
		return "is not a regular file", nil
	}
	const differs = "differs from the template (kept as it is)"
	if fi.Size() != int64(len(want)) {
		return differs, nil
	}
	got, err := os.ReadFile(target)
	if err != nil {
		return "", err
	}
	if !bytes.Equal(got, want) {
		return differs, nil
	}
	return "", nil
}

// Kinds of directory entries, as entryKind reports them.
const (
	kindMissing = "missing"
	kindSymlink = "symlink"
	kindDir     = "directory"
	kindFile    = "file"
	kindOther   = "other"
)

// entryKind classifies p without following a final symlink.
func entryKind(p string) (string, fs.FileInfo, error) {
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return kindMissing, nil, nil
	case err != nil:
		return "", nil, err
	case fi.Mode()&fs.ModeSymlink != 0:
		return kindSymlink, fi, nil
	case fi.IsDir():
		return kindDir, fi, nil
	case fi.Mode().IsRegular():
		return kindFile, fi, nil
	}
	return kindOther, fi, nil
}

// checkInitTarget refuses roots Init must not scaffold.
func checkInitTarget(ctx context.Context, op, root string, home *Home) error {
	if home != nil && home.Contains(root) {
		return errs.E(errs.Invalid, op, "%s is inside the CoCoder home %s; the home holds machine state and secrets, so put the workspace in a repository elsewhere", root, home.Dir())
	}
	if outer := enclosingWorkspace(root); outer != "" {
		return errs.E(errs.Conflict, op, "%s is inside the workspace %s; nested workspaces are not supported: use that workspace, or move this repository out of it", root, outer)
	}
	if home != nil {
		inner, err := home.Registry().registeredUnder(ctx, root)
		if err != nil {
			return err
		}
		if inner != "" {
			return errs.E(errs.Conflict, op, "%s contains the registered workspace %s; nested workspaces are not supported: scaffold that repository instead, or remove it from the registry", root, inner)
		}
	}
	gov := filepath.Join(root, GovernanceDir)
	switch kind, _, err := entryKind(gov); {
	case err != nil:
		return errs.Wrap(errs.Internal, op, err, "checking %s", gov)
	case kind == kindMissing:
		return nil
	case kind == kindSymlink:
		return errs.E(errs.Invalid, op, "%s is a symlink; CoCoder never writes through one: replace it with a real directory", gov)
	case kind != kindDir:
		return errs.E(errs.Invalid, op, "%s exists and is not a directory; move it away, then run init again", gov)
	}
	if IsWorkspace(root) {
		return nil
	}
	ents, err := os.ReadDir(gov)
	if err != nil {
		return errs.Wrap(errs.Internal, op, err, "reading %s", gov)
	}
	top := map[string]bool{}
	if tents, err := fs.ReadDir(Template(), "."); err == nil {
		for _, e := range tents {
			top[e.Name()] = true
		}
	}
	for _, e := range ents {
		if !top[e.Name()] && !governanceNames[e.Name()] {
			return errs.E(errs.Invalid, op, "%s exists and holds %s, which is not part of a CoCoder governance tree; rename that directory (CoCoder needs cocoder/ for itself), then run init again", gov, e.Name())
		}
	}
	return nil
}
