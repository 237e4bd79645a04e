package contract

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/cocoder/cocoder/contract/internal/patterns"
)

// Config is the CoCoder configuration: the home's config.yaml and a
// workspace's cocoder/config.yaml, layered by package workspace (later
// layers win). Secret values never appear in it, only references.
type Config struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// Defaults name the adapter, profile and route used when none is given.
	Defaults ConfigDefaults `json:"defaults,omitzero" yaml:"defaults,omitempty"`
	// Adapters holds per-machine adapter settings, keyed by adapter id.
	Adapters map[string]ConfigAdapter `json:"adapters,omitempty" yaml:"adapters,omitempty" validate:"omitempty,dive,keys,id,endkeys"`
	// ModelRoles maps a role name to a lane or adapter id.
	ModelRoles map[string]string `json:"modelRoles,omitempty" yaml:"modelRoles,omitempty" validate:"omitempty,dive,required"`
	// Oz configures the local control plane.
	Oz OzConfig `json:"oz,omitzero" yaml:"oz,omitempty"`
	// Theme of the dashboard.
	Theme ThemeConfig `json:"theme,omitzero" yaml:"theme,omitempty"`
	// Secrets maps a name to a secret reference: ${env:NAME},
	// ${file:PATH} or ${secret:NAME}. Values are never written here.
	Secrets map[string]string `json:"secrets,omitempty" yaml:"secrets,omitempty" validate:"omitempty,dive,keys,id,endkeys,secretref"`
	// Roots maps a name to a directory, for ${root:NAME} path tokens in
	// the workspace registry. Paths are absolute or start with "~".
	Roots map[string]string `json:"roots,omitempty" yaml:"roots,omitempty" validate:"omitempty,dive,keys,rootname,endkeys,required"`
	// MaxRuns caps how many runs may be active at once across workspaces.
	MaxRuns int `json:"maxRuns,omitempty" yaml:"maxRuns,omitempty" jsonschema:"minimum=1,maximum=1000" validate:"omitempty,min=1,max=1000"`
}

// ConfigDefaults name what is used when a command does not say.
type ConfigDefaults struct {
	// Adapter id.
	Adapter string `json:"adapter,omitempty" yaml:"adapter,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"omitempty,id"`
	// Profile id.
	Profile string `json:"profile,omitempty" yaml:"profile,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"omitempty,id"`
	// Route id.
	Route string `json:"route,omitempty" yaml:"route,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"omitempty,id"`
}

// ConfigAdapter holds one adapter's per-machine settings.
type ConfigAdapter struct {
	// ID of the adapter; defaults to the map key and must equal it.
	ID string `json:"id,omitempty" yaml:"id,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"omitempty,id"`
	// Command overrides the adapter's command (a name or a path).
	Command string `json:"command,omitempty" yaml:"command,omitempty" jsonschema:"pattern=^[^\\s]+$" validate:"omitempty,program"`
	// Account names the account or profile the CLI should use.
	Account string `json:"account,omitempty" yaml:"account,omitempty"`
	// Enabled false hides the adapter.
	Enabled *bool `json:"enabled,omitempty" yaml:"enabled,omitempty"`
}

// OzConfig configures the control plane. It only ever listens on loopback.
type OzConfig struct {
	// Host is a loopback address: 127.0.0.1, ::1 or localhost.
	Host string `json:"host,omitempty" yaml:"host,omitempty" jsonschema:"enum=127.0.0.1,enum=::1,enum=localhost" validate:"omitempty,loopback"`
	// Port is 1024–65535.
	Port int `json:"port,omitempty" yaml:"port,omitempty" jsonschema:"minimum=1024,maximum=65535" validate:"omitempty,min=1024,max=65535"`
}

// ThemeConfig is the dashboard theme.
type ThemeConfig struct {
	// Mode is system, light or dark.
	Mode string `json:"mode,omitempty" yaml:"mode,omitempty" jsonschema:"enum=system,enum=light,enum=dark" validate:"omitempty,oneof=system light dark"`
	// Accent is a CSS colour.
	Accent string `json:"accent,omitempty" yaml:"accent,omitempty"`
}

// Validate checks the config and returns nil or a *ValidationError.
func (c *Config) Validate() error { return Validate(c) }

func (c *Config) setDefaults() {
	for id, a := range c.Adapters {
		if a.ID == "" {
			a.ID = id
			c.Adapters[id] = a
		}
	}
}

func (c *Config) check(p *problems) {
	// Config keys are addressed as dot paths (adapters.codex.enabled), so a
	// map key holding a dot, or an empty one, could never be read or set.
	for _, m := range []struct {
		field string
		keys  []string
	}{
		{"adapters", sortedKeys(c.Adapters)},
		{"modelRoles", sortedKeys(c.ModelRoles)},
		{"secrets", sortedKeys(c.Secrets)},
		{"roots", sortedKeys(c.Roots)},
	} {
		for _, k := range m.keys {
			if k == "" || strings.Contains(k, ".") {
				p.add(join(m.field, k), "config-key", "key %q cannot be addressed as a config path; use a name without dots", clip(k))
			}
		}
	}
	for _, id := range sortedKeys(c.Adapters) {
		if a := c.Adapters[id]; a.ID != "" && a.ID != id {
			p.add(join(join("adapters", id), "id"), "id-mismatch", "id %q differs from its key %q; remove id or make them equal", a.ID, id)
		}
	}
	for _, name := range sortedKeys(c.Roots) {
		if r := c.Roots[name]; r != "" && !strings.HasPrefix(r, "/") && !strings.HasPrefix(r, "~") {
			p.add(join("roots", name), "absolute", "root %q must be an absolute path or start with ~ (found %q)", name, clip(r))
		}
	}
}

// isLoopbackHost reports whether host names the loopback interface.
func isLoopbackHost(host string) bool {
	return host == "127.0.0.1" || host == "::1" || host == "localhost"
}

var secretRefRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\$\{(env|file|secret):([^{}]*)\}$`)
})

var (
	envNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(patterns.Env) })
	slugRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(patterns.Slug) })
	secretRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`) })
)

// secretRefProblem explains what is wrong with a secret reference, or
// returns "". A reference is the whole value: ${env:NAME}, ${file:PATH} or
// ${secret:NAME}.
func secretRefProblem(s string) string {
	m := secretRefRE().FindStringSubmatch(s)
	if m == nil {
		return "is not a secret reference; write ${env:NAME}, ${file:PATH} or ${secret:NAME} (values never go in config)"
	}
	kind, target := m[1], m[2]
	switch {
	case target == "":
		return fmt.Sprintf("names no %s; write ${%s:...}", kind, kind)
	case kind == "env" && !envNameRE().MatchString(target):
		return "names an invalid environment variable; use letters, digits and _"
	case kind == "secret" && !secretRE().MatchString(target):
		return "names an invalid secret; use letters, digits, '.', '_' or '-'"
	case kind == "file" && (strings.ContainsRune(target, 0) || strings.TrimSpace(target) != target):
		return "names an invalid file path"
	}
	return ""
}
