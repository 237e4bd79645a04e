package contract

import "slices"

// PersonaMode is how a persona takes part in a run.
type PersonaMode string

// The persona modes.
const (
	ModeOrchestrator  PersonaMode = "orchestrator"
	ModeWriter        PersonaMode = "writer"
	ModeBoundedWriter PersonaMode = "bounded-writer"
	ModeVerifier      PersonaMode = "verifier"
	ModeScriptQA      PersonaMode = "script-qa"
)

// ResultContractJobResult is the only result contract lanes and personas
// can name today: the job result ([JobResult]).
const ResultContractJobResult = "job-result"

// Persona is a model-neutral role: who a lane is and how it behaves, never
// which model runs it. Personas live in a workspace's cocoder/personas/.
// Their names are data: the engine never branches on a persona's id.
type Persona struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// ID names the persona; profile lanes refer to it.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// Label is the display name.
	Label string `json:"label" yaml:"label" jsonschema:"required,minLength=1" validate:"required"`
	// Mode is how the persona takes part in a run.
	Mode PersonaMode `json:"mode" yaml:"mode" jsonschema:"required,enum=orchestrator,enum=writer,enum=bounded-writer,enum=verifier,enum=script-qa" validate:"required,oneof=orchestrator writer bounded-writer verifier script-qa"`
	// Role is a one-paragraph description of what the persona does.
	Role string `json:"role" yaml:"role" jsonschema:"required,minLength=1" validate:"required"`
	// LaunchModel says how lanes with this persona are started.
	LaunchModel string `json:"launchModel" yaml:"launchModel" jsonschema:"required,enum=long-lived-visible,enum=one-shot,enum=script-only,enum=helper" validate:"required,oneof=long-lived-visible one-shot script-only helper"`
	// WritePolicy is the persona's default attitude to writing files.
	WritePolicy string `json:"writePolicy" yaml:"writePolicy" jsonschema:"required,enum=read-only,enum=task-scoped,enum=bounded-writer" validate:"required,oneof=read-only task-scoped bounded-writer"`
	// ResultContract is the contract of the result the persona writes.
	// Default "job-result", the only one there is.
	ResultContract string `json:"resultContract,omitempty" yaml:"resultContract,omitempty" jsonschema:"enum=job-result" validate:"omitempty,oneof=job-result"`
	// EvidenceResponsibilities lists the evidence the persona must produce.
	EvidenceResponsibilities []string `json:"evidenceResponsibilities" yaml:"evidenceResponsibilities" jsonschema:"required,minItems=1" validate:"required,min=1,dive,required"`
	// ReviewStatus records how far the persona text has been reviewed.
	ReviewStatus string `json:"reviewStatus" yaml:"reviewStatus" jsonschema:"required,enum=draft,enum=founder-reviewed,enum=persona-owner-reviewed,enum=canonical" validate:"required,oneof=draft founder-reviewed persona-owner-reviewed canonical"`
	// AllowedRoutes lists the route ids this persona may be used in. Empty
	// means any route.
	AllowedRoutes []string `json:"allowedRoutes,omitempty" yaml:"allowedRoutes,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"omitempty,dive,id"`
	// Boundaries describes, in prose, what the persona must not touch.
	Boundaries []string `json:"boundaries,omitempty" yaml:"boundaries,omitempty" validate:"omitempty,dive,required"`
}

// AllowsRoute reports whether the persona may be used in route id: its
// AllowedRoutes list is empty or names the route.
func (p *Persona) AllowsRoute(id string) bool {
	return len(p.AllowedRoutes) == 0 || slices.Contains(p.AllowedRoutes, id)
}

// Validate checks the persona and returns nil or a *ValidationError.
func (p *Persona) Validate() error { return Validate(p) }

func (p *Persona) setDefaults() {
	if p.ResultContract == "" {
		p.ResultContract = ResultContractJobResult
	}
}
