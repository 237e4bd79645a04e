package contract

import (
	"slices"
	"strings"
)

// PromptManifest lists, for each persona, the prompt fragments (Markdown
// files relative to the manifest's directory) concatenated, in order, into
// that persona's launch prompt.
type PromptManifest struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// Personas maps a persona id to its fragment paths, in order.
	Personas map[string][]string `json:"personas" yaml:"personas" jsonschema:"required" validate:"required,dive,keys,id,endkeys,required,min=1,dive,relpath"`
}

// Validate checks the manifest and returns nil or a *ValidationError.
func (m *PromptManifest) Validate() error { return Validate(m) }

func (m *PromptManifest) check(p *problems) {
	for _, persona := range sortedKeys(m.Personas) {
		seen := map[string]int{}
		for i, f := range m.Personas[persona] {
			path := index(join("personas", persona), i)
			if j, dup := seen[f]; dup {
				p.add(path, "unique", "fragment %q is already listed at [%d]; remove one", clip(f), j)
			}
			seen[f] = i
			if f != "" && filePathProblem(f) == "" && !strings.HasSuffix(f, ".md") {
				p.add(path, "markdown", "fragment %q must be a Markdown file (.md)", clip(f))
			}
		}
	}
}

// Fragments returns the fragment paths of persona, or nil.
func (m *PromptManifest) Fragments(persona string) []string {
	return slices.Clone(m.Personas[persona])
}
