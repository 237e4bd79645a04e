package contract_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
)

func TestAdapterArgv(t *testing.T) {
	codex := mustLoad[contract.Adapter](t, "adapters/codex.json")
	tests := []struct {
		name string
		in   contract.ArgvInput
		want []string
	}{
		{"ModelSandboxApproval", contract.ArgvInput{PromptFile: "/run/lanes/b/prompt.md", Model: "gpt-5.5", Workdir: "/repo", Sandbox: contract.SandboxWorkspaceWrite, Approval: contract.ApprovalNever},
			[]string{"codex", "--model", "gpt-5.5", "--sandbox", "workspace-write", "--ask-for-approval", "never", "--cd", "/repo", "--", "Read /run/lanes/b/prompt.md and follow it exactly."}},
		{"NoModelNoFlags", contract.ArgvInput{PromptFile: "p.md", Workdir: "/repo"},
			[]string{"codex", "--cd", "/repo", "--", "Read p.md and follow it exactly."}},
		{"ValuesStayLiteral", contract.ArgvInput{PromptFile: "a; rm -rf / $(x) {model}", Workdir: "w d"},
			[]string{"codex", "--cd", "w d", "--", "Read a; rm -rf / $(x) {model} and follow it exactly."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, codex.Argv(tc.in))
		})
	}
}

func TestAdapterPromptDeliveryDefault(t *testing.T) {
	base := mustLoad[contract.Adapter](t, "adapters/lint-check.yaml")
	tests := []struct {
		name        string
		args        []string
		interactive bool
		want        contract.PromptDelivery
	}{
		{"PromptFile", []string{"{promptFile}"}, false, contract.DeliverFile},
		{"PromptText", []string{"--", "{prompt}"}, true, contract.DeliverArg},
		{"Interactive", nil, true, contract.DeliverType},
		{"Otherwise", nil, false, contract.DeliverStdin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := *base
			a.PromptDelivery, a.Args, a.Capabilities.Interactive = "", tc.args, tc.interactive
			got, err := contract.Parse[contract.Adapter]("a.json", mustJSON(t, a))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.PromptDelivery)
		})
	}
}

func TestAdapterAvailability(t *testing.T) {
	a := mustLoad[contract.Adapter](t, "adapters/claude.yaml")
	assert.True(t, a.Available())
	assert.True(t, a.CanWrite())
	a.AvailabilityCheck.Supported = new(false)
	assert.False(t, a.Available())
	a.AvailabilityCheck.Supported = nil
	a.Kind = contract.KindFutureCLI
	assert.False(t, a.Available())
	assert.True(t, a.Capabilities.Has("fileEdit"))
	assert.False(t, a.Capabilities.Has("dom"))
	assert.False(t, a.Capabilities.Has("nonsense"))
}
