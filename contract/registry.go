package contract

import (
	"strings"
	"time"
)

// Registry is the list of workspaces a CoCoder home knows
// ($COCODER_HOME/workspaces.yaml). Package workspace reads and writes it.
type Registry struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// Workspaces are the registered workspaces.
	Workspaces []RegistryEntry `json:"workspaces" yaml:"workspaces" jsonschema:"required" validate:"required,dive"`
}

// RegistryEntry is one registered workspace.
type RegistryEntry struct {
	// ID is the stable id, lowercase letters, digits and '-'.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=64,pattern=^[a-z0-9][a-z0-9-]*$" validate:"required,max=64,wsid"`
	// Name is the display name.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Path is the repository root, stored with a token so the home can move
	// between machines: ${COCODER_HOME}/..., ${root:NAME}/..., ~/... or an
	// absolute path.
	Path string `json:"path" yaml:"path" jsonschema:"required,minLength=1" validate:"required"`
	// AddedAt is when it was registered.
	AddedAt time.Time `json:"addedAt,omitzero" yaml:"addedAt,omitempty"`
	// LastSeenAt is when it was last used.
	LastSeenAt time.Time `json:"lastSeenAt,omitzero" yaml:"lastSeenAt,omitempty"`
	// TmuxSocket is accepted for compatibility with the original registry
	// and ignored: each home has its own tmux server.
	TmuxSocket string `json:"tmuxSocket,omitempty" yaml:"tmuxSocket,omitempty"`
}

// Validate checks the registry and returns nil or a *ValidationError.
func (r *Registry) Validate() error { return Validate(r) }

func (r *Registry) check(p *problems) {
	ids := map[string]bool{}
	for i, e := range r.Workspaces {
		path := index("workspaces", i)
		if ids[e.ID] {
			p.add(join(path, "id"), "unique", "workspace id %q is registered twice; remove one entry", e.ID)
		}
		ids[e.ID] = true
		if e.Path != "" && !validStoredPath(e.Path) {
			p.add(join(path, "path"), "path", "path %q must start with ${COCODER_HOME}, ${root:NAME}, ~ or /", clip(e.Path))
		}
	}
}

// validStoredPath reports whether a registry path starts with a token or
// is absolute.
func validStoredPath(p string) bool {
	for _, prefix := range []string{"${COCODER_HOME}", "${root:", "~", "/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
