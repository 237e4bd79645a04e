package contract_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
)

const exampleDir = "../examples/workspace/cocoder"

func mustLoad[T any](t *testing.T, rel string) *T {
	t.Helper()
	v, err := contract.Load[T](filepath.Join(exampleDir, rel))
	require.NoError(t, err)
	return v
}

// exampleInput loads the example workspace's feature route, profile,
// adapters, boundary and personas afresh, so each case can change them.
func exampleInput(t *testing.T) contract.LaunchInput {
	t.Helper()
	in := contract.LaunchInput{
		Route:        mustLoad[contract.Route](t, "routes/feature.yaml"),
		Profile:      mustLoad[contract.Profile](t, "profiles/default.yaml"),
		Boundary:     mustLoad[contract.PriorityBoundary](t, "boundaries/notes-search.yaml"),
		Adapters:     map[string]*contract.Adapter{},
		Personas:     map[string]*contract.Persona{},
		PrioritySlug: "notes-search",
	}
	for _, f := range []string{"adapters/claude.yaml", "adapters/codex.json", "adapters/lint-check.yaml"} {
		a := mustLoad[contract.Adapter](t, f)
		in.Adapters[a.ID] = a
	}
	for _, f := range []string{"personas/lead.yaml", "personas/builder.yaml", "personas/verifier.yaml", "personas/reviewer.json"} {
		p := mustLoad[contract.Persona](t, f)
		in.Personas[p.ID] = p
	}
	return in
}

func TestCheckLaunchExampleIsClean(t *testing.T) {
	assert.Empty(t, contract.CheckLaunch(exampleInput(t)))
	in := exampleInput(t)
	in.Route = mustLoad[contract.Route](t, "routes/review.yaml")
	in.Boundary, in.PrioritySlug = nil, ""
	assert.Empty(t, contract.CheckLaunch(in))
}

func TestCheckLaunch(t *testing.T) {
	setLane := func(in *contract.LaunchInput, id string, fn func(*contract.ProfileLane)) {
		l := in.Profile.Lanes[id]
		fn(&l)
		in.Profile.Lanes[id] = l
	}
	tests := []struct {
		name     string
		change   func(in *contract.LaunchInput)
		code     string
		lane     string
		severity contract.Severity
	}{
		{"NoRoute", func(in *contract.LaunchInput) { in.Route = nil }, contract.IssueRouteMissing, "", contract.SeverityBlock},
		{"NoProfile", func(in *contract.LaunchInput) { in.Profile = nil }, contract.IssueProfileMissing, "", contract.SeverityBlock},
		{"MissingLane", func(in *contract.LaunchInput) { delete(in.Profile.Lanes, "builder") }, contract.IssueMissingLane, "builder", contract.SeverityBlock},
		{"MissingAdapter", func(in *contract.LaunchInput) { delete(in.Adapters, "codex") }, contract.IssueMissingAdapter, "builder", contract.SeverityBlock},
		{"MissingFallbackAdapter", func(in *contract.LaunchInput) {
			setLane(in, "builder", func(l *contract.ProfileLane) { l.FallbackAdapter = "demo" })
		}, contract.IssueMissingFallbackAdapter, "builder", contract.SeverityBlock},
		{"AdapterNotAllowed", func(in *contract.LaunchInput) {
			setLane(in, "verifiers.lint", func(l *contract.ProfileLane) { l.Adapter = "claude" })
		}, contract.IssueAdapterNotAllowed, "verifiers.lint", contract.SeverityBlock},
		{"UnsupportedAdapter", func(in *contract.LaunchInput) { in.Adapters["codex"].AvailabilityCheck.Supported = new(false) }, contract.IssueUnsupportedAdapter, "builder", contract.SeverityBlock},
		{"WriterWithReadOnlyAdapter", func(in *contract.LaunchInput) {
			in.Adapters["codex"].WriteCapability = contract.WriteNone
		}, contract.IssueWriterReadOnlyAdapter, "builder", contract.SeverityBlock},
		{"InteractiveRequired", func(in *contract.LaunchInput) {
			in.Adapters["claude"].Capabilities.Interactive = false
			in.Adapters["claude"].PromptDelivery = contract.DeliverFile
		}, contract.IssueInteractiveRequired, "lead", contract.SeverityBlock},
		{"MissingCapability", func(in *contract.LaunchInput) { in.Adapters["codex"].Capabilities.Shell = false }, contract.IssueMissingCapability, "builder", contract.SeverityBlock},
		{"MissingEvidenceCapability", func(in *contract.LaunchInput) {
			in.Adapters["codex"].EvidenceCapabilities = []string{"transcript"}
		}, contract.IssueMissingEvidenceCapability, "builder", contract.SeverityBlock},
		{"VerifierWriteNotDisabled", func(in *contract.LaunchInput) {
			setLane(in, "verifiers.primary", func(l *contract.ProfileLane) { l.CanWrite = true })
			in.Route.WritePolicy = contract.WriteBoundedWriters
		}, contract.IssueVerifierWriteNotDisabled, "verifiers.primary", contract.SeverityBlock},
		{"VerifierAdapterNotExplicit", func(in *contract.LaunchInput) {
			r := in.Route.LaneRequirements["verifiers.primary"]
			r.AllowWriteCapableAdapterWhenWritesDisabled = false
			in.Route.LaneRequirements["verifiers.primary"] = r
		}, contract.IssueVerifierAdapterNotExplicit, "verifiers.primary", contract.SeverityBlock},
		{"SandboxNotSupported", func(in *contract.LaunchInput) {
			setLane(in, "builder", func(l *contract.ProfileLane) { l.Sandbox = contract.SandboxFullAccess })
		}, contract.IssueSandboxNotSupported, "builder", contract.SeverityBlock},
		{"WriterWithReadOnlySandbox", func(in *contract.LaunchInput) {
			setLane(in, "builder", func(l *contract.ProfileLane) { l.Sandbox = contract.SandboxReadOnly })
		}, contract.IssueWriterReadOnlySandbox, "builder", contract.SeverityBlock},
		{"ModelNotPassed", func(in *contract.LaunchInput) { in.Adapters["codex"].ModelFlag = nil }, contract.IssueModelNotPassed, "builder", contract.SeverityWarn},
		{"PersonaMissing", func(in *contract.LaunchInput) { delete(in.Personas, "verifier") }, contract.IssuePersonaMissing, "verifiers.primary", contract.SeverityBlock},
		{"PersonaRouteNotAllowed", func(in *contract.LaunchInput) { in.Personas["builder"].AllowedRoutes = []string{"other"} }, contract.IssuePersonaRouteNotAllowed, "builder", contract.SeverityBlock},
		{"OneWriterViolation", func(in *contract.LaunchInput) {
			setLane(in, "lead", func(l *contract.ProfileLane) { l.CanWrite = true })
		}, contract.IssueOneWriterViolation, "", contract.SeverityBlock},
		{"ReadOnlyRouteWriter", func(in *contract.LaunchInput) {
			in.Route.WritePolicy = contract.WriteReadOnly
		}, contract.IssueReadOnlyRouteWriter, "builder", contract.SeverityBlock},
		{"ModelRoleUnknownLane", func(in *contract.LaunchInput) {
			in.Route.ModelRoles = &contract.ModelRoles{Builder: &contract.RoleRef{Lane: "ghost"}}
		}, contract.IssueModelRoleInvalid, "ghost", contract.SeverityBlock},
		{"ModelRoleUnknownAdapter", func(in *contract.LaunchInput) {
			in.Route.ModelRoles = &contract.ModelRoles{Orchestrator: &contract.RoleRef{Adapter: "gemini"}}
		}, contract.IssueModelRoleInvalid, "", contract.SeverityBlock},
		{"PriorityOwnerNotSupported", func(in *contract.LaunchInput) {
			in.Route.SupportedPriorityOwners = []string{"readme-tidy"}
		}, contract.IssuePriorityOwnerNotSupported, "", contract.SeverityBlock},
		{"BoundaryMissing", func(in *contract.LaunchInput) { in.Boundary = nil }, contract.IssueBoundaryMissing, "", contract.SeverityWarn},
		{"WriterScopeEmpty", func(in *contract.LaunchInput) {
			in.Boundary = nil
			setLane(in, "builder", func(l *contract.ProfileLane) { l.WriteBoundary = nil })
		}, contract.IssueWriterScopeEmpty, "builder", contract.SeverityBlock},
		{"BoundarySlugMismatch", func(in *contract.LaunchInput) { in.PrioritySlug = "readme-tidy" }, contract.IssueBoundarySlugMismatch, "", contract.SeverityBlock},
		{"BoundaryRouteMismatch", func(in *contract.LaunchInput) { in.Boundary.RouteIDs = []string{"review"} }, contract.IssueBoundaryRouteMismatch, "", contract.SeverityBlock},
		{"BoundaryWriterMissing", func(in *contract.LaunchInput) { delete(in.Boundary.WriterLanes, "builder") }, contract.IssueBoundaryWriterMissing, "builder", contract.SeverityBlock},
		{"BoundaryEmptyAllowed", func(in *contract.LaunchInput) {
			in.Boundary.WriterLanes["builder"] = contract.Scope{Allowed: []string{}}
		}, contract.IssueBoundaryEmptyAllowed, "builder", contract.SeverityBlock},
		{"BoundaryUnknownLane", func(in *contract.LaunchInput) {
			in.Boundary.WriterLanes["ghost"] = contract.Scope{Allowed: []string{"x/"}}
		}, contract.IssueBoundaryUnknownLane, "ghost", contract.SeverityWarn},
		{"BoundaryInvalid", func(in *contract.LaunchInput) {
			in.Boundary.WriterLanes["builder"] = contract.Scope{Allowed: []string{"/abs"}}
		}, contract.IssueBoundaryInvalid, "", contract.SeverityBlock},
		{"RouteInvalid", func(in *contract.LaunchInput) { in.Route.Lead = "ghost" }, contract.IssueRouteInvalid, "", contract.SeverityBlock},
		{"ProfileInvalid", func(in *contract.LaunchInput) { in.Profile.Label = "" }, contract.IssueProfileInvalid, "", contract.SeverityBlock},
		{"AdapterInvalid", func(in *contract.LaunchInput) { in.Adapters["lint-check"].Command = "make lint" }, contract.IssueAdapterInvalid, "", contract.SeverityBlock},
		{"AdapterKeyMismatch", func(in *contract.LaunchInput) { in.Adapters["other"] = in.Adapters["codex"] }, contract.IssueAdapterInvalid, "", contract.SeverityBlock},
		{"PersonaInvalid", func(in *contract.LaunchInput) { in.Personas["lead"].Mode = "boss" }, contract.IssuePersonaInvalid, "", contract.SeverityBlock},
		{"GitCommitLaneNotLaunched", func(in *contract.LaunchInput) {
			in.Route.OrchestratorCommit = nil
			in.Route.GitCommitPolicy = &contract.GitCommitPolicy{Mode: "writer-lane", WriterLanes: []string{"builder"}}
			in.Route.InitialLanes = []string{"lead"}
		}, contract.IssueGitCommitLaneMissing, "builder", contract.SeverityBlock},
		{"TopologyPersonaMissing", func(in *contract.LaunchInput) {
			in.Route.TopologyOptions = []contract.TopologyOption{{ID: "x", Lanes: []string{"lead"}, RequiredPersonas: []string{"designer"}}}
		}, contract.IssueTopologyPersonaMissing, "", contract.SeverityWarn},
		{"ImplementationOwnerNotWriter", func(in *contract.LaunchInput) {
			in.Route.ImplementationOwnership.OwnerLane = "lead"
		}, contract.IssueImplementationOwnerNotWriter, "lead", contract.SeverityWarn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := exampleInput(t)
			tc.change(&in)
			issues := contract.CheckLaunch(in)
			var found *contract.Issue
			for i := range issues {
				if issues[i].Code == tc.code && issues[i].Lane == tc.lane {
					found = &issues[i]
				}
			}
			require.NotNil(t, found, "want %s on lane %q, got %v", tc.code, tc.lane, issues)
			assert.Equal(t, tc.severity, found.Severity)
			assert.NotEmpty(t, found.Message)
			// A warning case changes nothing that blocks.
			assert.Equal(t, tc.severity == contract.SeverityBlock, contract.Blocking(issues), "%v", issues)
		})
	}
}

func TestCheckLaunchSkipsPersonasWhenNil(t *testing.T) {
	in := exampleInput(t)
	in.Personas = nil
	assert.Empty(t, contract.CheckLaunch(in))
	in.Personas = map[string]*contract.Persona{}
	assert.True(t, contract.Blocking(contract.CheckLaunch(in)), "an empty persona set means every persona is missing")
}

func TestLaneScope(t *testing.T) {
	in := exampleInput(t)
	s, src := contract.LaneScope(in.Route, in.Profile, in.Boundary, "builder")
	assert.Equal(t, contract.ScopeFromBoundary, src)
	assert.True(t, s.Allows("src/search/index.go"))
	assert.False(t, s.Allows("src/api/handler.go"))

	s, src = contract.LaneScope(in.Route, in.Profile, nil, "builder")
	assert.Equal(t, contract.ScopeFromProfile, src)
	assert.True(t, s.Allows("src/api/handler.go"))
	assert.False(t, s.Allows("src/vendor/x.go"))

	in.Route.OrchestratorCommit.LaneWriteScopes = map[string]contract.Scope{"builder": {Allowed: []string{"docs/"}}}
	s, src = contract.LaneScope(in.Route, in.Profile, nil, "builder")
	assert.Equal(t, contract.ScopeFromRoute, src)
	assert.True(t, s.Allows("docs/a.md"))

	s, _ = contract.LaneScope(in.Route, in.Profile, nil, "nobody")
	assert.False(t, s.Allows("src/a.go"), "an unknown lane may write nothing")
}
