package contract

import "slices"

// submitKeyNames are the key names an adapter's submitKeys may use (the
// enum of Adapter.SubmitKeys' tags repeats them; a test keeps the three
// lists equal).
var submitKeyNames = []string{"Enter", "C-m", "C-j", "M-Enter", "Escape", "Tab"}

// submittingKeys are the keys a submitKeys sequence may end with.
var submittingKeys = []string{"Enter", "C-m", "C-j", "M-Enter"}

// SubmitKeyNames returns the key names an adapter's submitKeys may use:
// tmux key names, pressed as keys, never typed as text. The list is closed
// so that nothing declared reaches tmux's command parser or a shell as
// free text. Enter and C-m send a carriage return, C-j a line feed,
// M-Enter Escape and a carriage return as one key press; Escape and Tab
// may come before the key that submits.
func SubmitKeyNames() []string { return slices.Clone(submitKeyNames) }

// ValidSubmitKeys reports whether keys is a usable submit sequence: one to
// four names from SubmitKeyNames, the last one a key that submits (Enter,
// C-m, C-j or M-Enter). An empty sequence is valid and means ["Enter"].
func ValidSubmitKeys(keys []string) bool {
	if len(keys) == 0 {
		return true
	}
	if len(keys) > 4 || !slices.Contains(submittingKeys, keys[len(keys)-1]) {
		return false
	}
	for _, k := range keys {
		if !slices.Contains(submitKeyNames, k) {
			return false
		}
	}
	return true
}

// Dialog is a screen an agent CLI is known to show that stops it until a
// person answers: a folder-trust or API-key question, onboarding, a
// permission prompt, a login screen.
type Dialog struct {
	// Name identifies the dialog in reports, e.g. "trust", "api-key",
	// "onboarding", "permission", "login".
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1,maxLength=128,pattern=^[a-z0-9][a-z0-9._-]*$" validate:"required,max=128,slug"`
	// Pattern is a regular expression matched against each line of the
	// screen's last lines. Write it for the text, not for spacing: TUIs
	// pad with non-breaking spaces (U+00A0), which \s does not match; use
	// [\s\x{00A0}] or \p{Zs}.
	Pattern string `json:"pattern" yaml:"pattern" jsonschema:"required,minLength=1" validate:"required,regexp"`
	// Fix tells the user what to do, e.g. "run claude once in the
	// workspace and trust it".
	Fix string `json:"fix" yaml:"fix" jsonschema:"required,minLength=1" validate:"required"`
}

// MCPRegistration says how an agent CLI is told about CoCoder's result
// channel, an MCP server on standard input and output. The engine writes
// the lane's MCP settings file ({mcpConfig}):
//
//	{"mcpServers": {"cocoder": {"type": "stdio", "command": ..., "args": [...], "env": {}, "trust": true}}}
//
// merged with Settings, and adds Args (then SandboxArgs of the lane's
// mode) to the command line after the sandbox and approval flags, and
// Env to the lane's environment. Every value may use the argv
// placeholders, {mcpConfig}, {mcpCommand}, {mcpArgs} and {ledgerDir}
// included.
type MCPRegistration struct {
	// Args register the server and allow its tool, e.g. ["--mcp-config",
	// "{mcpConfig}", "--strict-mcp-config"].
	Args []string `json:"args,omitempty" yaml:"args,omitempty" validate:"omitempty,dive,placeholders"`
	// SandboxArgs are added after Args for a lane in that sandbox mode.
	SandboxArgs map[SandboxMode][]string `json:"sandboxArgs,omitempty" yaml:"sandboxArgs,omitempty" validate:"omitempty,dive,keys,oneof=read-only workspace-write danger-full-access,endkeys,dive,placeholders"`
	// Env are variables set in the lane's environment, e.g. a settings
	// path the CLI reads.
	Env map[string]string `json:"env,omitempty" yaml:"env,omitempty" validate:"omitempty,dive,keys,envname,endkeys,placeholders"`
	// Settings are more top-level entries of the settings file, next to
	// "mcpServers" (e.g. for a CLI that reads the file as its settings).
	Settings map[string]any `json:"settings,omitempty" yaml:"settings,omitempty"`
}
