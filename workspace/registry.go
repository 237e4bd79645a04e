package workspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/flock"
	"github.com/cocoder/cocoder/internal/fsx"
)

// maxIDLen bounds a derived workspace id.
const maxIDLen = 64

// registryHeader starts every workspaces.yaml the registry writes.
const registryHeader = "# CoCoder workspace registry. Managed by `cocoder workspace add|rm`; paths use\n" +
	"# ${COCODER_HOME}, ${root:NAME} (roots in config.yaml) and ~ so the home can move between machines.\n"

// Registry is the list of workspaces known to a home, kept in
// workspaces.yaml. Every change takes an OS file lock on
// workspaces.yaml.lock and replaces the file atomically, so concurrent
// writers (several CLI processes, the Oz daemon) never lose an entry and
// readers never see a torn file.
type Registry struct {
	home *Home
	// now is the clock; nil means time.Now.
	now func() time.Time
}

// Path is the registry file, workspaces.yaml in the home.
func (r *Registry) Path() string { return r.home.RegistryPath() }

func (r *Registry) lockPath() string { return r.Path() + ".lock" }

func (r *Registry) clock() time.Time {
	if r.now != nil {
		return r.now().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

// Tokens returns the path tokens of this home: ${COCODER_HOME}, the roots
// of the home config.yaml and ~. A config.yaml that does not validate is an
// errs.Invalid error naming the file.
func (r *Registry) Tokens() (Tokens, error) {
	return r.home.Tokens()
}

// List returns every registered workspace, in file order. A missing
// registry file is an empty list.
func (r *Registry) List(ctx context.Context) ([]contract.RegistryEntry, error) {
	doc, err := r.read()
	if err != nil {
		return nil, err
	}
	return doc.Workspaces, nil
}

// Get returns the workspace whose id, or else whose name, is idOrName. It
// returns an errs.NotFound error when there is none.
func (r *Registry) Get(ctx context.Context, idOrName string) (contract.RegistryEntry, error) {
	doc, err := r.read()
	if err != nil {
		return contract.RegistryEntry{}, err
	}
	if i := find(doc, idOrName); i >= 0 {
		return doc.Workspaces[i], nil
	}
	return contract.RegistryEntry{}, errs.E(errs.NotFound, "workspace.Registry.Get", "no workspace %q in the registry %s", idOrName, r.Path())
}

// AbsPath expands an entry's stored path with this home's tokens.
func (r *Registry) AbsPath(e contract.RegistryEntry) (string, error) {
	tok, err := r.Tokens()
	if err != nil {
		return "", err
	}
	return tok.Expand(e.Path)
}

// Add registers the workspace containing path (an absolute path to the
// workspace root or any directory inside it) under name, and returns its
// entry. name defaults to the root's base name. The id is derived from the
// name ([a-z0-9][a-z0-9-]*, a numeric suffix when taken) and never changes
// afterwards. Adding a registered workspace again updates its last-seen
// time (and its name when one is given) instead of duplicating it.
//
// The path is stored in its portable form (see [Tokens.Tokenize]); an entry
// whose Path is absolute matched no token.
//
// Errors: errs.Invalid for a relative path, a ".." segment, a symlink, a
// path inside the home zone or a bad name; errs.NotFound when the path does
// not exist or is not inside a workspace; errs.Conflict for a nested
// workspace or a name already used by another workspace.
func (r *Registry) Add(ctx context.Context, path, name string) (contract.RegistryEntry, error) {
	const op = "workspace.Registry.Add"
	root, err := r.checkAddPath(op, path)
	if err != nil {
		return contract.RegistryEntry{}, err
	}
	if name != "" {
		if err := validName(name); err != nil {
			return contract.RegistryEntry{}, errs.Wrap(errs.Invalid, op, err, "workspace name")
		}
	}
	tok, err := r.Tokens()
	if err != nil {
		return contract.RegistryEntry{}, err
	}
	stored, _ := tok.Tokenize(root)

	var out contract.RegistryEntry
	err = r.update(ctx, op, func(doc *contract.Registry) error {
		now := r.clock()
		i := findPath(doc, tok, stored, root)
		taken := takenBy(doc, i)
		if name != "" && taken(name) {
			return errs.E(errs.Conflict, op, "the name %q is already used by another workspace in %s; pick another name", name, r.Path())
		}
		if i >= 0 {
			e := &doc.Workspaces[i]
			e.Path = stored
			e.LastSeenAt = now
			if name != "" {
				e.Name = name
			}
			out = *e
			return nil
		}
		out = newEntry(doc, root, stored, name, now)
		doc.Workspaces = append(doc.Workspaces, out)
		return nil
	})
	return out, err
}

// CheckAdd runs every check of Add without writing anything: it returns
// the workspace root that Add(ctx, path, name) would register, or the
// error Add would return for the path or the name (a name already used by
// another workspace included). A caller that must record an action before
// carrying it out (Oz's audit log) checks first, records, then adds.
func (r *Registry) CheckAdd(ctx context.Context, path, name string) (string, error) {
	const op = "workspace.Registry.Add"
	root, err := r.checkAddPath(op, path)
	if err != nil || name == "" {
		return root, err
	}
	if err := validName(name); err != nil {
		return "", errs.Wrap(errs.Invalid, op, err, "workspace name")
	}
	tok, err := r.Tokens()
	if err != nil {
		return "", err
	}
	doc, err := r.read()
	if err != nil {
		return "", err
	}
	stored, _ := tok.Tokenize(root)
	if takenBy(doc, findPath(doc, tok, stored, root))(name) {
		return "", errs.E(errs.Conflict, op, "the name %q is already used by another workspace in %s; pick another name with --name", name, r.Path())
	}
	return root, nil
}

// Lookup returns the entry of the workspace containing path and true when
// it is registered, or else the entry Add(ctx, path, "") would create now
// and false. It changes nothing, so a plan can name the id a run will be
// filed under before the run registers its workspace.
func (r *Registry) Lookup(ctx context.Context, path string) (contract.RegistryEntry, bool, error) {
	const op = "workspace.Registry.Lookup"
	root, err := r.checkAddPath(op, path)
	if err != nil {
		return contract.RegistryEntry{}, false, err
	}
	tok, err := r.Tokens()
	if err != nil {
		return contract.RegistryEntry{}, false, err
	}
	doc, err := r.read()
	if err != nil {
		return contract.RegistryEntry{}, false, err
	}
	stored, _ := tok.Tokenize(root)
	if i := findPath(doc, tok, stored, root); i >= 0 {
		return doc.Workspaces[i], true, nil
	}
	now := r.clock()
	return newEntry(doc, root, stored, "", now), false, nil
}

// takenBy returns whether an id or name is used by an entry of doc other
// than the one at index self (-1 for none).
func takenBy(doc *contract.Registry, self int) func(string) bool {
	return func(s string) bool {
		for j, e := range doc.Workspaces {
			if j != self && (e.ID == s || e.Name == s) {
				return true
			}
		}
		return false
	}
}

// newEntry is the entry Add makes for a workspace not yet in doc: its id
// derived from name (default: the root's base name), unique in doc.
func newEntry(doc *contract.Registry, root, stored, name string, now time.Time) contract.RegistryEntry {
	taken := takenBy(doc, -1)
	base := name
	if base == "" {
		base = filepath.Base(root)
	}
	id := deriveID(base, taken)
	if name == "" {
		name = base
		if taken(name) || validName(name) != nil {
			name = id
		}
	}
	return contract.RegistryEntry{ID: id, Name: name, Path: stored, AddedAt: now, LastSeenAt: now}
}

// checkAddPath validates a path given to Add and returns the workspace
// root it belongs to.
func (r *Registry) checkAddPath(op, path string) (string, error) {
	switch {
	case path == "" || !filepath.IsAbs(path):
		return "", errs.E(errs.Invalid, op, "workspace path %q must be absolute", path)
	case hasDotDot(path):
		return "", errs.E(errs.Invalid, op, "workspace path %q contains a \"..\" segment; give the path without it", path)
	case strings.ContainsRune(path, 0):
		return "", errs.E(errs.Invalid, op, "workspace path %q contains a NUL byte", path)
	}
	path = filepath.Clean(path)
	switch kind, _, err := entryKind(path); {
	case err != nil:
		return "", errs.Wrap(errs.Internal, op, err, "checking %s", path)
	case kind == kindMissing:
		return "", errs.E(errs.NotFound, op, "%s does not exist", path)
	case kind == kindSymlink:
		real, _ := filepath.EvalSymlinks(path)
		return "", errs.E(errs.Invalid, op, "%s is a symlink (to %s); register the real directory instead", path, real)
	case kind != kindDir:
		return "", errs.E(errs.Invalid, op, "%s is not a directory", path)
	}
	if r.home.Contains(path) {
		return "", errs.E(errs.Invalid, op, "%s is inside the CoCoder home %s; workspaces live in repositories elsewhere", path, r.home.Dir())
	}
	ws, err := Find(path)
	if err != nil {
		return "", err
	}
	if r.home.Contains(ws.Root) {
		return "", errs.E(errs.Invalid, op, "%s is inside the CoCoder home %s; workspaces live in repositories elsewhere", ws.Root, r.home.Dir())
	}
	return ws.Root, nil
}

// Remove deletes the workspace with this id from the registry. It returns
// an errs.NotFound error when there is none. The workspace's files and run
// ledgers are left alone.
func (r *Registry) Remove(ctx context.Context, id string) error {
	const op = "workspace.Registry.Remove"
	return r.update(ctx, op, func(doc *contract.Registry) error {
		for i, e := range doc.Workspaces {
			if e.ID == id {
				doc.Workspaces = append(doc.Workspaces[:i], doc.Workspaces[i+1:]...)
				return nil
			}
		}
		return errs.E(errs.NotFound, op, "no workspace with id %q in the registry %s", id, r.Path())
	})
}

// Touch sets the last-seen time of the workspace with this id to now. It
// returns an errs.NotFound error when there is none.
func (r *Registry) Touch(ctx context.Context, id string) error {
	const op = "workspace.Registry.Touch"
	return r.update(ctx, op, func(doc *contract.Registry) error {
		for i := range doc.Workspaces {
			if doc.Workspaces[i].ID == id {
				doc.Workspaces[i].LastSeenAt = r.clock()
				return nil
			}
		}
		return errs.E(errs.NotFound, op, "no workspace with id %q in %s", id, r.Path())
	})
}

// registeredUnder returns the expanded path of a registered workspace that
// lies strictly inside root, or "".
func (r *Registry) registeredUnder(ctx context.Context, root string) (string, error) {
	doc, err := r.read()
	if err != nil {
		return "", err
	}
	tok, err := r.Tokens()
	if err != nil {
		return "", err
	}
	for _, e := range doc.Workspaces {
		p, err := tok.Expand(e.Path)
		if err != nil || p == root {
			continue
		}
		if containsPath(root, p) {
			return p, nil
		}
	}
	return "", nil
}

// read loads the registry without locking: writers replace the file
// atomically, so a reader always sees a whole version.
func (r *Registry) read() (*contract.Registry, error) {
	const op = "workspace.Registry"
	if err := fsx.CheckTrusted(r.Path()); err != nil {
		return nil, errs.Wrap(errs.Invalid, op, err, "")
	}
	data, err := contract.ReadFile(r.Path())
	if errors.Is(err, errs.ErrNotFound) {
		return &contract.Registry{Version: contract.CurrentVersion}, nil
	}
	if err != nil {
		return nil, errs.Wrap(errs.CodeOf(err), op, err, "reading the registry")
	}
	doc, err := contract.Parse[contract.Registry](r.Path(), data)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, op, err, "the registry %s does not validate; fix the file by hand (or move it aside to start an empty registry)", r.Path())
	}
	return doc, nil
}

// update runs fn on the current registry under the registry lock and, when
// fn succeeds, validates and atomically writes the result.
func (r *Registry) update(ctx context.Context, op string, fn func(*contract.Registry) error) error {
	lock, err := lockWithContext(ctx, r.lockPath())
	if err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "locking %s", r.lockPath())
	}
	defer lock.Release()
	removeStaleTemps(r.Path())
	doc, err := r.read()
	if err != nil {
		return err
	}
	if err := fn(doc); err != nil {
		return err
	}
	if doc.Version == "" {
		doc.Version = contract.CurrentVersion
	}
	data, err := encodeYAML(registryHeader, doc)
	if err != nil {
		return errs.Wrap(errs.Internal, op, err, "encoding the registry")
	}
	if _, err := contract.Parse[contract.Registry](r.Path(), data); err != nil {
		return errs.Wrap(errs.Invalid, op, err, "refusing to write an invalid registry")
	}
	if err := fsx.WriteFile(r.Path(), data, 0o600); err != nil {
		return errs.Wrap(errs.Internal, op, err, "writing %s", r.Path())
	}
	return nil
}

// removeStaleTemps deletes temporary files a writer killed mid-write left
// beside path. Only the lock holder writes path, so while it holds the lock
// every such file is stale.
func removeStaleTemps(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	for _, m := range matches {
		_ = os.Remove(m)
	}
}

// encodeYAML renders v as YAML after a comment header.
func encodeYAML(header string, v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// lockWithContext takes the exclusive lock on path, polling so that ctx can
// cancel the wait.
func lockWithContext(ctx context.Context, path string) (*flock.Lock, error) {
	wait := time.Millisecond
	for {
		l, err := flock.TryLock(path)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, flock.ErrLocked) {
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, 25*time.Millisecond)
	}
}

// find returns the index of the entry whose id, or else whose name, is s.
func find(doc *contract.Registry, s string) int {
	for i, e := range doc.Workspaces {
		if e.ID == s {
			return i
		}
	}
	for i, e := range doc.Workspaces {
		if e.Name == s {
			return i
		}
	}
	return -1
}

// findPath returns the index of the entry for the workspace at root: same
// stored path, or a stored path that expands to root.
func findPath(doc *contract.Registry, tok Tokens, stored, root string) int {
	for i, e := range doc.Workspaces {
		if e.Path == stored {
			return i
		}
		if p, err := tok.Expand(e.Path); err == nil && p == root {
			return i
		}
	}
	return -1
}

// deriveID turns a name into an id matching [a-z0-9][a-z0-9-]*: lower
// case, every run of other characters becomes one '-', at most 64 bytes,
// "ws" when nothing is left, and a "-2", "-3", ... suffix when taken.
func deriveID(name string, taken func(string) bool) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
			continue
		}
		dash = true
	}
	id := b.String()
	if len(id) > maxIDLen {
		id = strings.TrimRight(id[:maxIDLen], "-")
	}
	if id == "" {
		id = "ws"
	}
	if !taken(id) {
		return id
	}
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n)
		cand := id
		if len(cand)+len(suffix) > maxIDLen {
			cand = strings.TrimRight(cand[:maxIDLen-len(suffix)], "-")
		}
		if cand += suffix; !taken(cand) {
			return cand
		}
	}
}

// validName checks a workspace display name: non-empty, printable, at most
// 128 bytes, no leading or trailing space.
func validName(name string) error {
	if name == "" || len(name) > 128 || strings.TrimSpace(name) != name {
		return fmt.Errorf("%q must be 1 to 128 characters without leading or trailing spaces", name)
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("%q contains a control character", name)
		}
	}
	return nil
}
