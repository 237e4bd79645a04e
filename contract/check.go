package contract

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/cocoder/cocoder/internal/errs"
)

// CheckOptions configure [CheckPaths].
type CheckOptions struct {
	// Kind, when set, validates every contract file found as this kind
	// instead of inferring each file's kind from its folder.
	Kind Kind
	// Adapters are adapter declarations known without a file in the tree
	// (the ones shipped with the binary). Declarations found in the tree
	// replace them by id.
	Adapters map[string]*Adapter
}

// FileReport is the outcome of validating one file.
type FileReport struct {
	// Path of the file, as found.
	Path string `json:"path"`
	// Kind it was validated as.
	Kind Kind `json:"kind"`
	// OK is true when the file has no problem.
	OK bool `json:"ok"`
	// Problems found; empty when OK.
	Problems []Problem `json:"problems"`
	// Warnings are non-fatal findings.
	Warnings []Problem `json:"warnings,omitempty"`

	doc  any
	root string // a walked file is read inside the directory walked
}

// TreeIssue is a cross-document issue with the documents it concerns.
type TreeIssue struct {
	Issue
	// Route is the id of the route checked.
	Route string `json:"route"`
	// Profile is the id of the profile checked.
	Profile string `json:"profile"`
	// Boundary is the id of the priority boundary, for boundary issues.
	Boundary string `json:"boundary,omitempty"`
	// Files are the paths of the route, the profile and the boundary.
	Files []string `json:"files"`
}

// Report is the outcome of [CheckPaths].
type Report struct {
	// OK is true when every file is valid and no issue blocks.
	OK bool `json:"ok"`
	// Files validated, in the order found.
	Files []FileReport `json:"files"`
	// Issues from the cross-document check.
	Issues []TreeIssue `json:"issues"`
}

// CheckPaths validates contract files and directories. A directory is
// walked (hidden entries skipped) and every .yaml, .yml or .json file whose
// kind [InferKind] recognises is validated; a file given by name must have
// a recognisable kind unless opt.Kind is set. Then, for each directory
// given and once for all files given, every valid route is checked with
// [CheckLaunch] against every valid profile, with the adapters, personas
// and priority boundaries found beside them (each boundary that applies to
// the route in turn, its slug as the priority). Prompt manifests are
// checked for fragments that do not exist.
//
// Invalid documents are reported in the Report, not as an error. The error
// is for paths that do not exist (errs.NotFound), a file whose kind cannot
// be told (errs.Invalid), an unreadable tree, or an invalid declaration in
// opt.Adapters (errs.Internal: those come with the program).
func CheckPaths(paths []string, opt CheckOptions) (*Report, error) {
	if opt.Kind != "" {
		if _, ok := specOf(opt.Kind); !ok {
			return nil, unknownKind("contract.CheckPaths", opt.Kind)
		}
	}
	// Build the validator while the paths are read: the files' decoding
	// does not need it, and in a cold process it takes a while.
	go validatorInstance()
	// Find every file first, then load them all in parallel (decoding and
	// validation dominate a cold run), then cross-check each group: one per
	// directory given, and one for all the files given by name.
	var (
		found  []FileReport
		groups [][]int
		files  []int
	)
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, errs.E(errs.NotFound, "contract.CheckPaths", "%s does not exist", p)
			}
			return nil, errs.Wrap(errs.Internal, "contract.CheckPaths", err, "cannot read %s", p)
		}
		if !st.IsDir() {
			k := opt.Kind
			if k == "" {
				var ok bool
				if k, ok = InferKind(p); !ok {
					return nil, errs.Wrap(errs.Invalid, "contract.CheckPaths", &unknownKindError{fmt.Sprintf("cannot tell which contract %s is from its name or folder; name its kind explicitly (one of: %s)", p, kindNames())}, "")
				}
			}
			files = append(files, len(found))
			found = append(found, FileReport{Path: p, Kind: k})
			continue
		}
		start := len(found)
		var err2 error
		if found, err2 = walkTree(found, p, opt.Kind); err2 != nil {
			return nil, err2
		}
		groups = append(groups, seq(start, len(found)))
	}
	loadAll(found)
	for _, id := range sortedKeys(opt.Adapters) {
		if a := opt.Adapters[id]; a == nil || a.ID != id || a.Validate() != nil {
			return nil, errs.E(errs.Internal, "contract.CheckPaths", "the built-in adapter declaration %q is invalid", id)
		}
	}
	rep := &Report{Files: found, Issues: []TreeIssue{}}
	for _, g := range append(groups, files) {
		rep.crossCheck(g, opt.Adapters)
	}
	rep.OK = true
	for _, f := range rep.Files {
		rep.OK = rep.OK && f.OK
	}
	for _, i := range rep.Issues {
		rep.OK = rep.OK && i.Severity != SeverityBlock
	}
	return rep, nil
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func kindNames() string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// walkTree appends every contract file below root to found, with its
// kind, without loading it.
func walkTree(found []FileReport, root string, kind Kind) ([]FileReport, error) {
	base := filepath.Base(filepath.Clean(root))
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		// A symlink or another special file with a contract's name is
		// listed, not skipped: reading it inside root says what is wrong.
		if d.IsDir() || !IsContractFile(d.Name()) {
			return nil
		}
		k := kind
		if k == "" {
			rel, _ := filepath.Rel(root, p)
			var ok bool
			if k, ok = InferKind(filepath.Join(base, rel)); !ok {
				return nil
			}
		}
		found = append(found, FileReport{Path: p, Kind: k, root: root})
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "contract.CheckPaths", err, "cannot walk %s", root)
	}
	return found, nil
}

// loadAll loads and validates every file in place, on as many goroutines
// as there are CPUs.
func loadAll(files []FileReport) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				files[i] = checkFile(files[i])
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
}

// checkFile validates one file; a file found by walking a directory is
// read through a root confined to that directory.
func checkFile(in FileReport) FileReport {
	k, path := in.Kind, in.Path
	fr := FileReport{Path: path, Kind: k, Problems: []Problem{}}
	var doc *Document
	var err error
	if in.root != "" {
		var data []byte
		if data, err = ReadFileIn(in.root, path); err == nil {
			doc, err = ParseDocument(k, path, data)
		}
	} else {
		doc, err = LoadDocument(k, path)
	}
	if err != nil {
		if ve, ok := errors.AsType[*ValidationError](err); ok {
			fr.Problems = ve.Problems
		} else {
			fr.Problems = []Problem{{Rule: "read", Message: err.Error()}}
		}
		return fr
	}
	fr.OK, fr.Warnings, fr.doc = true, doc.Warnings, doc.Value
	if m, ok := doc.Value.(*PromptManifest); ok {
		fr.Problems = withLines(missingFragments(m, filepath.Dir(path)), doc.lines)
		fr.OK = len(fr.Problems) == 0
	}
	return fr
}

// missingFragments reports manifest entries whose file does not exist.
func missingFragments(m *PromptManifest, dir string) []Problem {
	out := []Problem{}
	for _, persona := range sortedKeys(m.Personas) {
		for i, f := range m.Personas[persona] {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
				out = append(out, Problem{Path: index(join("personas", persona), i), Rule: "missing-fragment",
					Message: "fragment " + quote(f) + " does not exist next to the manifest; create it or fix the path"})
			}
		}
	}
	return out
}

// group gathers the valid documents of one directory for the cross-check.
type group struct {
	routes, profiles, boundaries []FileReport
	adapters                     map[string]*Adapter
	personas                     map[string]*Persona
	invalid                      map[Kind]bool // kinds with a file that does not validate
}

func (rep *Report) crossCheck(idx []int, builtin map[string]*Adapter) {
	g := group{adapters: map[string]*Adapter{}, invalid: map[Kind]bool{}}
	for id, a := range builtin {
		g.adapters[id] = a
	}
	for _, i := range idx {
		f := rep.Files[i]
		if !f.OK && f.doc == nil {
			g.invalid[f.Kind] = true
		}
		switch d := f.doc.(type) {
		case *Route:
			g.routes = append(g.routes, f)
		case *Profile:
			g.profiles = append(g.profiles, f)
		case *PriorityBoundary:
			g.boundaries = append(g.boundaries, f)
		case *Adapter:
			g.adapters[d.ID] = d
		case *Persona:
			if g.personas == nil {
				g.personas = map[string]*Persona{}
			}
			g.personas[d.ID] = d
		}
	}
	for _, rf := range g.routes {
		for _, pf := range g.profiles {
			rep.checkPair(g, rf, pf)
		}
	}
}

// checkPair runs CheckLaunch for one route and profile, once per boundary
// that applies to the route (or once without a boundary), and records each
// distinct issue.
func (rep *Report) checkPair(g group, rf, pf FileReport) {
	r, p := rf.doc.(*Route), pf.doc.(*Profile)
	var bounds []FileReport
	for _, bf := range g.boundaries {
		if bf.doc.(*PriorityBoundary).AllowsRoute(r.ID) {
			bounds = append(bounds, bf)
		}
	}
	if len(bounds) == 0 {
		bounds = []FileReport{{}}
	}
	seen := map[Issue]bool{}
	var found []TreeIssue
	for _, bf := range bounds {
		in := LaunchInput{Route: r, Profile: p, Adapters: g.adapters, Personas: g.personas, validated: true}
		files := []string{rf.Path, pf.Path}
		if b, ok := bf.doc.(*PriorityBoundary); ok {
			in.Boundary, in.PrioritySlug = b, b.PrioritySlug
			files = append(files, bf.Path)
		}
		for _, is := range CheckLaunch(in) {
			if seen[is] {
				continue
			}
			seen[is] = true
			is.Message += g.hint(is.Code)
			ti := TreeIssue{Issue: is, Route: r.ID, Profile: p.ID, Files: files[:2]}
			if in.Boundary != nil && boundaryIssue(is.Code) {
				ti.Boundary, ti.Files = in.Boundary.ID, files
			}
			found = append(found, ti)
		}
	}
	slices.SortStableFunc(found, func(a, b TreeIssue) int {
		return cmp.Compare(severityRank(a.Severity), severityRank(b.Severity))
	})
	rep.Issues = append(rep.Issues, found...)
}

// hint explains that a "missing" document may be one that did not
// validate, which the cross-check leaves out.
func (g group) hint(code string) string {
	kind := map[string]Kind{IssuePersonaMissing: KindPersona, IssueMissingAdapter: KindAdapter, IssueMissingFallbackAdapter: KindAdapter}[code]
	if kind != "" && g.invalid[kind] {
		return fmt.Sprintf(" (a %s file here does not validate and was left out of this check; fix it first)", kind)
	}
	return ""
}

func severityRank(s Severity) int {
	if s == SeverityBlock {
		return 0
	}
	return 1
}

// boundaryIssue reports whether an issue code concerns the priority or its
// boundary.
func boundaryIssue(code string) bool {
	return strings.HasPrefix(code, "priority-") || code == IssueWriterScopeEmpty
}

// ErrUnknownKind is in the chain of the error CheckPaths returns for a file
// whose contract kind its name and folder do not tell (errors.Is); naming
// the kind in CheckOptions.Kind resolves it.
var ErrUnknownKind = errors.New("contract kind unknown")

// unknownKindError says which file's kind is unknown; it matches
// ErrUnknownKind.
type unknownKindError struct{ msg string }

func (e *unknownKindError) Error() string        { return e.msg }
func (e *unknownKindError) Is(target error) bool { return target == ErrUnknownKind }
