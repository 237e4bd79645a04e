package contract

import (
	"maps"
	"slices"
)

// PriorityBoundary gives each writer lane an explicit write scope for one
// priority. It overrides the profile's own writeBoundary lists. Boundaries
// live in a workspace's cocoder/boundaries/ (the original's
// priority-boundaries/ is read too).
type PriorityBoundary struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// ID names the boundary.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// PrioritySlug is the priority (a `[slug]` heading in PRIORITIES.md)
	// the boundary is for.
	PrioritySlug string `json:"prioritySlug" yaml:"prioritySlug" jsonschema:"required,minLength=1,maxLength=128,pattern=^[a-z0-9][a-z0-9._-]*$" validate:"required,max=128,slug"`
	// Label is the display name.
	Label string `json:"label" yaml:"label" jsonschema:"required,minLength=1" validate:"required"`
	// RouteIDs limits the routes that may use the boundary. Empty: any.
	RouteIDs []string `json:"routeIds,omitempty" yaml:"routeIds,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"omitempty,dive,id"`
	// WriterLanes maps each writer lane to its scope.
	WriterLanes map[string]Scope `json:"writerLanes" yaml:"writerLanes" jsonschema:"required" validate:"required,dive,keys,laneid,endkeys"`
}

// Validate checks the boundary and returns nil or a *ValidationError.
func (b *PriorityBoundary) Validate() error { return Validate(b) }

// AllowsRoute reports whether route id may use the boundary.
func (b *PriorityBoundary) AllowsRoute(id string) bool {
	return len(b.RouteIDs) == 0 || slices.Contains(b.RouteIDs, id)
}

// WriteMode is how a write boundary confines a job.
type WriteMode string

// The write modes.
const (
	WriteModeReadOnly   WriteMode = "read-only"
	WriteModeTaskScoped WriteMode = "task-scoped"
	WriteModeBounded    WriteMode = "bounded"
	WriteModeRepo       WriteMode = "repo"
)

// WriteBoundary is a standalone write scope for one job, used to audit a
// list of changed files.
type WriteBoundary struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// ID names the boundary.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// Mode says how the job is confined. A read-only boundary allows no
	// path; the others need at least one allowed pattern.
	Mode WriteMode `json:"mode" yaml:"mode" jsonschema:"required,enum=read-only,enum=task-scoped,enum=bounded,enum=repo" validate:"required,oneof=read-only task-scoped bounded repo"`
	// Allowed globs.
	Allowed []string `json:"allowed" yaml:"allowed" jsonschema:"required" validate:"required,dive,glob"`
	// Excluded globs carved out of Allowed.
	Excluded []string `json:"excluded" yaml:"excluded" jsonschema:"required" validate:"required,dive,glob"`
	// Enforcement lists where the boundary is enforced.
	Enforcement []string `json:"enforcement" yaml:"enforcement" jsonschema:"required,enum=preflight,enum=post-diff,enum=result-contract,enum=review-gate,uniqueItems=true" validate:"required,uniq,dive,oneof=preflight post-diff result-contract review-gate"`
	// RequiresFounderApproval says a human must approve changes.
	RequiresFounderApproval bool `json:"requiresFounderApproval,omitempty" yaml:"requiresFounderApproval,omitempty"`
}

// Scope returns the boundary as a Scope.
func (b *WriteBoundary) Scope() Scope { return Scope{Allowed: b.Allowed, Excluded: b.Excluded} }

// Validate checks the boundary and returns nil or a *ValidationError.
func (b *WriteBoundary) Validate() error { return Validate(b) }

func (b *WriteBoundary) check(p *problems) {
	switch {
	case b.Mode == WriteModeReadOnly && len(b.Allowed) > 0:
		p.add("allowed", "read-only", "a read-only boundary allows no path; empty \"allowed\" or change the mode")
	case b.Mode != WriteModeReadOnly && b.Mode != "" && len(b.Allowed) == 0:
		p.add("allowed", "empty-allowed", "an empty allowed list denies every path; add patterns or use mode read-only")
	}
}

// sortedKeys returns a map's keys in order.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
