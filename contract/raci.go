package contract

import "strings"

// RACI is the owner table for shared write-authority surfaces (the session
// log, the priorities file, checklists, playbooks): who owns each and who
// is consulted.
type RACI struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version; required for this contract.
	Version Version `json:"version" yaml:"version" jsonschema:"required" validate:"required"`
	// Source is the document the table was mirrored from.
	Source string `json:"source" yaml:"source" jsonschema:"required,minLength=1" validate:"required"`
	// MirroredAt says when it was mirrored.
	MirroredAt string `json:"mirroredAt" yaml:"mirroredAt" jsonschema:"required,minLength=1" validate:"required"`
	// Surfaces are the owned surfaces.
	Surfaces []RACISurface `json:"surfaces" yaml:"surfaces" jsonschema:"required" validate:"required,dive"`
	// ApprovedExceptions let a persona write a sub-path of another's surface.
	ApprovedExceptions []RACIException `json:"approvedExceptions,omitempty" yaml:"approvedExceptions,omitempty" validate:"omitempty,dive"`
}

// RACISurface is one owned surface.
type RACISurface struct {
	// Surface names the surface, e.g. "cocoder/SESSION_LOG.md".
	Surface string `json:"surface" yaml:"surface" jsonschema:"required,minLength=1" validate:"required"`
	// PrimaryOwner is the owner's canonical lowercase token.
	PrimaryOwner string `json:"primaryOwner" yaml:"primaryOwner" jsonschema:"required,minLength=1,pattern=^[a-z0-9][a-z0-9_-]*$" validate:"required,owner"`
	// Consults are the personas consulted.
	Consults []string `json:"consults" yaml:"consults" jsonschema:"required" validate:"required"`
	// RawOwnerCell is the owner cell as written in the source table.
	RawOwnerCell string `json:"rawOwnerCell" yaml:"rawOwnerCell" jsonschema:"required" validate:"required"`
}

// RACIException lets one persona write an explicit sub-path of a surface it
// does not own.
type RACIException struct {
	// Persona granted the exception.
	Persona string `json:"persona" yaml:"persona" jsonschema:"required,minLength=1" validate:"required"`
	// Surface, spelled exactly as in Surfaces.
	Surface string `json:"surface" yaml:"surface" jsonschema:"required,minLength=1" validate:"required"`
	// Scope is the explicit sub-path (no wildcards).
	Scope string `json:"scope" yaml:"scope" jsonschema:"required,minLength=1" validate:"required"`
	// Reason for the exception.
	Reason string `json:"reason" yaml:"reason" jsonschema:"required,minLength=1" validate:"required"`
	// AuthorizedDate is YYYY-MM-DD.
	AuthorizedDate string `json:"authorizedDate" yaml:"authorizedDate" jsonschema:"required,minLength=1,format=date" validate:"required,datetime=2006-01-02"`
	// AuthorizedBy names who approved it.
	AuthorizedBy string `json:"authorizedBy" yaml:"authorizedBy" jsonschema:"required,minLength=1" validate:"required"`
}

// Validate checks the table and returns nil or a *ValidationError.
func (r *RACI) Validate() error { return Validate(r) }

func (r *RACI) check(p *problems) {
	known := map[string]bool{}
	for _, s := range r.Surfaces {
		known[s.Surface] = true
	}
	for i, e := range r.ApprovedExceptions {
		path := index("approvedExceptions", i)
		if e.Surface != "" && !known[e.Surface] {
			p.add(join(path, "surface"), "unknown-surface", "surface %q is not listed in surfaces; spell it exactly as there", clip(e.Surface))
		}
		if hasMeta(e.Scope) {
			p.add(join(path, "scope"), "wildcard", "scope %q must be an explicit sub-path, not a pattern", clip(e.Scope))
		} else if msg := pathProblem(strings.TrimSuffix(e.Scope, "/")); e.Scope != "" && msg != "" {
			p.add(join(path, "scope"), "path", "scope %q %s", clip(e.Scope), msg)
		}
	}
}
