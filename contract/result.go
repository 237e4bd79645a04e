package contract

import (
	"slices"
	"time"
)

// ResultStatus is the outcome a lane reports.
type ResultStatus string

// The result statuses.
const (
	StatusPass            ResultStatus = "PASS"
	StatusBlock           ResultStatus = "BLOCK"
	StatusConditionalPass ResultStatus = "CONDITIONAL_PASS"
	StatusNeedsFounder    ResultStatus = "NEEDS_FOUNDER"
	StatusFailed          ResultStatus = "FAILED"
)

// NoFilesChanged is the literal a lane may list alone in filesChanged to
// say it changed nothing.
const NoFilesChanged = "none"

// JobResult is the structured result every lane writes when it finishes
// (lanes/<lane>/result.json), next to a human-readable result.md.
type JobResult struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// Status is the outcome.
	Status ResultStatus `json:"status" yaml:"status" jsonschema:"required,enum=PASS,enum=BLOCK,enum=CONDITIONAL_PASS,enum=NEEDS_FOUNDER,enum=FAILED" validate:"required,oneof=PASS BLOCK CONDITIONAL_PASS NEEDS_FOUNDER FAILED"`
	// RunID is the run the result belongs to (checked against the plan
	// when present).
	RunID string `json:"runId,omitempty" yaml:"runId,omitempty"`
	// Lane is the lane that wrote the result (checked when present).
	Lane string `json:"lane,omitempty" yaml:"lane,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$" validate:"omitempty,laneid"`
	// Persona must equal the lane's persona.
	Persona string `json:"persona" yaml:"persona" jsonschema:"required,minLength=1" validate:"required"`
	// Adapter must equal the lane's adapter.
	Adapter string `json:"adapter" yaml:"adapter" jsonschema:"required,minLength=1" validate:"required"`
	// Model is the model the lane ran with (checked when present).
	Model string `json:"model,omitempty" yaml:"model,omitempty"`
	// CanWrite states whether the lane could write. A read-only result
	// lists no changed file.
	CanWrite bool `json:"canWrite" yaml:"canWrite" jsonschema:"required"`
	// FilesChanged lists every file the lane changed, by exact
	// repository-relative path, or ["none"].
	FilesChanged []string `json:"filesChanged" yaml:"filesChanged" jsonschema:"required,uniqueItems=true" validate:"required,uniq,dive,relpath"`
	// Summary says what was done.
	Summary string `json:"summary" yaml:"summary" jsonschema:"required,minLength=1" validate:"required"`
	// Findings lists what the lane found.
	Findings []string `json:"findings" yaml:"findings" jsonschema:"required" validate:"required"`
	// Evidence lists evidence ids or artifact paths. A PASS needs at least
	// one.
	Evidence []string `json:"evidence" yaml:"evidence" jsonschema:"required" validate:"required,dive,required"`
	// ResidualRisk lists what remains uncertain.
	ResidualRisk []string `json:"residualRisk" yaml:"residualRisk" jsonschema:"required" validate:"required"`
	// NextAction is what should happen next.
	NextAction string `json:"nextAction" yaml:"nextAction" jsonschema:"required,minLength=1" validate:"required"`
	// Conditions are what must still hold for a CONDITIONAL_PASS; it needs
	// at least one.
	Conditions []string `json:"conditions,omitempty" yaml:"conditions,omitempty" validate:"omitempty,dive,required"`
	// Coverage describes what was and was not checked.
	Coverage string `json:"coverage,omitempty" yaml:"coverage,omitempty"`
	// PersonaDispatchPlan is the lead's plan of which persona does what.
	PersonaDispatchPlan []DispatchPlanRow `json:"personaDispatchPlan,omitempty" yaml:"personaDispatchPlan,omitempty" validate:"omitempty,dive"`
	// CompletionBrief is the lead's summary for the founder.
	CompletionBrief string `json:"completionBrief,omitempty" yaml:"completionBrief,omitempty"`
	// Addresses lists findings (of another lane) this result resolves.
	Addresses []string `json:"addresses,omitempty" yaml:"addresses,omitempty"`
	// FounderAcceptance is evidence that the founder accepted the result
	// (any shape; a supersession record must cite it).
	FounderAcceptance map[string]any `json:"founderAcceptance,omitempty" yaml:"founderAcceptance,omitempty"`
	// Continuation asks for a fresh follow-on run.
	Continuation *Continuation `json:"continuation,omitempty" yaml:"continuation,omitempty"`
	// CreatedAt is when the result was written.
	CreatedAt time.Time `json:"createdAt,omitzero" yaml:"createdAt,omitempty"`
}

// DispatchPlanRow is one row of a lead's persona dispatch plan.
type DispatchPlanRow struct {
	// Atom is the unit of work, e.g. "E3".
	Atom string `json:"atom" yaml:"atom" jsonschema:"required,minLength=1" validate:"required"`
	// RequiredPersona does the atom.
	RequiredPersona string `json:"requiredPersona" yaml:"requiredPersona" jsonschema:"required,minLength=1" validate:"required"`
	// RouteAvailable says whether the route has a lane for that persona.
	RouteAvailable bool `json:"routeAvailable" yaml:"routeAvailable" jsonschema:"required"`
	// DispatchStatus is where the atom stands.
	DispatchStatus string `json:"dispatchStatus" yaml:"dispatchStatus" jsonschema:"required,minLength=1" validate:"required"`
	// EvidenceExpected describes the evidence the atom should produce.
	EvidenceExpected string `json:"evidenceExpected,omitempty" yaml:"evidenceExpected,omitempty"`
}

// Continuation is a lead's request, in its PASS result, to start one fresh
// run for the next unit of work once this run is over.
type Continuation struct {
	// Action; only "launch-fresh-run" exists.
	Action string `json:"action" yaml:"action" jsonschema:"required,enum=launch-fresh-run" validate:"required,oneof=launch-fresh-run"`
	// PrioritySlug of the next run.
	PrioritySlug string `json:"prioritySlug" yaml:"prioritySlug" jsonschema:"required,minLength=1,maxLength=128,pattern=^[a-z0-9][a-z0-9._-]*$" validate:"required,max=128,slug"`
	// RouteID of the next run; must be the current route.
	RouteID string `json:"routeId" yaml:"routeId" jsonschema:"required,minLength=1" validate:"required"`
	// ProfileID of the next run (default: the current one).
	ProfileID string `json:"profileId,omitempty" yaml:"profileId,omitempty"`
	// NextAtom is the unit of work the next run does.
	NextAtom string `json:"nextAtom" yaml:"nextAtom" jsonschema:"required,minLength=1" validate:"required"`
	// Reason for continuing.
	Reason string `json:"reason" yaml:"reason" jsonschema:"required,minLength=1" validate:"required"`
	// RequiresFounder must be true when a human has to approve first; such
	// a request is never started automatically.
	RequiresFounder bool `json:"requiresFounder" yaml:"requiresFounder" jsonschema:"required"`
	// StopCurrentRunPanes asks to close this run's panes first.
	StopCurrentRunPanes bool `json:"stopCurrentRunPanes,omitempty" yaml:"stopCurrentRunPanes,omitempty"`
	// AllowUnstaged lets the next run start with unstaged changes present.
	AllowUnstaged bool `json:"allowUnstaged,omitempty" yaml:"allowUnstaged,omitempty"`
	// Execute false plans the next run without starting it.
	Execute *bool `json:"execute,omitempty" yaml:"execute,omitempty"`
	// DeferStart starts the next run's lanes only once attached.
	DeferStart bool `json:"deferStart,omitempty" yaml:"deferStart,omitempty"`
	// RunID pins the next run's id.
	RunID string `json:"runId,omitempty" yaml:"runId,omitempty"`
	// ProfilePath and RoutePath point at the documents to use.
	ProfilePath string `json:"profilePath,omitempty" yaml:"profilePath,omitempty"`
	// RoutePath points at the route document to use.
	RoutePath string `json:"routePath,omitempty" yaml:"routePath,omitempty"`
	// TmuxBin is accepted for compatibility and ignored.
	TmuxBin string `json:"tmuxBin,omitempty" yaml:"tmuxBin,omitempty"`
}

// Validate checks the result and returns nil or a *ValidationError.
func (r *JobResult) Validate() error { return Validate(r) }

// ChangedFiles returns FilesChanged without the "none" marker.
func (r *JobResult) ChangedFiles() []string {
	if len(r.FilesChanged) == 1 && r.FilesChanged[0] == NoFilesChanged {
		return nil
	}
	return r.FilesChanged
}

// Accepting reports whether the status lets the run go on: PASS or
// CONDITIONAL_PASS.
func (s ResultStatus) Accepting() bool { return s == StatusPass || s == StatusConditionalPass }

func (r *JobResult) check(p *problems) {
	if r.Status == StatusPass && len(r.Evidence) == 0 {
		p.add("evidence", "pass-needs-evidence", "a PASS result needs at least one evidence reference; list what shows the work is done")
	}
	if r.Status == StatusConditionalPass && len(r.Conditions) == 0 {
		p.add("conditions", "conditional-needs-conditions", "a CONDITIONAL_PASS result must list its conditions; add \"conditions\"")
	}
	if i := slices.Index(r.FilesChanged, NoFilesChanged); i >= 0 && len(r.FilesChanged) > 1 {
		p.add(index("filesChanged", i), "none-alone", "\"none\" means nothing changed and must be the only entry; remove it or the other entries")
	}
	if !r.CanWrite && len(r.ChangedFiles()) > 0 {
		p.add("filesChanged", "read-only-changed-files", "a read-only result (canWrite false) must report filesChanged [\"none\"] or []; it lists %d file(s)", len(r.ChangedFiles()))
	}
}

// EvidenceSource says where evidence was observed.
type EvidenceSource string

// Evidence is a record of something observed, graded A (can close a
// user-facing claim) or B (diagnostic only).
type Evidence struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// ID names the evidence.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// Class is A or B. Evidence from local-dev, dry-run, mock or
	// static-check sources is always B.
	Class EvidenceClass `json:"class" yaml:"class" jsonschema:"required,enum=A,enum=B" validate:"required,oneof=A B"`
	// Source is where it was observed.
	Source EvidenceSource `json:"source" yaml:"source" jsonschema:"required,enum=founder-pristine,enum=packaged-app,enum=staging,enum=production,enum=local-dev,enum=dry-run,enum=mock,enum=static-check,enum=manual-verifier" validate:"required,oneof=founder-pristine packaged-app staging production local-dev dry-run mock static-check manual-verifier"`
	// Artifact is the path or reference of what was captured.
	Artifact string `json:"artifact" yaml:"artifact" jsonschema:"required,minLength=1" validate:"required"`
	// Observed is what was seen, without inference.
	Observed string `json:"observed" yaml:"observed" jsonschema:"required,minLength=1" validate:"required"`
	// Limitations of the evidence.
	Limitations []string `json:"limitations" yaml:"limitations" jsonschema:"required" validate:"required"`
	// Command that produced it, if any.
	Command string `json:"command,omitempty" yaml:"command,omitempty"`
	// CreatedAt is when it was captured.
	CreatedAt time.Time `json:"createdAt,omitzero" yaml:"createdAt,omitempty"`
	// Kind is a free-form artifact kind (screenshot, dom, ...).
	Kind string `json:"kind,omitempty" yaml:"kind,omitempty"`
	// Type is a free-form artifact type.
	Type string `json:"type,omitempty" yaml:"type,omitempty"`
}

// Validate checks the evidence and returns nil or a *ValidationError.
func (e *Evidence) Validate() error { return Validate(e) }

// classBOnlySources can never back class A evidence.
var classBOnlySources = []EvidenceSource{"local-dev", "dry-run", "mock", "static-check"}

func (e *Evidence) check(p *problems) {
	if e.Class == ClassA && slices.Contains(classBOnlySources, e.Source) {
		p.add("class", "class-a-overclaim", "evidence from %q is diagnostic only and must be class B", e.Source)
	}
}
