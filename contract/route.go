package contract

import (
	"maps"
	"slices"
)

// WritePolicy is a route's rule for how many lanes may write.
type WritePolicy string

// The write policies.
const (
	// WriteOneWriter allows at most one lane with canWrite.
	WriteOneWriter WritePolicy = "one-writer"
	// WriteBoundedWriters allows several writers, each inside its scope.
	WriteBoundedWriters WritePolicy = "bounded-writers"
	// WriteReadOnly allows no writer at all.
	WriteReadOnly WritePolicy = "read-only"
)

// Gate names a step the engine runs, or refuses to skip, during a run.
type Gate string

// The gates.
const (
	GateStartupPacket    Gate = "startup-packet"
	GateProfilePreflight Gate = "profile-preflight"
	GateWriteBoundary    Gate = "write-boundary"
	GateVerifier         Gate = "verifier"
	GateQA               Gate = "qa"
	GateFounderDecision  Gate = "founder-decision"
	// GateVerify runs the route's verify command (for example the
	// workspace's test suite); its success is required before a commit.
	GateVerify Gate = "verify"
)

// Capability is one of an adapter's capability flags, as named in a route's
// requiredCapabilities.
type Capability string

// Route declares the topology of a run: the lead lane, the teammates, which
// lanes exist, the write policy, the gates and the commit policies. Which
// model fills each lane is the profile's business.
type Route struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// ID names the route.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// Label is the display name.
	Label string `json:"label" yaml:"label" jsonschema:"required,minLength=1" validate:"required"`
	// Lead is the lane that coordinates the others; it must be in Lanes.
	Lead string `json:"lead" yaml:"lead" jsonschema:"required,minLength=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$" validate:"required,laneid"`
	// Teammates lists the lanes (or persona ids) that wait for the lead's
	// dispatch before they start work.
	Teammates []string `json:"teammates" yaml:"teammates" jsonschema:"required" validate:"required,dive,required"`
	// Lanes lists the profile lanes the route uses.
	Lanes []string `json:"lanes" yaml:"lanes" jsonschema:"required,minItems=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$,uniqueItems=true" validate:"required,min=1,uniq,dive,laneid"`
	// Gates lists the gates of the run, in order.
	Gates []Gate `json:"gates" yaml:"gates" jsonschema:"required,enum=startup-packet,enum=profile-preflight,enum=write-boundary,enum=verifier,enum=qa,enum=founder-decision,enum=verify,uniqueItems=true" validate:"required,uniq,dive,oneof=startup-packet profile-preflight write-boundary verifier qa founder-decision verify"`
	// WritePolicy says how many lanes may write.
	WritePolicy WritePolicy `json:"writePolicy" yaml:"writePolicy" jsonschema:"required,enum=one-writer,enum=bounded-writers,enum=read-only" validate:"required,oneof=one-writer bounded-writers read-only"`
	// Verify is the command of the verify gate.
	Verify *VerifyGate `json:"verify,omitempty" yaml:"verify,omitempty"`
	// LaneRequirements maps a lane to what its adapter must offer. A lane
	// without an entry has no requirements.
	LaneRequirements map[string]LaneRequirement `json:"laneRequirements,omitempty" yaml:"laneRequirements,omitempty" validate:"omitempty,dive,keys,laneid,endkeys"`
	// SupportedPriorityOwners lists the priority slugs the route may run
	// for. Empty, or ["*"], means any priority.
	SupportedPriorityOwners []string `json:"supportedPriorityOwners,omitempty" yaml:"supportedPriorityOwners,omitempty" validate:"omitempty,dive,required"`
	// AllowAutonomousTeammateStart lets every lane start work at once
	// instead of waiting for the lead's dispatch.
	AllowAutonomousTeammateStart bool `json:"allowAutonomousTeammateStart,omitempty" yaml:"allowAutonomousTeammateStart,omitempty"`
	// AllowNestedRuns lets a run of this route be started from inside a
	// lane of another run (COCODER_RUN_ID or COCODER_LANE set). Off by
	// default, so that an agent following injected instructions cannot
	// launch more agents.
	AllowNestedRuns bool `json:"allowNestedRuns,omitempty" yaml:"allowNestedRuns,omitempty"`
	// InitialLanes are the lanes started at launch; the lead may add more
	// later from TopologyOptions. Empty: all lanes. Must include the lead.
	InitialLanes []string `json:"initialLanes,omitempty" yaml:"initialLanes,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$,uniqueItems=true" validate:"omitempty,uniq,dive,laneid"`
	// TopologyOptions are the lane sets the lead may grow the run into.
	TopologyOptions []TopologyOption `json:"topologyOptions,omitempty" yaml:"topologyOptions,omitempty" validate:"omitempty,dive"`
	// OrchestratorCommit makes the engine, not the agents, commit writer
	// lanes' accepted files.
	OrchestratorCommit *OrchestratorCommit `json:"orchestratorCommit,omitempty" yaml:"orchestratorCommit,omitempty"`
	// GitCommitPolicy lets named writer lanes commit themselves.
	GitCommitPolicy *GitCommitPolicy `json:"gitCommitPolicy,omitempty" yaml:"gitCommitPolicy,omitempty"`
	// LeadRescue lets a lead supersede a teammate's non-PASS result.
	LeadRescue *LeadRescue `json:"leadRescue,omitempty" yaml:"leadRescue,omitempty"`
	// LeadSupportCommit lets the lead commit small orchestration files.
	LeadSupportCommit *LeadSupportCommit `json:"leadSupportCommit,omitempty" yaml:"leadSupportCommit,omitempty"`
	// ImplementationOwnership requires that commits touching
	// implementation surfaces come from the owner lane's result.
	ImplementationOwnership *ImplementationOwnership `json:"implementationOwnership,omitempty" yaml:"implementationOwnership,omitempty"`
	// LeadResultRequirements are extra fields the lead's PASS result must
	// carry.
	LeadResultRequirements *LeadResultRequirements `json:"leadResultRequirements,omitempty" yaml:"leadResultRequirements,omitempty"`
	// ModelRoles are merged over the profile's model roles.
	ModelRoles *ModelRoles `json:"modelRoles,omitempty" yaml:"modelRoles,omitempty"`
}

// VerifyGate is the verify gate's command.
type VerifyGate struct {
	// Command is the argv run in the workspace root, e.g.
	// ["go", "test", "./..."]. It is never passed through a shell.
	Command []string `json:"command" yaml:"command" jsonschema:"required,minItems=1" validate:"required,min=1,dive,required"`
	// TimeoutSeconds bounds the command. Default 600.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty" yaml:"timeoutSeconds,omitempty" jsonschema:"minimum=1,maximum=86400" validate:"omitempty,min=1,max=86400"`
}

// LaneRequirement is what a route requires of a lane's adapter.
type LaneRequirement struct {
	// RequiredCapabilities the adapter must declare.
	RequiredCapabilities []Capability `json:"requiredCapabilities,omitempty" yaml:"requiredCapabilities,omitempty" jsonschema:"enum=interactive,enum=initialPrompt,enum=stdinDispatch,enum=resultFile,enum=transcriptCapture,enum=streamingDetection,enum=screenshots,enum=dom,enum=console,enum=shell,enum=fileEdit,uniqueItems=true" validate:"omitempty,uniq,dive,oneof=interactive initialPrompt stdinDispatch resultFile transcriptCapture streamingDetection screenshots dom console shell fileEdit"`
	// RequiredEvidenceCapabilities the adapter must declare.
	RequiredEvidenceCapabilities []string `json:"requiredEvidenceCapabilities,omitempty" yaml:"requiredEvidenceCapabilities,omitempty" jsonschema:"enum=transcript,enum=screenshot,enum=dom,enum=console,enum=command-output,enum=diff,enum=test-result,enum=human-confirmation,uniqueItems=true" validate:"omitempty,uniq,dive,oneof=transcript screenshot dom console command-output diff test-result human-confirmation"`
	// AllowedAdapters limits which adapters may run the lane. Empty: any.
	AllowedAdapters []string `json:"allowedAdapters,omitempty" yaml:"allowedAdapters,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"omitempty,dive,id"`
	// ReadOnlyVerifier marks a verifier lane that must not write.
	ReadOnlyVerifier bool `json:"readOnlyVerifier,omitempty" yaml:"readOnlyVerifier,omitempty"`
	// AllowWriteCapableAdapterWhenWritesDisabled lets a read-only
	// verifier run on a write-capable adapter when the lane's canWrite is
	// false.
	AllowWriteCapableAdapterWhenWritesDisabled bool `json:"allowWriteCapableAdapterWhenWritesDisabled,omitempty" yaml:"allowWriteCapableAdapterWhenWritesDisabled,omitempty"`
	// RequiresInteractive requires an interactive adapter.
	RequiresInteractive bool `json:"requiresInteractive,omitempty" yaml:"requiresInteractive,omitempty"`
}

// TopologyOption is a lane set the lead may grow the run into.
type TopologyOption struct {
	// ID names the option; unique within the route.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// Label is the display name.
	Label string `json:"label,omitempty" yaml:"label,omitempty"`
	// Lanes of the option; a subset of the route's lanes including the lead.
	Lanes []string `json:"lanes" yaml:"lanes" jsonschema:"required,minItems=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$,uniqueItems=true" validate:"required,min=1,uniq,dive,laneid"`
	// RequiredPersonas the option needs.
	RequiredPersonas []string `json:"requiredPersonas,omitempty" yaml:"requiredPersonas,omitempty" validate:"omitempty,dive,required"`
}

// OrchestratorCommit is the policy under which writer lanes never run git:
// the engine stages exactly the files an accepted result lists and commits
// them on the lane's behalf.
type OrchestratorCommit struct {
	// Enabled turns the policy on.
	Enabled bool `json:"enabled" yaml:"enabled" jsonschema:"required"`
	// Owner of the commit; only "route" exists. Default "route".
	Owner string `json:"owner,omitempty" yaml:"owner,omitempty" jsonschema:"enum=route" validate:"omitempty,oneof=route"`
	// StageMode is how files are staged; only "exact-files" exists.
	// Default "exact-files".
	StageMode string `json:"stageMode,omitempty" yaml:"stageMode,omitempty" jsonschema:"enum=exact-files" validate:"omitempty,oneof=exact-files"`
	// WriterLanes are the lanes whose results the engine commits.
	WriterLanes []string `json:"writerLanes" yaml:"writerLanes" jsonschema:"required,minItems=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$,uniqueItems=true" validate:"required,min=1,uniq,dive,laneid"`
	// LaneWriteScopes narrows what each writer lane's commit may contain.
	LaneWriteScopes map[string]Scope `json:"laneWriteScopes,omitempty" yaml:"laneWriteScopes,omitempty" validate:"omitempty,dive,keys,laneid,endkeys"`
	// AcceptedResultField is the result field listing the files; only
	// "filesChanged" exists (descriptive, kept for compatibility).
	AcceptedResultField string `json:"acceptedResultField,omitempty" yaml:"acceptedResultField,omitempty" jsonschema:"enum=filesChanged" validate:"omitempty,oneof=filesChanged"`
	// BlockUnrelatedStaged refuses to commit when unrelated changes are
	// already staged (descriptive: the engine always refuses).
	BlockUnrelatedStaged bool `json:"blockUnrelatedStaged,omitempty" yaml:"blockUnrelatedStaged,omitempty"`
	// PreserveUnstaged leaves unrelated unstaged work untouched
	// (descriptive: the engine always does).
	PreserveUnstaged bool `json:"preserveUnstaged,omitempty" yaml:"preserveUnstaged,omitempty"`
	// CoAuthorWriter adds a co-author trailer naming the writer lane.
	CoAuthorWriter bool `json:"coAuthorWriter,omitempty" yaml:"coAuthorWriter,omitempty"`
}

// GitCommitPolicy lets the named writer lanes run git commit themselves.
type GitCommitPolicy struct {
	// Mode; only "writer-lane" exists.
	Mode string `json:"mode" yaml:"mode" jsonschema:"required,enum=writer-lane" validate:"required,oneof=writer-lane"`
	// WriterLanes that may commit.
	WriterLanes []string `json:"writerLanes" yaml:"writerLanes" jsonschema:"required,minItems=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$,uniqueItems=true" validate:"required,min=1,uniq,dive,laneid"`
}

// LeadRescue lets named lead lanes supersede named teammates' non-PASS
// results with a supersession record.
type LeadRescue struct {
	// Allowed turns the policy on.
	Allowed bool `json:"allowed" yaml:"allowed" jsonschema:"required"`
	// Leads that may rescue.
	Leads []string `json:"leads" yaml:"leads" jsonschema:"required,minItems=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$,uniqueItems=true" validate:"required,min=1,uniq,dive,laneid"`
	// Superseded lanes whose results may be superseded.
	Superseded []string `json:"superseded" yaml:"superseded" jsonschema:"required,minItems=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$,uniqueItems=true" validate:"required,min=1,uniq,dive,laneid"`
}

// LeadSupportCommit lets the lead commit mechanical orchestration files
// inside a declared scope without a result.
type LeadSupportCommit struct {
	// Enabled turns the policy on.
	Enabled bool `json:"enabled" yaml:"enabled" jsonschema:"required"`
	// StageMode; only "exact-files" exists. Default "exact-files".
	StageMode string `json:"stageMode,omitempty" yaml:"stageMode,omitempty" jsonschema:"enum=exact-files" validate:"omitempty,oneof=exact-files"`
	// Leads that may commit.
	Leads []string `json:"leads" yaml:"leads" jsonschema:"required,minItems=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$,uniqueItems=true" validate:"required,min=1,uniq,dive,laneid"`
	// Allowed globs the lead may commit.
	Allowed []string `json:"allowed" yaml:"allowed" jsonschema:"required,minItems=1" validate:"required,min=1,dive,glob"`
	// Excluded globs carved out of Allowed.
	Excluded []string `json:"excluded,omitempty" yaml:"excluded,omitempty" validate:"omitempty,dive,glob"`
}

// Scope returns the lead's commit scope.
func (c LeadSupportCommit) Scope() Scope { return Scope{Allowed: c.Allowed, Excluded: c.Excluded} }

// ImplementationOwnership requires that commits touching implementation
// surfaces come from the owner lane's accepted result.
type ImplementationOwnership struct {
	// Enabled turns the policy on.
	Enabled bool `json:"enabled,omitempty" yaml:"enabled,omitempty"`
	// OwnerLane is the lane that owns implementation; one of the route's
	// lanes.
	OwnerLane string `json:"ownerLane,omitempty" yaml:"ownerLane,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$" validate:"omitempty,laneid"`
	// Surfaces are the globs that count as implementation.
	Surfaces []string `json:"surfaces,omitempty" yaml:"surfaces,omitempty" validate:"omitempty,dive,glob"`
	// ExemptSurfaces are globs carved out of Surfaces.
	ExemptSurfaces []string `json:"exemptSurfaces,omitempty" yaml:"exemptSurfaces,omitempty" validate:"omitempty,dive,glob"`
}

// LeadResultRequirements are extra fields the lead's PASS result must
// carry. They replace rules the original tied to one persona's name.
type LeadResultRequirements struct {
	// DispatchPlan requires a personaDispatchPlan in the lead's PASS result.
	DispatchPlan bool `json:"dispatchPlan,omitempty" yaml:"dispatchPlan,omitempty"`
	// CompletionBrief requires a non-empty completionBrief in the lead's
	// PASS result.
	CompletionBrief bool `json:"completionBrief,omitempty" yaml:"completionBrief,omitempty"`
}

// Validate checks the route and returns nil or a *ValidationError.
func (r *Route) Validate() error { return Validate(r) }

func (r *Route) setDefaults() {
	if c := r.OrchestratorCommit; c != nil {
		c.Owner = or(c.Owner, "route")
		c.StageMode = or(c.StageMode, "exact-files")
	}
	if c := r.LeadSupportCommit; c != nil {
		c.StageMode = or(c.StageMode, "exact-files")
	}
	if r.Verify != nil && r.Verify.TimeoutSeconds == 0 {
		r.Verify.TimeoutSeconds = 600
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// LaunchLanes returns the lanes started at launch: InitialLanes when set,
// else every lane.
func (r *Route) LaunchLanes() []string {
	if len(r.InitialLanes) > 0 {
		return r.InitialLanes
	}
	return r.Lanes
}

// HasGate reports whether the route lists gate g.
func (r *Route) HasGate(g Gate) bool { return slices.Contains(r.Gates, g) }

func (r *Route) check(p *problems) {
	in := func(path, lane string) {
		if lane != "" && !slices.Contains(r.Lanes, lane) {
			p.add(path, "unknown-lane", "lane %q is not one of the route's lanes (%s); add it to \"lanes\" or fix the name", lane, listOr(r.Lanes))
		}
	}
	each := func(path string, lanes []string) {
		for i, l := range lanes {
			in(index(path, i), l)
		}
	}
	in("lead", r.Lead)
	if len(r.InitialLanes) > 0 {
		each("initialLanes", r.InitialLanes)
		if !slices.Contains(r.InitialLanes, r.Lead) {
			p.add("initialLanes", "lead-missing", "initialLanes must include the lead %q", r.Lead)
		}
	}
	for _, lane := range slices.Sorted(maps.Keys(r.LaneRequirements)) {
		in(join("laneRequirements", lane), lane)
	}
	seen := map[string]bool{}
	for i, o := range r.TopologyOptions {
		path := index("topologyOptions", i)
		if seen[o.ID] {
			p.add(join(path, "id"), "unique", "topology option id %q is used twice; ids must be unique", o.ID)
		}
		seen[o.ID] = true
		each(join(path, "lanes"), o.Lanes)
		if !slices.Contains(o.Lanes, r.Lead) {
			p.add(join(path, "lanes"), "lead-missing", "topology option %q must include the lead %q", o.ID, r.Lead)
		}
	}
	if c := r.OrchestratorCommit; c != nil {
		each("orchestratorCommit.writerLanes", c.WriterLanes)
		for _, lane := range slices.Sorted(maps.Keys(c.LaneWriteScopes)) {
			in(join("orchestratorCommit.laneWriteScopes", lane), lane)
		}
	}
	if c := r.GitCommitPolicy; c != nil {
		each("gitCommitPolicy.writerLanes", c.WriterLanes)
		if oc := r.OrchestratorCommit; oc != nil && oc.Enabled {
			for i, l := range c.WriterLanes {
				if slices.Contains(oc.WriterLanes, l) {
					p.add(index("gitCommitPolicy.writerLanes", i), "policy-conflict", "lane %q cannot both commit itself and have the engine commit for it; remove it from one of gitCommitPolicy and orchestratorCommit", l)
				}
			}
		}
	}
	if c := r.LeadRescue; c != nil {
		each("leadRescue.leads", c.Leads)
		each("leadRescue.superseded", c.Superseded)
	}
	if c := r.LeadSupportCommit; c != nil {
		each("leadSupportCommit.leads", c.Leads)
	}
	if c := r.ImplementationOwnership; c != nil {
		in("implementationOwnership.ownerLane", c.OwnerLane)
		if c.Enabled && c.OwnerLane == "" {
			p.add("implementationOwnership.ownerLane", "required", "implementation ownership is enabled; name the owner lane")
		}
	}
	if r.HasGate(GateVerify) && r.Verify == nil {
		p.add("verify", "required", "gates lists \"verify\"; add verify.command (e.g. [\"go\", \"test\", \"./...\"]) or remove the gate")
	}
	for i, o := range r.SupportedPriorityOwners {
		if o != "*" && !slugRE().MatchString(o) {
			p.add(index("supportedPriorityOwners", i), "pattern", "must be a priority slug or \"*\" (found %q)", clip(o))
		}
	}
	if r.ModelRoles != nil {
		r.ModelRoles.check(p, "modelRoles")
	}
}

// listOr lists values for a message.
func listOr(values []string) string {
	if len(values) == 0 {
		return "none"
	}
	return joinQuoted(values)
}

func (r *Route) warnings() []Problem {
	if r.Verify != nil && !r.HasGate(GateVerify) {
		return []Problem{{Path: "verify", Rule: "unused", Message: "verify is set but gates does not list \"verify\", so the command never runs; add the gate or remove verify"}}
	}
	return nil
}
