package contract

import (
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// SandboxMode is how far an agent CLI is confined.
type SandboxMode string

// The sandbox modes.
const (
	SandboxReadOnly       SandboxMode = "read-only"
	SandboxWorkspaceWrite SandboxMode = "workspace-write"
	SandboxFullAccess     SandboxMode = "danger-full-access"
)

// EvidenceClass grades evidence: A can close a user-facing claim, B is
// diagnostic only.
type EvidenceClass string

// The evidence classes.
const (
	ClassA EvidenceClass = "A"
	ClassB EvidenceClass = "B"
)

// Profile assigns every lane a persona, an adapter and a model; the route
// decides which lanes take part. A profile is frozen into the run's ledger
// at launch and never changes during the run.
type Profile struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// ID names the profile.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// Label is the display name.
	Label string `json:"label" yaml:"label" jsonschema:"required,minLength=1" validate:"required"`
	// CreatedFor says what the profile is for: a priority slug or a purpose.
	CreatedFor string `json:"createdFor,omitempty" yaml:"createdFor,omitempty"`
	// Lanes maps a lane id to its assignment. In a file, lanes may be
	// grouped one level or more (verifiers: {primary: {...}}); groups are
	// flattened to dotted ids ("verifiers.primary").
	Lanes map[string]ProfileLane `json:"lanes" yaml:"lanes" jsonschema:"required" validate:"required,min=1,dive,keys,laneid,endkeys"`
	// Defaults are profile-wide settings.
	Defaults ProfileDefaults `json:"defaults,omitzero" yaml:"defaults,omitempty"`
	// ModelRoles says which lane or adapter fills each model role. A route's
	// model roles are merged over these (see [ResolveModelRoles]).
	ModelRoles *ModelRoles `json:"modelRoles,omitempty" yaml:"modelRoles,omitempty"`
}

// ProfileLane assigns one lane.
type ProfileLane struct {
	// Persona is the id of the persona the lane plays.
	Persona string `json:"persona" yaml:"persona" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// Adapter is the id of the adapter (agent CLI) that runs the lane.
	Adapter string `json:"adapter" yaml:"adapter" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// Model is the model label passed to the CLI through the adapter's
	// modelFlag, e.g. "opus" or "gpt-5.5". Empty: the CLI's default.
	Model string `json:"model,omitempty" yaml:"model,omitempty"`
	// AdapterProfile is the original name of Model, still accepted. If both
	// are set they must be equal.
	AdapterProfile string `json:"adapterProfile,omitempty" yaml:"adapterProfile,omitempty"`
	// CanWrite says whether the lane may change files. It must be stated.
	CanWrite bool `json:"canWrite" yaml:"canWrite" jsonschema:"required"`
	// WriteBoundary is the lane's fallback write scope (globs), used when
	// no priority boundary names the lane.
	WriteBoundary []string `json:"writeBoundary,omitempty" yaml:"writeBoundary,omitempty" validate:"omitempty,dive,glob"`
	// ExcludedWriteBoundary is carved out of WriteBoundary.
	ExcludedWriteBoundary []string `json:"excludedWriteBoundary,omitempty" yaml:"excludedWriteBoundary,omitempty" validate:"omitempty,dive,glob"`
	// ResultContract is the contract of the lane's result. Default
	// "job-result".
	ResultContract string `json:"resultContract,omitempty" yaml:"resultContract,omitempty" jsonschema:"enum=job-result" validate:"omitempty,oneof=job-result"`
	// EvidenceClassDefault is the class given to the lane's evidence when
	// it does not say. Default "B".
	EvidenceClassDefault EvidenceClass `json:"evidenceClassDefault,omitempty" yaml:"evidenceClassDefault,omitempty" jsonschema:"enum=A,enum=B" validate:"omitempty,oneof=A B"`
	// MaxParallel caps how many jobs the lane runs at once.
	MaxParallel int `json:"maxParallel,omitempty" yaml:"maxParallel,omitempty" jsonschema:"minimum=1" validate:"omitempty,min=1"`
	// FallbackAdapter is the adapter used when the primary adapter's
	// command is not installed (for example the built-in demo agent).
	FallbackAdapter string `json:"fallbackAdapter,omitempty" yaml:"fallbackAdapter,omitempty" jsonschema:"maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"omitempty,max=128,id"`
	// Sandbox overrides the sandbox mode derived from CanWrite
	// (read-only for readers, workspace-write for writers).
	Sandbox SandboxMode `json:"sandbox,omitempty" yaml:"sandbox,omitempty" jsonschema:"enum=read-only,enum=workspace-write,enum=danger-full-access" validate:"omitempty,oneof=read-only workspace-write danger-full-access"`
}

// SandboxMode returns the lane's sandbox: Sandbox when set, else
// workspace-write for a writer and read-only for a reader.
func (l ProfileLane) SandboxMode() SandboxMode {
	switch {
	case l.Sandbox != "":
		return l.Sandbox
	case l.CanWrite:
		return SandboxWorkspaceWrite
	}
	return SandboxReadOnly
}

// Scope returns the lane's fallback write scope from WriteBoundary and
// ExcludedWriteBoundary.
func (l ProfileLane) Scope() Scope {
	return Scope{Allowed: l.WriteBoundary, Excluded: l.ExcludedWriteBoundary}
}

// ProfileDefaults are profile-wide settings.
type ProfileDefaults struct {
	// EvidenceClass is the default class of evidence. Default "B".
	EvidenceClass EvidenceClass `json:"evidenceClass,omitempty" yaml:"evidenceClass,omitempty" jsonschema:"enum=A,enum=B" validate:"omitempty,oneof=A B"`
	// MaxParallelHelpers caps helper lanes running at once. Default 1.
	MaxParallelHelpers int `json:"maxParallelHelpers,omitempty" yaml:"maxParallelHelpers,omitempty" jsonschema:"minimum=1" validate:"omitempty,min=1"`
	// MissingAdapterPolicy says what happens when a lane's adapter command
	// is not installed: "fallback" (default) runs the lane's
	// fallbackAdapter when it names one and blocks otherwise; "block"
	// always blocks the launch.
	MissingAdapterPolicy string `json:"missingAdapterPolicy,omitempty" yaml:"missingAdapterPolicy,omitempty" jsonschema:"enum=block,enum=fallback" validate:"omitempty,oneof=block fallback"`
}

// Validate checks the profile and returns nil or a *ValidationError.
func (p *Profile) Validate() error { return Validate(p) }

func (p *Profile) setDefaults() {
	for id, l := range p.Lanes {
		if l.Model == "" {
			l.Model = l.AdapterProfile
		}
		if l.ResultContract == "" {
			l.ResultContract = ResultContractJobResult
		}
		if l.EvidenceClassDefault == "" {
			l.EvidenceClassDefault = p.Defaults.EvidenceClass
		}
		if l.EvidenceClassDefault == "" {
			l.EvidenceClassDefault = ClassB
		}
		p.Lanes[id] = l
	}
	if p.Defaults.EvidenceClass == "" {
		p.Defaults.EvidenceClass = ClassB
	}
	if p.Defaults.MaxParallelHelpers == 0 {
		p.Defaults.MaxParallelHelpers = 1
	}
	if p.Defaults.MissingAdapterPolicy == "" {
		p.Defaults.MissingAdapterPolicy = "fallback"
	}
}

func (p *Profile) check(pr *problems) {
	for _, id := range slices.Sorted(maps.Keys(p.Lanes)) {
		l := p.Lanes[id]
		path := join("lanes", id)
		if l.AdapterProfile != "" && l.Model != "" && l.AdapterProfile != l.Model {
			pr.add(join(path, "adapterProfile"), "alias-conflict", "adapterProfile %q and model %q disagree; keep only model", l.AdapterProfile, l.Model)
		}
		if l.FallbackAdapter != "" && l.FallbackAdapter == l.Adapter {
			pr.add(join(path, "fallbackAdapter"), "fallback-same", "fallbackAdapter is the lane's own adapter %q; name a different adapter or remove it", l.Adapter)
		}
	}
	if p.ModelRoles != nil {
		p.ModelRoles.eachRef("modelRoles", func(path string, r RoleRef) {
			if r.Lane != "" {
				if _, ok := p.Lanes[r.Lane]; !ok {
					pr.add(join(path, "lane"), "unknown-lane", "lane %q is not a lane of this profile; use one of: %s", r.Lane, keyList(p.Lanes))
				}
			}
		})
		p.ModelRoles.check(pr, "modelRoles")
	}
}

// decodeField flattens nested lane groups: a lanes entry whose values are
// all mappings is a group, and its entries become "group.name" lanes.
func (p *Profile) decodeField(d *decoder, name string, n *yaml.Node, path string) bool {
	if name != "lanes" {
		return false
	}
	n = d.resolve(n, path)
	if n == nil || isNull(n) {
		return true
	}
	if n.Kind != yaml.MappingNode {
		d.mismatch(n, path, "a mapping of lane ids to lanes", "")
		return true
	}
	if p.Lanes == nil {
		p.Lanes = map[string]ProfileLane{}
	}
	p.decodeLanes(d, n, "", path, 0)
	return true
}

// maxLaneDepth bounds lane group nesting.
const maxLaneDepth = 8

func (p *Profile) decodeLanes(d *decoder, n *yaml.Node, prefix, path string, depth int) {
	for _, pr := range d.pairs(n, path) {
		key, ok := d.keyOf(pr.key, path)
		if !ok {
			continue
		}
		id := key
		if prefix != "" {
			id = prefix + "." + key
		}
		lp := join("lanes", id)
		d.mark(lp, pr.key.Line)
		val := d.resolve(pr.value, lp)
		if val == nil {
			continue
		}
		if _, dup := p.Lanes[id]; dup {
			d.problem(pr.key.Line, lp, "duplicate-key", "lane %q is defined more than once (a dotted key and a group can name the same lane); keep one", id)
			continue
		}
		if isGroup(val) && depth < maxLaneDepth {
			p.decodeLanes(d, val, id, lp, depth+1)
			continue
		}
		var l ProfileLane
		d.value(val, reflectValue(&l), lp)
		p.Lanes[id] = l
	}
}

// isGroup reports whether a lanes entry is a group of lanes rather than a
// lane: a non-empty mapping whose values are all mappings. (Every field of
// a lane is a scalar or a list, so a lane never looks like a group.)
func isGroup(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return false
	}
	for i := 1; i < len(n.Content); i += 2 {
		v := n.Content[i]
		for v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		if v.Kind != yaml.MappingNode {
			return false
		}
	}
	return true
}
