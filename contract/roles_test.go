package contract_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestResolveModelRoles(t *testing.T) {
	profile := &contract.ModelRoles{
		Orchestrator:   &contract.RoleRef{Lane: "lead"},
		Builder:        &contract.RoleRef{Lane: "builder"},
		Planning:       &contract.PlanningRoles{Primary: contract.RoleRefs{{Lane: "lead"}}, Audit: contract.RoleRefs{{Lane: "reviewer"}}},
		FallbackPolicy: "ask-founder",
	}
	route := &contract.ModelRoles{
		Builder:            &contract.RoleRef{Lane: "builder2"},
		Planning:           &contract.PlanningRoles{Audit: contract.RoleRefs{{Adapter: "claude"}}},
		SubstitutionPolicy: "strict",
	}
	before := string(mustJSON(t, profile))
	got := contract.ResolveModelRoles(profile, route)
	assert.Equal(t, "lead", got.Orchestrator.Lane, "kept from the profile")
	assert.Equal(t, "builder2", got.Builder.Lane, "replaced by the route")
	assert.Equal(t, "lead", got.Planning.Primary[0].Lane, "slot the route leaves empty is kept")
	assert.Equal(t, "claude", got.Planning.Audit[0].Adapter, "slot the route sets replaces")
	assert.Equal(t, "ask-founder", got.FallbackPolicy)
	assert.Equal(t, "strict", got.SubstitutionPolicy)
	assert.Equal(t, before, string(mustJSON(t, profile)), "inputs are not modified")

	assert.Nil(t, contract.ResolveModelRoles(nil, nil))
	assert.Equal(t, "builder2", contract.ResolveModelRoles(nil, route).Builder.Lane)
	assert.Equal(t, "builder", contract.ResolveModelRoles(profile, nil).Builder.Lane)
}

func TestValidateGoValues(t *testing.T) {
	r := &contract.JobResult{
		Status: contract.StatusPass, Persona: "builder", Adapter: "codex", CanWrite: true,
		FilesChanged: []string{"src/a.go"}, Summary: "done", Findings: []string{}, Evidence: []string{},
		ResidualRisk: []string{}, NextAction: "review",
	}
	err := contract.Validate(r)
	list := problemsOf(t, err)
	assert.True(t, hasProblem(list, "evidence", "pass-needs-evidence"))
	for _, p := range list {
		assert.Zero(t, p.Line, "a value built in Go has no lines")
	}
	r.Evidence = []string{"test.log"}
	assert.NoError(t, r.Validate())

	assert.Error(t, contract.Validate("not a contract"))
	assert.Error(t, contract.Validate((*contract.Route)(nil)))
}
