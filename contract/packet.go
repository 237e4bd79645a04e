package contract

import "time"

// StartupPacket is the bounded context the engine writes for a run's lead
// at creation: the selected priority's excerpt, the newest session-log
// entries, the route and profile in brief, the resolved write scopes and
// the safety flags. The lead reads it instead of whole state files.
type StartupPacket struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// RunID is the run the packet was written for.
	RunID string `json:"runId" yaml:"runId" jsonschema:"required,minLength=1" validate:"required"`
	// CreatedAt is when it was written.
	CreatedAt time.Time `json:"createdAt" yaml:"createdAt" jsonschema:"required" validate:"required"`
	// Route is the route in brief.
	Route PacketRoute `json:"route" yaml:"route" jsonschema:"required"`
	// ProfileDigest is the SHA-256 (lowercase hex) of the profile file.
	ProfileDigest string `json:"profileDigest" yaml:"profileDigest" jsonschema:"required,minLength=1,pattern=^[0-9a-f]{64}$" validate:"required,sha256"`
	// SelectedPriority is the priority the run is for.
	SelectedPriority SelectedPriority `json:"selectedPriority" yaml:"selectedPriority" jsonschema:"required"`
	// RecentSessionContext is the newest session-log entries.
	RecentSessionContext SessionContext `json:"recentSessionContext" yaml:"recentSessionContext" jsonschema:"required"`
	// PersonaRouteAudit compares the personas the priority asks for with
	// the route's.
	PersonaRouteAudit *PersonaRouteAudit `json:"personaRouteAudit,omitempty" yaml:"personaRouteAudit,omitempty"`
	// WriteBoundaries is the union of the allowed patterns of every lane.
	WriteBoundaries []string `json:"writeBoundaries" yaml:"writeBoundaries" jsonschema:"required" validate:"required,dive,glob"`
	// ResolvedWriteBoundary is the per-lane scope and where it came from.
	ResolvedWriteBoundary *ResolvedWriteBoundary `json:"resolvedWriteBoundary,omitempty" yaml:"resolvedWriteBoundary,omitempty"`
	// ModelRoles is the resolved model-role policy.
	ModelRoles *ModelRoles `json:"modelRoles,omitempty" yaml:"modelRoles,omitempty"`
	// SafetyFlags state the packet's bounds; each must be true.
	SafetyFlags SafetyFlags `json:"safetyFlags" yaml:"safetyFlags" jsonschema:"required"`
	// ExtractionEvidence records how each excerpt was taken and its caps.
	ExtractionEvidence []ExtractionEvidence `json:"extractionEvidence" yaml:"extractionEvidence" jsonschema:"required,minItems=1" validate:"required,min=1,dive"`
	// Gaps are blocking problems found while building the packet.
	Gaps []string `json:"gaps,omitempty" yaml:"gaps,omitempty"`
	// Warnings are advisory findings.
	Warnings []string `json:"warnings,omitempty" yaml:"warnings,omitempty"`
}

// PacketRoute is a route in brief.
type PacketRoute struct {
	// ID of the route.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1" validate:"required"`
	// Lead lane.
	Lead string `json:"lead" yaml:"lead" jsonschema:"required,minLength=1" validate:"required"`
	// Teammates of the lead.
	Teammates []string `json:"teammates" yaml:"teammates" jsonschema:"required" validate:"required"`
}

// SelectedPriority is the priority a run is for.
type SelectedPriority struct {
	// Slug of the priority.
	Slug string `json:"slug" yaml:"slug" jsonschema:"required,minLength=1" validate:"required"`
	// Title is the heading text.
	Title string `json:"title,omitempty" yaml:"title,omitempty"`
	// Status is the priority's **Status:** value.
	Status string `json:"status,omitempty" yaml:"status,omitempty"`
	// Excerpt is the bounded text of the priority.
	Excerpt string `json:"excerpt,omitempty" yaml:"excerpt,omitempty"`
	// LastUpdated is the file's "Last updated" line.
	LastUpdated string `json:"lastUpdated,omitempty" yaml:"lastUpdated,omitempty"`
	// StaleState says whether the priority can be worked on.
	StaleState string `json:"staleState" yaml:"staleState" jsonschema:"required,enum=active,enum=review-required,enum=missing,enum=missing-source" validate:"required,oneof=active review-required missing missing-source"`
	// Source is the file it came from.
	Source string `json:"source" yaml:"source" jsonschema:"required,minLength=1" validate:"required"`
	// Matched says whether a heading matched the slug.
	Matched bool `json:"matched" yaml:"matched" jsonschema:"required"`
	// Truncated says whether the excerpt was cut at its cap.
	Truncated bool `json:"truncated,omitempty" yaml:"truncated,omitempty"`
}

// SessionContext is the bounded tail of the session log.
type SessionContext struct {
	// Excerpt is the text taken.
	Excerpt string `json:"excerpt,omitempty" yaml:"excerpt,omitempty"`
	// Source is the file it came from.
	Source string `json:"source" yaml:"source" jsonschema:"required,minLength=1" validate:"required"`
	// LineLimit is the cap on lines.
	LineLimit int `json:"lineLimit" yaml:"lineLimit" jsonschema:"required,minimum=0" validate:"min=0"`
	// LinesRead is how many lines were taken.
	LinesRead int `json:"linesRead,omitempty" yaml:"linesRead,omitempty" jsonschema:"minimum=0" validate:"min=0"`
	// Missing says the log does not exist.
	Missing bool `json:"missing,omitempty" yaml:"missing,omitempty"`
	// Strategy is how entries were chosen.
	Strategy string `json:"strategy" yaml:"strategy" jsonschema:"required,enum=newest-session-entries,enum=head-fallback" validate:"required,oneof=newest-session-entries head-fallback"`
	// EntryLimit is the cap on entries.
	EntryLimit int `json:"entryLimit,omitempty" yaml:"entryLimit,omitempty" jsonschema:"minimum=0" validate:"min=0"`
}

// PersonaRouteAudit compares the personas a priority asks for with those
// the route provides.
type PersonaRouteAudit struct {
	// OK is true when nothing required is missing.
	OK bool `json:"ok" yaml:"ok"`
	// RouteID audited.
	RouteID string `json:"routeId,omitempty" yaml:"routeId,omitempty"`
	// AvailablePersonas on the route.
	AvailablePersonas []string `json:"availablePersonas,omitempty" yaml:"availablePersonas,omitempty"`
	// RequiredPersonas named by the priority.
	RequiredPersonas []string `json:"requiredPersonas,omitempty" yaml:"requiredPersonas,omitempty"`
	// MissingPersonas are required but not available.
	MissingPersonas []string `json:"missingPersonas,omitempty" yaml:"missingPersonas,omitempty"`
	// PacketOnlyPersonas are mentioned only as packets to prepare.
	PacketOnlyPersonas []string `json:"packetOnlyPersonas,omitempty" yaml:"packetOnlyPersonas,omitempty"`
	// Evidence for each finding.
	Evidence []AuditEvidence `json:"evidence,omitempty" yaml:"evidence,omitempty" validate:"omitempty,dive"`
	// Warnings raised.
	Warnings []string `json:"warnings,omitempty" yaml:"warnings,omitempty"`
}

// AuditEvidence is one reason in a persona route audit.
type AuditEvidence struct {
	// Persona concerned.
	Persona string `json:"persona" yaml:"persona" jsonschema:"required,minLength=1" validate:"required"`
	// Source text location.
	Source string `json:"source,omitempty" yaml:"source,omitempty"`
	// Reason in words.
	Reason string `json:"reason,omitempty" yaml:"reason,omitempty"`
}

// ResolvedWriteBoundary is the per-lane write scope of a run and where it
// came from.
type ResolvedWriteBoundary struct {
	// ID of the priority boundary used, if any.
	ID string `json:"id,omitempty" yaml:"id,omitempty"`
	// PrioritySlug of that boundary.
	PrioritySlug string `json:"prioritySlug,omitempty" yaml:"prioritySlug,omitempty"`
	// Source of the scopes.
	Source string `json:"source" yaml:"source" jsonschema:"required,enum=priority-boundary,enum=priority-boundary-unresolved,enum=profile-fallback" validate:"required,oneof=priority-boundary priority-boundary-unresolved profile-fallback"`
	// LaneBoundaries maps each lane to its scope.
	LaneBoundaries map[string]Scope `json:"laneBoundaries,omitempty" yaml:"laneBoundaries,omitempty" validate:"omitempty,dive,keys,laneid,endkeys"`
	// ExcludedWriteBoundaries is the union of excluded patterns.
	ExcludedWriteBoundaries []string `json:"excludedWriteBoundaries,omitempty" yaml:"excludedWriteBoundaries,omitempty" validate:"omitempty,dive,glob"`
}

// SafetyFlags state the bounds of a startup packet. Each must be true.
type SafetyFlags struct {
	// OldReferencesReadOnly: older runs' files are read-only references.
	OldReferencesReadOnly bool `json:"oldReferencesReadOnly" yaml:"oldReferencesReadOnly" jsonschema:"required" jsonschema_extras:"const=true" validate:"eq=true"`
	// NoFullPriorityRead: the lead reads the excerpt, not all priorities.
	NoFullPriorityRead bool `json:"noFullPriorityRead" yaml:"noFullPriorityRead" jsonschema:"required" jsonschema_extras:"const=true" validate:"eq=true"`
	// NoFullSessionLogRead: the lead reads the tail, not the whole log.
	NoFullSessionLogRead bool `json:"noFullSessionLogRead" yaml:"noFullSessionLogRead" jsonschema:"required" jsonschema_extras:"const=true" validate:"eq=true"`
}

// ExtractionEvidence records how an excerpt was taken.
type ExtractionEvidence struct {
	// Source file.
	Source string `json:"source" yaml:"source" jsonschema:"required,minLength=1" validate:"required"`
	// Method used.
	Method string `json:"method" yaml:"method" jsonschema:"required,minLength=1" validate:"required"`
	// Slug extracted, for the priority.
	Slug string `json:"slug,omitempty" yaml:"slug,omitempty"`
	// LineLimit applied, for the session log.
	LineLimit int `json:"lineLimit,omitempty" yaml:"lineLimit,omitempty" jsonschema:"minimum=0" validate:"min=0"`
}

// Validate checks the packet and returns nil or a *ValidationError.
func (s *StartupPacket) Validate() error { return Validate(s) }
