package contract

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Severity says whether an issue stops a launch.
type Severity string

// The severities.
const (
	// SeverityBlock stops the launch.
	SeverityBlock Severity = "block"
	// SeverityWarn is reported and does not stop the launch.
	SeverityWarn Severity = "warn"
)

// The issue codes [CheckLaunch] reports. The names follow the original
// CoCoder's launch preflight where one existed.
const (
	IssueRouteMissing                 = "route-missing"
	IssueProfileMissing               = "profile-missing"
	IssueRouteInvalid                 = "route-invalid"
	IssueProfileInvalid               = "profile-invalid"
	IssueAdapterInvalid               = "adapter-declaration-invalid"
	IssuePersonaInvalid               = "persona-invalid"
	IssueMissingLane                  = "missing-lane"
	IssueMissingAdapter               = "missing-adapter"
	IssueMissingFallbackAdapter       = "missing-fallback-adapter"
	IssueUnsupportedAdapter           = "unsupported-adapter"
	IssueAdapterNotAllowed            = "adapter-not-allowed"
	IssueWriterReadOnlyAdapter        = "writer-with-readonly-adapter"
	IssueWriterReadOnlySandbox        = "writer-with-readonly-sandbox"
	IssueSandboxNotSupported          = "sandbox-not-supported"
	IssueInteractiveRequired          = "interactive-required"
	IssueMissingCapability            = "missing-capability"
	IssueMissingEvidenceCapability    = "missing-evidence-capability"
	IssueVerifierWriteNotDisabled     = "verifier-write-not-disabled"
	IssueVerifierAdapterNotExplicit   = "verifier-writing-adapter-not-explicit"
	IssueModelNotPassed               = "model-not-passed"
	IssuePersonaMissing               = "persona-missing"
	IssuePersonaRouteNotAllowed       = "persona-route-not-allowed"
	IssueOneWriterViolation           = "one-writer-violation"
	IssueReadOnlyRouteWriter          = "read-only-route-writer"
	IssueModelRoleInvalid             = "model-role-invalid"
	IssuePriorityOwnerNotSupported    = "priority-owner-not-supported"
	IssueBoundaryMissing              = "priority-boundary-missing"
	IssueBoundaryInvalid              = "priority-boundary-invalid"
	IssueBoundarySlugMismatch         = "priority-boundary-slug-mismatch"
	IssueBoundaryRouteMismatch        = "priority-boundary-route-mismatch"
	IssueBoundaryWriterMissing        = "priority-boundary-writer-missing"
	IssueBoundaryEmptyAllowed         = "priority-boundary-empty-allowed"
	IssueBoundaryUnknownLane          = "priority-boundary-unknown-lane"
	IssueWriterScopeEmpty             = "writer-scope-empty"
	IssueGitCommitLaneMissing         = "route-config-git-commit-lane-missing"
	IssueTopologyPersonaMissing       = "topology-persona-missing"
	IssueImplementationOwnerNotWriter = "implementation-owner-not-writer"
)

// Issue is one finding of the cross-document check.
type Issue struct {
	// Code names the kind of issue, e.g. "missing-lane".
	Code string `json:"code"`
	// Severity is "block" or "warn".
	Severity Severity `json:"severity"`
	// Lane is the lane concerned; empty for route-wide issues.
	Lane string `json:"lane,omitempty"`
	// Message says what is wrong and what to change.
	Message string `json:"message"`
}

// String formats the issue for a terminal.
func (i Issue) String() string {
	lane := ""
	if i.Lane != "" {
		lane = " lane " + i.Lane + ":"
	}
	return fmt.Sprintf("%s %s:%s %s", i.Severity, i.Code, lane, i.Message)
}

// Blocking reports whether any issue has severity block.
func Blocking(issues []Issue) bool {
	return slices.ContainsFunc(issues, func(i Issue) bool { return i.Severity == SeverityBlock })
}

// LaunchInput is what [CheckLaunch] compares.
type LaunchInput struct {
	// Route to launch. Required.
	Route *Route
	// Profile that staffs the route's lanes. Required.
	Profile *Profile
	// Adapters are the declared adapters by id. A lane whose adapter is
	// not here is a missing-adapter issue.
	Adapters map[string]*Adapter
	// Boundary is the priority boundary for PrioritySlug, or nil when none
	// was found.
	Boundary *PriorityBoundary
	// Personas are the workspace's personas by id. Nil skips the persona
	// checks (the caller has not loaded them); an empty map checks that
	// every lane's persona is missing.
	Personas map[string]*Persona
	// PrioritySlug is the priority the run is for. Empty skips the
	// priority-owner check and the boundary's slug check, as when a
	// workspace is validated without choosing a priority.
	PrioritySlug string

	// validated is set by CheckPaths, whose documents were just loaded
	// and validated, so they are not validated twice.
	validated bool
}

// CheckLaunch compares a route, a profile, the declared adapters, a
// priority boundary and the personas, and returns every issue that would
// stop (block) or should be known before (warn) a launch. It is pure: no
// file is read and no program is run, so whether an adapter's command is
// installed is left to the run engine. The same function serves
// `cocoder validate`, run preflight and Oz.
//
// Each document is validated first (a document built in Go may not have
// been), so the check never trusts an unvalidated contract.
func CheckLaunch(in LaunchInput) []Issue {
	c := launchCheck{in: in}
	if in.Route == nil {
		c.block(IssueRouteMissing, "", "no route given")
	}
	if in.Profile == nil {
		c.block(IssueProfileMissing, "", "no profile given")
	}
	if in.Route == nil || in.Profile == nil {
		return c.issues
	}
	if !in.validated {
		c.validateDocs()
	}
	c.writers = c.findWriters()
	for _, lane := range in.Route.Lanes {
		c.lane(lane)
	}
	c.routeWide()
	c.modelRoles()
	c.priority()
	return c.issues
}

type launchCheck struct {
	in      LaunchInput
	issues  []Issue
	writers []string // route lanes that write, in route order
}

func (c *launchCheck) add(sev Severity, code, lane, format string, args ...any) {
	c.issues = append(c.issues, Issue{Code: code, Severity: sev, Lane: lane, Message: fmt.Sprintf(format, args...)})
}

func (c *launchCheck) block(code, lane, format string, args ...any) {
	c.add(SeverityBlock, code, lane, format, args...)
}

func (c *launchCheck) warn(code, lane, format string, args ...any) {
	c.add(SeverityWarn, code, lane, format, args...)
}

// summary condenses a validation error for an issue message.
func summary(err error) string {
	ve, ok := errors.AsType[*ValidationError](err)
	if !ok || len(ve.Problems) == 0 {
		return err.Error()
	}
	s := ve.Problems[0].String()
	if n := len(ve.Problems) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

func (c *launchCheck) validateDocs() {
	r, p := c.in.Route, c.in.Profile
	if err := r.Validate(); err != nil {
		c.block(IssueRouteInvalid, "", "route %q does not validate: %s", r.ID, summary(err))
	}
	if err := p.Validate(); err != nil {
		c.block(IssueProfileInvalid, "", "profile %q does not validate: %s", p.ID, summary(err))
	}
	for _, id := range sortedKeys(c.in.Adapters) {
		a := c.in.Adapters[id]
		switch {
		case a == nil:
			c.block(IssueAdapterInvalid, "", "adapter %q is declared without a body", id)
		case a.ID != id:
			c.block(IssueAdapterInvalid, "", "adapter declared under %q has id %q; make them equal", id, a.ID)
		default:
			if err := a.Validate(); err != nil {
				c.block(IssueAdapterInvalid, "", "adapter %q does not validate: %s", id, summary(err))
			}
		}
	}
	for _, id := range sortedKeys(c.in.Personas) {
		if ps := c.in.Personas[id]; ps != nil {
			if err := ps.Validate(); err != nil {
				c.block(IssuePersonaInvalid, "", "persona %q does not validate: %s", id, summary(err))
			}
		}
	}
	if b := c.in.Boundary; b != nil {
		if err := b.Validate(); err != nil {
			c.block(IssueBoundaryInvalid, "", "priority boundary %q does not validate: %s", b.ID, summary(err))
		}
	}
}

// commitWriter reports whether the route's enabled orchestrator-commit
// policy names lane as a writer.
func (c *launchCheck) commitWriter(lane string) bool {
	oc := c.in.Route.OrchestratorCommit
	return oc != nil && oc.Enabled && slices.Contains(oc.WriterLanes, lane)
}

// findWriters lists the route lanes that write: canWrite in the profile,
// or a writer lane of the route's orchestrator-commit policy.
func (c *launchCheck) findWriters() []string {
	var out []string
	for _, lane := range c.in.Route.Lanes {
		l, ok := c.in.Profile.Lanes[lane]
		if (ok && l.CanWrite) || c.commitWriter(lane) {
			out = append(out, lane)
		}
	}
	return out
}

func (c *launchCheck) isWriter(lane string) bool { return slices.Contains(c.writers, lane) }

func (c *launchCheck) lane(lane string) {
	r, p := c.in.Route, c.in.Profile
	l, ok := p.Lanes[lane]
	if !ok {
		c.block(IssueMissingLane, lane, "route %q uses lane %q but profile %q does not define it; add it to the profile's lanes", r.ID, lane, p.ID)
		return
	}
	c.persona(lane, l)
	req := r.LaneRequirements[lane]
	writer := c.isWriter(lane)
	if l.FallbackAdapter != "" {
		if fa, ok := c.in.Adapters[l.FallbackAdapter]; !ok || fa == nil {
			c.block(IssueMissingFallbackAdapter, lane, "fallbackAdapter %q is not declared; add an adapter declaration with that id or fix the name", l.FallbackAdapter)
		} else if len(req.AllowedAdapters) > 0 && !slices.Contains(req.AllowedAdapters, l.FallbackAdapter) {
			c.block(IssueAdapterNotAllowed, lane, "fallbackAdapter %q is not in the route's allowedAdapters (%s)", l.FallbackAdapter, strings.Join(req.AllowedAdapters, ", "))
		}
	}
	a, ok := c.in.Adapters[l.Adapter]
	if !ok || a == nil {
		c.block(IssueMissingAdapter, lane, "adapter %q is not declared; add an adapter declaration with that id or pick a declared one (%s)", l.Adapter, keyList(c.in.Adapters))
		return
	}
	if len(req.AllowedAdapters) > 0 && !slices.Contains(req.AllowedAdapters, l.Adapter) {
		c.block(IssueAdapterNotAllowed, lane, "adapter %q is not in the route's allowedAdapters (%s); change the profile lane's adapter", l.Adapter, strings.Join(req.AllowedAdapters, ", "))
	}
	if !a.Available() {
		c.block(IssueUnsupportedAdapter, lane, "adapter %q is declared as not supported (kind %s); choose another adapter", a.ID, a.Kind)
	}
	if writer && !a.CanWrite() {
		c.block(IssueWriterReadOnlyAdapter, lane, "the lane writes but adapter %q has writeCapability none; use a write-capable adapter or make the lane read-only", a.ID)
	}
	if req.RequiresInteractive && !a.Capabilities.Interactive {
		c.block(IssueInteractiveRequired, lane, "the route requires an interactive adapter and %q is not", a.ID)
	}
	for _, capName := range req.RequiredCapabilities {
		if !a.Capabilities.Has(capName) {
			c.block(IssueMissingCapability, lane, "the route requires capability %q and adapter %q lacks it", capName, a.ID)
		}
	}
	for _, ev := range req.RequiredEvidenceCapabilities {
		if !slices.Contains(a.EvidenceCapabilities, ev) {
			c.block(IssueMissingEvidenceCapability, lane, "the route requires evidence capability %q and adapter %q lacks it", ev, a.ID)
		}
	}
	if req.ReadOnlyVerifier && a.CanWrite() {
		if writer {
			c.block(IssueVerifierWriteNotDisabled, lane, "a read-only verifier lane runs on write-capable adapter %q with writing enabled; set canWrite false in the profile", a.ID)
		}
		if !req.AllowWriteCapableAdapterWhenWritesDisabled {
			c.block(IssueVerifierAdapterNotExplicit, lane, "a read-only verifier lane runs on write-capable adapter %q; set allowWriteCapableAdapterWhenWritesDisabled in the route's laneRequirements or use a read-only adapter", a.ID)
		}
	}
	mode := l.SandboxMode()
	if len(a.SandboxModes) > 0 && !slices.Contains(a.SandboxModes, mode) {
		c.block(IssueSandboxNotSupported, lane, "sandbox %q is not among adapter %q's sandboxModes (%s)", mode, a.ID, joinModes(a.SandboxModes))
	}
	if writer && mode == SandboxReadOnly {
		c.block(IssueWriterReadOnlySandbox, lane, "the lane writes but its sandbox is read-only; remove sandbox or set it to workspace-write")
	}
	if l.Model != "" && len(a.ModelFlag) == 0 {
		c.warn(IssueModelNotPassed, lane, "model %q cannot be passed: adapter %q declares no modelFlag, so the CLI uses its default model", l.Model, a.ID)
	}
}

func joinModes(modes []SandboxMode) string {
	s := make([]string, len(modes))
	for i, m := range modes {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

func (c *launchCheck) persona(lane string, l ProfileLane) {
	if c.in.Personas == nil {
		return
	}
	ps, ok := c.in.Personas[l.Persona]
	if !ok || ps == nil {
		c.block(IssuePersonaMissing, lane, "persona %q does not exist; add personas/%s.yaml or change the lane's persona", l.Persona, l.Persona)
		return
	}
	if !ps.AllowsRoute(c.in.Route.ID) {
		c.block(IssuePersonaRouteNotAllowed, lane, "persona %q does not allow route %q (allowedRoutes: %s); add the route to the persona or use another persona", ps.ID, c.in.Route.ID, strings.Join(ps.AllowedRoutes, ", "))
	}
}

func (c *launchCheck) routeWide() {
	r := c.in.Route
	switch r.WritePolicy {
	case WriteOneWriter:
		if len(c.writers) > 1 {
			c.block(IssueOneWriterViolation, "", "route %q allows one writer but %d lanes write (%s); make all but one read-only", r.ID, len(c.writers), strings.Join(c.writers, ", "))
		}
	case WriteReadOnly:
		for _, w := range c.writers {
			c.block(IssueReadOnlyRouteWriter, w, "route %q is read-only but the lane writes; set canWrite false or change the route's writePolicy", r.ID)
		}
	}
	if g := r.GitCommitPolicy; g != nil {
		launch := r.LaunchLanes()
		for _, l := range g.WriterLanes {
			if !slices.Contains(launch, l) {
				c.block(IssueGitCommitLaneMissing, l, "gitCommitPolicy names lane %q, which is not started at launch; add it to initialLanes or remove it", l)
			}
		}
	}
	if o := r.ImplementationOwnership; o != nil && o.Enabled && o.OwnerLane != "" && !c.isWriter(o.OwnerLane) {
		c.warn(IssueImplementationOwnerNotWriter, o.OwnerLane, "implementation owner %q does not write, so no commit can satisfy the ownership rule", o.OwnerLane)
	}
	if c.in.Personas != nil {
		for _, o := range r.TopologyOptions {
			for _, ps := range o.RequiredPersonas {
				if _, ok := c.in.Personas[ps]; !ok {
					c.warn(IssueTopologyPersonaMissing, "", "topology option %q requires persona %q, which does not exist", o.ID, ps)
				}
			}
		}
	}
}

func (c *launchCheck) modelRoles() {
	roles := ResolveModelRoles(c.in.Profile.ModelRoles, c.in.Route.ModelRoles)
	roles.eachRef("modelRoles", func(path string, ref RoleRef) {
		if ref.Lane != "" {
			if _, ok := c.in.Profile.Lanes[ref.Lane]; !ok {
				c.block(IssueModelRoleInvalid, ref.Lane, "model role %s names lane %q, which profile %q does not define", path, ref.Lane, c.in.Profile.ID)
			}
		}
		if ref.Adapter != "" {
			if _, ok := c.in.Adapters[ref.Adapter]; !ok {
				c.block(IssueModelRoleInvalid, ref.Lane, "model role %s names adapter %q, which is not declared", path, ref.Adapter)
			}
		}
	})
}

func (c *launchCheck) priority() {
	r, b, slug := c.in.Route, c.in.Boundary, c.in.PrioritySlug
	if slug != "" && len(r.SupportedPriorityOwners) > 0 && !slices.Contains(r.SupportedPriorityOwners, "*") && !slices.Contains(r.SupportedPriorityOwners, slug) {
		c.block(IssuePriorityOwnerNotSupported, "", "route %q does not support priority %q (supportedPriorityOwners: %s)", r.ID, slug, strings.Join(r.SupportedPriorityOwners, ", "))
	}
	launch := r.LaunchLanes()
	if b == nil {
		if slug != "" {
			c.warn(IssueBoundaryMissing, "", "no priority boundary for %q; writer lanes fall back to the profile's writeBoundary", slug)
		}
		for _, lane := range launch {
			if c.isWriter(lane) && len(c.fallbackScope(lane).Allowed) == 0 {
				c.block(IssueWriterScopeEmpty, lane, "the lane writes but has no write scope: no priority boundary names it and its writeBoundary is empty; add a boundary or writeBoundary patterns")
			}
		}
		return
	}
	if slug != "" && b.PrioritySlug != slug && b.ID != slug {
		c.block(IssueBoundarySlugMismatch, "", "boundary %q is for priority %q, not %q", b.ID, b.PrioritySlug, slug)
	}
	if !b.AllowsRoute(r.ID) {
		c.block(IssueBoundaryRouteMismatch, "", "boundary %q does not list route %q in routeIds (%s)", b.ID, r.ID, strings.Join(b.RouteIDs, ", "))
	}
	for _, lane := range launch {
		if !c.isWriter(lane) {
			continue
		}
		s, ok := b.WriterLanes[lane]
		switch {
		case !ok:
			c.block(IssueBoundaryWriterMissing, lane, "the lane writes but boundary %q has no writerLanes entry for it; add one with its allowed paths", b.ID)
		case len(s.Allowed) == 0:
			c.block(IssueBoundaryEmptyAllowed, lane, "boundary %q gives the lane an empty allowed list, which denies every path; add patterns", b.ID)
		}
	}
	for _, lane := range sortedKeys(b.WriterLanes) {
		if !slices.Contains(r.Lanes, lane) {
			c.warn(IssueBoundaryUnknownLane, lane, "boundary %q names lane %q, which route %q does not use", b.ID, lane, r.ID)
		}
	}
}

// fallbackScope is a writer lane's scope without a priority boundary.
func (c *launchCheck) fallbackScope(lane string) Scope {
	s, _ := LaneScope(c.in.Route, c.in.Profile, nil, lane)
	return s
}

// The sources [LaneScope] reports.
const (
	ScopeFromBoundary = "priority-boundary"
	ScopeFromRoute    = "route"
	ScopeFromProfile  = "profile-fallback"
)

// LaneScope returns the write scope of lane and where it comes from: the
// priority boundary's entry when boundary (which may be nil) names the lane
// (ScopeFromBoundary); else the route's enabled orchestrator-commit
// laneWriteScopes entry (ScopeFromRoute); else the profile lane's
// writeBoundary and excludedWriteBoundary (ScopeFromProfile). A lane found
// nowhere gets an empty scope, which allows nothing.
func LaneScope(route *Route, profile *Profile, boundary *PriorityBoundary, lane string) (Scope, string) {
	if boundary != nil {
		if s, ok := boundary.WriterLanes[lane]; ok {
			return s, ScopeFromBoundary
		}
	}
	if route != nil {
		if oc := route.OrchestratorCommit; oc != nil && oc.Enabled {
			if s, ok := oc.LaneWriteScopes[lane]; ok {
				return s, ScopeFromRoute
			}
		}
	}
	if profile != nil {
		return profile.Lanes[lane].Scope(), ScopeFromProfile
	}
	return Scope{}, ScopeFromProfile
}
