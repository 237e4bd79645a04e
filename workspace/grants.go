package workspace

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/secrets"
)

// homeGrantsFile keeps, per workspace, what its own configuration may send
// to its lanes.
const homeGrantsFile = "grants.yaml"

// grantsHeader starts every grants.yaml Grant and Revoke write.
const grantsHeader = "# Which secrets each workspace's own cocoder/config.yaml may send to its lanes.\n" +
	"# Managed by `cocoder secrets allow|disallow`; keyed by the workspace root.\n"

// Grants is what the user lets a workspace's own configuration (its
// tracked cocoder/config.yaml, which whoever wrote the repository chose)
// send to the workspace's lanes: which stored secrets it may name with
// ${secret:NAME}, which environment variables of the CoCoder process with
// ${env:NAME}, and which files with ${file:PATH}. The home configuration is
// the user's own and needs no grant.
type Grants struct {
	// Secrets are names of stored secrets.
	Secrets []string `yaml:"secrets,omitempty" json:"secrets,omitempty"`
	// Env are names of environment variables.
	Env []string `yaml:"env,omitempty" json:"env,omitempty"`
	// Files are ${file:PATH} paths.
	Files []string `yaml:"files,omitempty" json:"files,omitempty"`
}

// grantsDoc is grants.yaml.
type grantsDoc struct {
	Workspaces map[string]Grants `yaml:"workspaces,omitempty"`
}

// Allows reports whether ref, a reference in a workspace's own
// configuration, is granted. Literal text (no reference) is always allowed:
// it comes from the repository, not from the machine.
func (g Grants) Allows(ref string) bool {
	if !secrets.IsRef(ref) {
		return true
	}
	r, err := secrets.ParseRef(ref)
	if err != nil {
		return false
	}
	switch r.Kind {
	case secrets.KindSecret:
		return slices.Contains(g.Secrets, r.Target)
	case secrets.KindEnv:
		return slices.Contains(g.Env, r.Target)
	case secrets.KindFile:
		return slices.Contains(g.Files, r.Target)
	}
	return false
}

// GrantsPath is grants.yaml in the home.
func (h *Home) GrantsPath() string { return filepath.Join(h.dir, homeGrantsFile) }

// Grants returns what the workspace at root (its absolute root) may send
// to its lanes from its own configuration. Nothing granted is an empty
// Grants.
func (h *Home) Grants(root string) (Grants, error) {
	doc, err := h.readGrants()
	if err != nil {
		return Grants{}, err
	}
	return doc.Workspaces[filepath.Clean(root)], nil
}

// Grant lets the workspace at root send the given references to its lanes
// from its own configuration; Revoke takes grants back. Each reference is
// ${secret:NAME}, ${env:NAME} or ${file:PATH}. The change is atomic and
// holds a lock against concurrent changes.
func (h *Home) Grant(ctx context.Context, root string, refs ...string) error {
	return h.changeGrants(ctx, "workspace.Home.Grant", root, refs, true)
}

// Revoke takes back grants made with Grant; a reference not granted is
// ignored.
func (h *Home) Revoke(ctx context.Context, root string, refs ...string) error {
	return h.changeGrants(ctx, "workspace.Home.Revoke", root, refs, false)
}

func (h *Home) changeGrants(ctx context.Context, op, root string, refs []string, add bool) error {
	if !filepath.IsAbs(root) {
		return errs.E(errs.Invalid, op, "workspace root %q must be an absolute path", root)
	}
	parsed := make([]secrets.Ref, 0, len(refs))
	for _, s := range refs {
		r, err := secrets.ParseRef(s)
		if err != nil {
			return errs.Wrap(errs.Invalid, op, err, "give references such as '${secret:NAME}', '${env:NAME}' or '${file:PATH}'")
		}
		parsed = append(parsed, r)
	}
	lock, err := lockWithContext(ctx, h.GrantsPath()+".lock")
	if err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "locking %s", h.GrantsPath())
	}
	defer lock.Release()
	doc, err := h.readGrants()
	if err != nil {
		return err
	}
	if doc.Workspaces == nil {
		doc.Workspaces = map[string]Grants{}
	}
	key := filepath.Clean(root)
	g := doc.Workspaces[key]
	for _, r := range parsed {
		list := map[secrets.Kind]*[]string{secrets.KindSecret: &g.Secrets, secrets.KindEnv: &g.Env, secrets.KindFile: &g.Files}[r.Kind]
		if add && !slices.Contains(*list, r.Target) {
			*list = append(*list, r.Target)
			slices.Sort(*list)
		}
		if !add {
			*list = slices.DeleteFunc(*list, func(s string) bool { return s == r.Target })
		}
	}
	if len(g.Secrets)+len(g.Env)+len(g.Files) == 0 {
		delete(doc.Workspaces, key)
	} else {
		doc.Workspaces[key] = g
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return errs.Wrap(errs.Internal, op, err, "encoding %s", h.GrantsPath())
	}
	if err := fsx.WriteFile(h.GrantsPath(), append([]byte(grantsHeader), out...), 0o600); err != nil {
		return errs.Wrap(errs.Internal, op, err, "writing %s", h.GrantsPath())
	}
	return nil
}

// readGrants reads grants.yaml; a missing file grants nothing.
func (h *Home) readGrants() (grantsDoc, error) {
	const op = "workspace.Home.Grants"
	var doc grantsDoc
	if err := fsx.CheckTrusted(h.GrantsPath()); err != nil {
		return doc, errs.Wrap(errs.Invalid, op, err, "")
	}
	data, err := contract.ReadFile(h.GrantsPath())
	if errors.Is(err, errs.ErrNotFound) {
		return doc, nil
	}
	if err != nil {
		return doc, errs.Wrap(errs.CodeOf(err), op, err, "")
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && err.Error() != "EOF" {
		return doc, errs.Wrap(errs.Invalid, op, err, "%s does not decode; fix it, or remove it (it is rewritten by Home.Grant and Home.Revoke)", h.GrantsPath())
	}
	return doc, nil
}
