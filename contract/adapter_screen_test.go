package contract_test

import (
	"reflect"
	"strings"
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
	a, err := contract.Parse[contract.Adapter]("x.yaml", []byte(good+"submitKeys: [Escape, C-j]\n"))
	require.NoError(t, err)
	assert.Equal(t, "trust", a.Dialogs[0].Name)
	assert.Equal(t, []string{"Escape", "C-j"}, a.SubmitKeys)
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
		"submit key":      "submitKeys: [Return]\n",
		"submit text":     "submitKeys: ['Enter \\; kill-server']\n",
		"submit last":     "submitKeys: [Enter, Escape]\n",
		"submit long":     "submitKeys: [Escape, Escape, Escape, Escape, Enter]\n",
	} {
		_, err := contract.Parse[contract.Adapter]("x.yaml", []byte(base+bad))
		assert.Error(t, err, name)
	}
}

// TestSubmitKeys: the allow-list of submit keys is the same in the
// validator's rule, the JSON schema and ValidSubmitKeys, and a sequence
// must end with a key that submits.
func TestSubmitKeys(t *testing.T) {
	f, ok := reflect.TypeFor[contract.Adapter]().FieldByName("SubmitKeys")
	require.True(t, ok)
	_, oneof, _ := strings.Cut(f.Tag.Get("validate"), "oneof=")
	assert.Equal(t, contract.SubmitKeyNames(), strings.Fields(oneof), "validate tag")
	var enum []string
	for part := range strings.SplitSeq(f.Tag.Get("jsonschema"), ",") {
		if v, ok := strings.CutPrefix(part, "enum="); ok {
			enum = append(enum, v)
		}
	}
	assert.Equal(t, contract.SubmitKeyNames(), enum, "jsonschema tag")
	for _, k := range contract.SubmitKeyNames() {
		assert.NotContains(t, k, " ", "a key name is one tmux argument")
	}

	for _, good := range [][]string{nil, {"Enter"}, {"C-m"}, {"C-j"}, {"M-Enter"}, {"Escape", "Enter"}, {"Tab", "Escape", "Escape", "C-j"}} {
		assert.True(t, contract.ValidSubmitKeys(good), "%q", good)
	}
	for _, bad := range [][]string{{"Escape"}, {"Tab"}, {"Enter", "Escape"}, {"enter"}, {"Enter;"}, {"Escape", "Escape", "Escape", "Escape", "Enter"}, {""}} {
		assert.False(t, contract.ValidSubmitKeys(bad), "%q", bad)
	}
}
