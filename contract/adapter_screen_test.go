package contract_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
)

// llmAdapterYAML is a minimal valid declaration of an interactive CLI
// taking its prompt in argv.
const llmAdapterYAML = `id: x
label: X
kind: llm-cli
command: x
args: ["--", "{prompt}"]
availabilityCheck: {commandExists: x}
capabilities: {interactive: true, initialPrompt: true, stdinDispatch: true, resultFile: true, transcriptCapture: true, streamingDetection: true, screenshots: false, dom: false, console: false, shell: true, fileEdit: true}
writeCapability: repo
sandboxModes: [read-only]
approvalModes: [never]
resultContract: job-result
evidenceCapabilities: [transcript]
failureModes: [unknown]
`

// TestAdapterDialogsAndMCP: dialogs and the MCP registration are
// validated like the rest of a declaration, and the MCP args join the
// command line only when a result channel is given.
func TestAdapterDialogsAndMCP(t *testing.T) {
	base := llmAdapterYAML
	good := base + `dialogs:
  - {name: trust, pattern: 'Trust[\s\x{00A0}]+this', fix: trust it}
mcp:
  args: ["--mcp", "{mcpConfig}"]
  sandboxArgs: {read-only: ["--allow", "{ledgerDir}"]}
  env: {X_SETTINGS: "{mcpConfig}"}
  settings: {folderTrust: false}
`
	a, err := contract.Parse[contract.Adapter]("x.yaml", []byte(good))
	require.NoError(t, err)
	assert.Equal(t, "trust", a.Dialogs[0].Name)
	in := contract.ArgvInput{Prompt: "p", Sandbox: contract.SandboxReadOnly, LedgerDir: "/l", MCPConfig: "/l/mcp.json"}
	assert.Equal(t, []string{"x", "--", "p"}, a.Argv(in), "no result channel: no MCP args")
	in.MCPCommand, in.MCPArgs = "/bin/cocoder", []string{"agent", "mcp"}
	assert.Equal(t, []string{"x", "--mcp", "/l/mcp.json", "--allow", "/l", "--", "p"}, a.Argv(in))
	assert.Equal(t, `["agent","mcp"]`, in.Expand("{mcpArgs}"))

	for name, bad := range map[string]string{
		"dialog regexp":   "dialogs: [{name: trust, pattern: '[a-', fix: f}]\n",
		"dialog fix":      "dialogs: [{name: trust, pattern: 'x'}]\n",
		"mcp placeholder": "mcp: {args: ['{nope}']}\n",
		"mcp env name":    "mcp: {env: {'1BAD': x}}\n",
		"root mode":       "notAsRoot: [everything]\n",
	} {
		_, err := contract.Parse[contract.Adapter]("x.yaml", []byte(base+bad))
		assert.Error(t, err, name)
	}
}
