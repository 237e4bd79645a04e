package workspace

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
)

// The configuration layers, lowest first.
const (
	// LayerDefault is the built-in defaults.
	LayerDefault = "default"
	// LayerHome is the home's config.yaml.
	LayerHome = "home"
	// LayerWorkspace is the workspace's cocoder/config.yaml.
	LayerWorkspace = "workspace"
)

// defaultConfigYAML holds the built-in defaults, the lowest layer.
const defaultConfigYAML = `version: "1"
defaults:
  profile: default
  route: default
oz:
  host: 127.0.0.1
  port: 7878
theme:
  mode: system
maxRuns: 4
`

// ConfigLayer is one file of the layered configuration.
type ConfigLayer struct {
	// Name is LayerDefault, LayerHome or LayerWorkspace.
	Name string `json:"name"`
	// Path is the file, "" for the built-in defaults.
	Path string `json:"path,omitempty"`
	// Present is true when the layer exists (always for the defaults).
	Present bool `json:"present"`
}

// ResolvedConfig is the merged configuration and where each value came
// from. Secret references stay references: nothing is resolved.
type ResolvedConfig struct {
	// Config is the merged, validated configuration.
	Config contract.Config `json:"config"`
	// Sources maps each set key (dotted path to a scalar or list, e.g.
	// "oz.port") to the layer that set it.
	Sources map[string]string `json:"sources"`
	// Layers lists the layers, lowest first.
	Layers []ConfigLayer `json:"layers"`

	tree map[string]any
}

// LoadConfig merges the built-in defaults, the home's config.yaml and, when
// ws is not nil, the workspace's cocoder/config.yaml (later layers win;
// mappings merge key by key, lists and scalars replace). Each file is
// validated on its own first, so a problem is reported with its file and
// line, then the merged result is validated. Missing files are skipped.
//
// A file that does not validate is an errs.Invalid error wrapping a
// *contract.ValidationError.
func LoadConfig(home *Home, ws *Workspace) (*ResolvedConfig, error) {
	const op = "workspace.LoadConfig"
	rc := &ResolvedConfig{Sources: map[string]string{}}
	tree, err := yamlTree(LayerDefault, []byte(defaultConfigYAML))
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "built-in defaults")
	}
	merge(tree, tree, "", LayerDefault, rc.Sources)
	rc.Layers = append(rc.Layers, ConfigLayer{Name: LayerDefault, Present: true})

	var files []ConfigLayer
	if home != nil {
		files = append(files, ConfigLayer{Name: LayerHome, Path: home.ConfigPath()})
	}
	if ws != nil {
		files = append(files, ConfigLayer{Name: LayerWorkspace, Path: ws.ConfigPath()})
	}
	for _, l := range files {
		root := "" // the home's file is the user's own; the workspace's stays inside it
		if l.Name == LayerWorkspace {
			root = ws.Root
		}
		layer, ok, err := readConfigLayer(op, root, l.Path)
		if err != nil {
			return nil, err
		}
		l.Present = ok
		rc.Layers = append(rc.Layers, l)
		if ok {
			merge(tree, layer, "", l.Name, rc.Sources)
		}
	}
	cfg, err := parseConfigTree(tree)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, op, redactSecretProblems(err), "the merged configuration does not validate")
	}
	rc.Config = *cfg
	rc.tree = tree
	return rc, nil
}

// readConfigLayer validates the config file at path (read confined to root
// when root is not empty) and returns it as a generic tree; ok is false
// when the file does not exist.
func readConfigLayer(op, root, path string) (tree map[string]any, ok bool, err error) {
	var data []byte
	if root != "" {
		data, err = contract.ReadFileIn(root, path)
	} else if err = fsx.CheckTrusted(path); err == nil { // the home's: its adapter commands are run
		data, err = contract.ReadFile(path)
	}
	if errors.Is(err, errs.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, errs.Wrap(errs.CodeOf(err), op, err, "reading the config file")
	}
	if _, err := contract.Parse[contract.Config](path, data); err != nil {
		return nil, false, errs.Wrap(errs.Invalid, op, redactSecretProblems(err), "%s does not validate; fix it", path)
	}
	tree, err = yamlTree(path, data)
	if err != nil {
		return nil, false, errs.Wrap(errs.Invalid, op, err, "reading %s", path)
	}
	return tree, true, nil
}

// quotedRE matches a double-quoted string in a problem message.
var quotedRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"(?:[^"\\]|\\.)*"`) })

// redactSecretProblems returns err with the quoted text removed from the
// messages of problems under "secrets": a value there that is not a
// reference may be a real secret pasted by mistake, and error messages are
// printed and logged.
func redactSecretProblems(err error) error {
	ve, ok := errors.AsType[*contract.ValidationError](err)
	if !ok {
		return err
	}
	out := &contract.ValidationError{File: ve.File, Problems: slices.Clone(ve.Problems)}
	for i, p := range out.Problems {
		if p.Path == "secrets" || strings.HasPrefix(p.Path, "secrets.") {
			out.Problems[i].Message = quotedRE().ReplaceAllString(p.Message, "the value")
		}
	}
	return out
}

// yamlTree decodes a YAML document into a generic tree; an empty document
// is an empty tree.
func yamlTree(name string, data []byte) (map[string]any, error) {
	var tree map[string]any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if tree == nil {
		tree = map[string]any{}
	}
	return tree, nil
}

// parseConfigTree validates a generic tree as a contract.Config.
func parseConfigTree(tree map[string]any) (*contract.Config, error) {
	data, err := yaml.Marshal(tree)
	if err != nil {
		return nil, err
	}
	return contract.Parse[contract.Config]("merged configuration", data)
}

// merge copies src over dst (mappings merge key by key; anything else
// replaces) and records layer as the source of every leaf it sets. When
// dst and src are the same tree it only records the sources.
func merge(dst, src map[string]any, prefix, layer string, sources map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(src)) {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		sv := src[k]
		if sv == nil {
			continue // an empty value sets nothing
		}
		sm, sIsMap := sv.(map[string]any)
		dm, dIsMap := dst[k].(map[string]any)
		switch {
		case sIsMap && dIsMap && len(sm) > 0:
			merge(dm, sm, key, layer, sources)
			continue
		case sIsMap && len(sm) > 0:
			forget(sources, key)
			nm := map[string]any{}
			dst[k] = nm
			merge(nm, sm, key, layer, sources)
			continue
		}
		forget(sources, key)
		dst[k] = sv
		sources[key] = layer
	}
}

// forget drops the sources of key and of everything below it.
func forget(sources map[string]string, key string) {
	for k := range sources {
		if k == key || strings.HasPrefix(k, key+".") {
			delete(sources, k)
		}
	}
}

// Get returns the merged value at a dotted key ("oz.port", "secrets",
// "adapters.claude.command") and the sources of the keys it covers: one
// entry for a scalar or list, one per leaf for a mapping. Secret
// references are returned as written. A key that no layer sets is an
// errs.NotFound error.
func (rc *ResolvedConfig) Get(key string) (any, map[string]string, error) {
	const op = "workspace.ResolvedConfig.Get"
	if key == "" {
		return rc.tree, rc.Sources, nil
	}
	segs, err := splitKey(op, key)
	if err != nil {
		return nil, nil, err
	}
	v, path, ok := lookup(rc.tree, segs, "")
	if !ok {
		return nil, nil, errs.E(errs.NotFound, op, "%q is not set in any configuration layer", key)
	}
	src := map[string]string{}
	for k, l := range rc.Sources {
		if k == path || strings.HasPrefix(k, path+".") {
			src[k] = l
		}
	}
	return v, src, nil
}

// lookup walks a tree along dotted segments; a mapping key that itself
// contains dots is matched by joining segments.
func lookup(v any, segs []string, prefix string) (any, string, bool) {
	if len(segs) == 0 {
		return v, prefix, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "", false
	}
	for i := 1; i <= len(segs); i++ {
		k := strings.Join(segs[:i], ".")
		if child, ok := m[k]; ok {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			if got, path, ok := lookup(child, segs[i:], p); ok {
				return got, path, true
			}
		}
	}
	return nil, "", false
}

func splitKey(op, key string) ([]string, error) {
	segs := strings.Split(key, ".")
	for _, s := range segs {
		if s == "" {
			return nil, errs.E(errs.Invalid, op, "config key %q has an empty segment; write keys like oz.port", key)
		}
	}
	return segs, nil
}

// SetConfig sets the dotted key in the config file at path (created if
// missing) to value, keeping the file's comments and order. The value is
// read as: true/false a boolean; null removes the key; an integer a number;
// text starting with '[' or '{' a YAML/JSON list or mapping; anything else
// a string (so secret references such as ${env:API_KEY} are stored as
// written).
//
// The new file, merged over the built-in defaults, must validate before it
// is written; otherwise nothing changes and an errs.Invalid error lists the
// problems. The write is atomic and holds a lock (.<file>.lock beside the
// file) against concurrent setters; ctx bounds the wait for it. Messages
// never echo the value.
func SetConfig(ctx context.Context, path, key, value string) error {
	const op = "workspace.SetConfig"
	segs, err := splitKey(op, key)
	if err != nil {
		return err
	}
	newValue, remove, err := configValue(op, key, value)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if !isDir(dir) {
		return errs.E(errs.NotFound, op, "directory %s does not exist", dir)
	}
	lock, err := lockWithContext(ctx, filepath.Join(dir, "."+filepath.Base(path)+".lock"))
	if err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "locking %s", path)
	}
	defer lock.Release()

	perm := os.FileMode(0o600)
	var doc yaml.Node
	data, err := contract.ReadFile(path)
	switch {
	case errors.Is(err, errs.ErrNotFound):
	case err != nil:
		return errs.Wrap(errs.CodeOf(err), op, err, "reading the config file")
	default:
		if fi, err := os.Stat(path); err == nil {
			perm = fi.Mode().Perm()
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return errs.Wrap(errs.Invalid, op, err, "%s is not valid YAML; fix it by hand first", path)
		}
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		if root.Tag == "!!null" {
			*root = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		} else {
			return errs.E(errs.Invalid, op, "%s must hold a mapping at the top level", path)
		}
	}
	if err := setNode(op, root, segs, newValue, remove, key); err != nil {
		return err
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return errs.Wrap(errs.Internal, op, err, "encoding %s", path)
	}
	if _, err := contract.Parse[contract.Config](path, out); err != nil {
		return errs.Wrap(errs.Invalid, op, redactSecretProblems(err), "not written: setting %s would make %s invalid", key, path)
	}
	merged, err := yamlTree(LayerDefault, []byte(defaultConfigYAML))
	if err != nil {
		return errs.Wrap(errs.Internal, op, err, "built-in defaults")
	}
	layer, err := yamlTree(path, out)
	if err != nil {
		return errs.Wrap(errs.Internal, op, err, "re-reading %s", path)
	}
	merge(merged, layer, "", LayerHome, map[string]string{})
	if _, err := parseConfigTree(merged); err != nil {
		return errs.Wrap(errs.Invalid, op, redactSecretProblems(err), "not written: setting %s would make the merged configuration invalid", key)
	}
	if err := fsx.WriteFile(path, out, perm); err != nil {
		return errs.Wrap(errs.Internal, op, err, "writing %s", path)
	}
	return nil
}

// configValue turns the command-line text of a value into a YAML node.
func configValue(op, key, value string) (node *yaml.Node, remove bool, err error) {
	switch value {
	case "true", "false":
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: value}, false, nil
	case "null":
		return nil, true, nil
	}
	if _, err := strconv.ParseInt(value, 10, 64); err == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: value}, false, nil
	}
	if strings.HasPrefix(value, "[") || strings.HasPrefix(value, "{") {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(value), &doc); err != nil || len(doc.Content) != 1 {
			return nil, false, errs.E(errs.Invalid, op, "the value for %s starts with %q but is not a valid list or mapping; write e.g. [a, b] or {k: v}", key, value[:1])
		}
		n := doc.Content[0]
		n.Style &^= yaml.FlowStyle
		return n, false, nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}, false, nil
}

// setNode sets (or removes) the value at segs inside a mapping node,
// creating intermediate mappings.
func setNode(op string, m *yaml.Node, segs []string, v *yaml.Node, remove bool, key string) error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != segs[0] {
			continue
		}
		if len(segs) == 1 {
			if remove {
				m.Content = append(m.Content[:i], m.Content[i+2:]...)
			} else {
				m.Content[i+1] = v
			}
			return nil
		}
		child := m.Content[i+1]
		if child.Kind != yaml.MappingNode {
			if child.Tag != "!!null" {
				return errs.E(errs.Invalid, op, "cannot set %s: %s is not a mapping", key, segs[0])
			}
			*child = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		return setNode(op, child, segs[1:], v, remove, key)
	}
	if remove {
		return nil
	}
	for _, s := range slices.Backward(segs[1:]) {
		v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}, v}}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: segs[0]}, v)
	return nil
}

// Tokens returns this home's path tokens: ${COCODER_HOME}, the roots of
// its config.yaml, and ~ (the user's home directory, when known). A
// config.yaml that does not validate is an errs.Invalid error.
func (h *Home) Tokens() (Tokens, error) {
	tok := Tokens{Home: h.dir, RootsSource: h.ConfigPath()}
	if u, err := os.UserHomeDir(); err == nil && filepath.IsAbs(u) {
		tok.UserHome = u
	}
	cfg, err := contract.Load[contract.Config](h.ConfigPath())
	switch {
	case errs.CodeOf(err) == errs.NotFound:
	case err != nil:
		return tok, errs.Wrap(errs.Invalid, "workspace.Home.Tokens", err, "reading roots from %s", h.ConfigPath())
	default:
		tok.Roots = cfg.Roots
	}
	return tok, nil
}
