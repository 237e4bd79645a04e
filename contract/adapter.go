package contract

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// AdapterKind classifies an adapter.
type AdapterKind string

// The adapter kinds.
const (
	// KindLLMCLI is an agent CLI such as claude or codex.
	KindLLMCLI AdapterKind = "llm-cli"
	// KindScript is a script runner (tests, browser checks).
	KindScript AdapterKind = "script"
	// KindFutureCLI is a declared but not yet supported CLI; it is never
	// available.
	KindFutureCLI AdapterKind = "future-cli"
	// KindManualIngest is a lane whose result a human supplies.
	KindManualIngest AdapterKind = "manual-ingest"
	// KindCommand is any other command.
	KindCommand AdapterKind = "command"
)

// PromptDelivery is how a lane's prompt reaches the CLI.
type PromptDelivery string

// The prompt delivery modes.
const (
	// DeliverArg puts the prompt text (or its file path) in argv through
	// the {prompt} or {promptFile} placeholder.
	DeliverArg PromptDelivery = "arg"
	// DeliverStdin writes the prompt to the CLI's standard input.
	DeliverStdin PromptDelivery = "stdin"
	// DeliverFile tells the CLI the prompt file's path through
	// {promptFile}.
	DeliverFile PromptDelivery = "file"
	// DeliverType types the prompt into the CLI's terminal once its
	// readyPattern shows.
	DeliverType PromptDelivery = "type"
)

// WriteCapability is how much an adapter can write.
type WriteCapability string

// The write capabilities.
const (
	WriteNone    WriteCapability = "none"
	WriteBounded WriteCapability = "bounded"
	WriteRepo    WriteCapability = "repo"
)

// ApprovalMode is when an agent CLI asks before acting.
type ApprovalMode string

// The approval modes.
const (
	ApprovalNever     ApprovalMode = "never"
	ApprovalOnRequest ApprovalMode = "on-request"
)

// The argv placeholders an adapter's args, modelFlag, sandboxFlags and
// approvalFlags may use.
const (
	PlaceholderPrompt     = "{prompt}"
	PlaceholderPromptFile = "{promptFile}"
	PlaceholderModel      = "{model}"
	PlaceholderWorkdir    = "{workdir}"
	PlaceholderResultFile = "{resultFile}"
	// PlaceholderLedgerDir is the run's ledger directory (the lane's
	// prompt, the startup packet), for flags that let the CLI read it.
	PlaceholderLedgerDir = "{ledgerDir}"
	// PlaceholderMCPConfig is the path of the lane's MCP settings file the
	// engine writes (see MCPRegistration).
	PlaceholderMCPConfig = "{mcpConfig}"
	// PlaceholderMCPCommand is the result channel's program as a JSON
	// string (valid TOML too), for CLIs configured with -c key=value.
	PlaceholderMCPCommand = "{mcpCommand}"
	// PlaceholderMCPArgs is the result channel's arguments as a JSON array
	// of strings (valid TOML too).
	PlaceholderMCPArgs = "{mcpArgs}"
	// PlaceholderHookSettings is the path of the lane's hook settings file
	// the engine writes (see HookRegistration).
	PlaceholderHookSettings = "{hookSettings}"
)

var placeholders = []string{PlaceholderPrompt, PlaceholderPromptFile, PlaceholderModel, PlaceholderWorkdir, PlaceholderResultFile,
	PlaceholderLedgerDir, PlaceholderMCPConfig, PlaceholderMCPCommand, PlaceholderMCPArgs, PlaceholderHookSettings}

// Adapter declares an execution backend: how to start an agent CLI (or a
// script), how to hand it its prompt and model, what it can do and how it
// fails. Adapters are data: nothing in the engine is specific to one CLI.
type Adapter struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// ID names the adapter; profile lanes refer to it.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// Label is the display name.
	Label string `json:"label" yaml:"label" jsonschema:"required,minLength=1" validate:"required"`
	// Kind classifies the adapter.
	Kind AdapterKind `json:"kind" yaml:"kind" jsonschema:"required,enum=llm-cli,enum=script,enum=future-cli,enum=manual-ingest,enum=command" validate:"required,oneof=llm-cli script future-cli manual-ingest command"`
	// Command is the program to run: a name looked up in PATH, or a path.
	// Arguments go in Args.
	Command string `json:"command" yaml:"command" jsonschema:"required,minLength=1,pattern=^[^\\s]+$" validate:"required,program"`
	// CommandEnv is accepted for compatibility and has no effect: the
	// engine always passes an explicit environment.
	//
	// Deprecated: declare required variables in Env.
	CommandEnv string `json:"commandEnv,omitempty" yaml:"commandEnv,omitempty"`
	// Args is the argv template after the command. Elements may contain
	// the placeholders {prompt}, {promptFile}, {model}, {workdir} and
	// {resultFile}.
	Args []string `json:"args,omitempty" yaml:"args,omitempty" validate:"omitempty,dive,placeholders"`
	// PromptDelivery is how the prompt reaches the CLI. Default: "file"
	// when Args uses {promptFile}, "arg" when it uses {prompt}, "type" for
	// an interactive CLI, else "stdin".
	PromptDelivery PromptDelivery `json:"promptDelivery,omitempty" yaml:"promptDelivery,omitempty" jsonschema:"enum=arg,enum=stdin,enum=file,enum=type" validate:"omitempty,oneof=arg stdin file type"`
	// ModelFlag is inserted when the lane names a model, e.g.
	// ["--model", "{model}"]; left out when it does not.
	ModelFlag []string `json:"modelFlag,omitempty" yaml:"modelFlag,omitempty" validate:"omitempty,dive,placeholders"`
	// SandboxFlags maps a sandbox mode to the flags that select it.
	SandboxFlags map[SandboxMode][]string `json:"sandboxFlags,omitempty" yaml:"sandboxFlags,omitempty" validate:"omitempty,dive,keys,oneof=read-only workspace-write danger-full-access,endkeys,dive,placeholders"`
	// ApprovalFlags maps an approval mode to the flags that select it.
	ApprovalFlags map[ApprovalMode][]string `json:"approvalFlags,omitempty" yaml:"approvalFlags,omitempty" validate:"omitempty,dive,keys,oneof=never on-request,endkeys,dive,placeholders"`
	// Env lists environment variables the CLI needs. A lane's value for
	// each comes only from a secret reference, never from a literal.
	Env []string `json:"env,omitempty" yaml:"env,omitempty" jsonschema:"pattern=^[A-Za-z_][A-Za-z0-9_]*$,uniqueItems=true" validate:"omitempty,uniq,dive,envname"`
	// ReadyPattern is a regular expression that matches the CLI's screen
	// when it is ready for typed input.
	ReadyPattern string `json:"readyPattern,omitempty" yaml:"readyPattern,omitempty" validate:"omitempty,regexp"`
	// BusyPattern is a regular expression that matches the CLI's screen
	// while it is working.
	BusyPattern string `json:"busyPattern,omitempty" yaml:"busyPattern,omitempty" validate:"omitempty,regexp"`
	// SubmitKeys are the keys that submit text typed into the CLI, pressed
	// one at a time after the paste, as tmux key names from
	// SubmitKeyNames (e.g. ["Enter"], or ["Escape", "Enter"] for a TUI that
	// must leave an editing mode first). The last must be one that submits
	// (Enter, C-m, C-j or M-Enter). Default: ["Enter"].
	SubmitKeys []string `json:"submitKeys,omitempty" yaml:"submitKeys,omitempty" jsonschema:"enum=Enter,enum=C-m,enum=C-j,enum=M-Enter,enum=Escape,enum=Tab,maxItems=4" validate:"omitempty,max=4,dive,oneof=Enter C-m C-j M-Enter Escape Tab"`
	// Dialogs are the screens the CLI is known to stop at before or while
	// it works (folder trust, API-key approval, onboarding, a permission
	// prompt, login). The engine never answers one: a lane showing one is
	// reported as needing attention, with the dialog's name and fix.
	Dialogs []Dialog `json:"dialogs,omitempty" yaml:"dialogs,omitempty" validate:"omitempty,dive"`
	// NotAsRoot lists the sandbox modes the CLI refuses to run in as the
	// root user (Claude Code's --dangerously-skip-permissions exits at
	// once); the engine refuses such a lane before it starts.
	NotAsRoot []SandboxMode `json:"notAsRoot,omitempty" yaml:"notAsRoot,omitempty" jsonschema:"enum=read-only,enum=workspace-write,enum=danger-full-access,uniqueItems=true" validate:"omitempty,uniq,dive,oneof=read-only workspace-write danger-full-access"`
	// MCP registers CoCoder's result channel with the CLI: the MCP server
	// `cocoder agent mcp` offering the tool submit_result, through which
	// the lane reports its job result in any sandbox mode. Without it the
	// lane writes its result file itself.
	MCP *MCPRegistration `json:"mcp,omitempty" yaml:"mcp,omitempty"`
	// Hooks make the CLI report its own state (busy, idle, waiting at a
	// permission prompt, a prompt taken) through `cocoder agent hook`: the
	// lane's status then comes from the vendor, with the screen as the
	// fallback.
	Hooks *HookRegistration `json:"hooks,omitempty" yaml:"hooks,omitempty"`
	// VersionArgs are the arguments that make the command print its
	// version, e.g. ["--version"].
	VersionArgs []string `json:"versionArgs,omitempty" yaml:"versionArgs,omitempty" validate:"omitempty,dive,required"`
	// AvailabilityCheck says how to tell whether the adapter can run here.
	AvailabilityCheck AvailabilityCheck `json:"availabilityCheck" yaml:"availabilityCheck" jsonschema:"required"`
	// Capabilities the adapter has.
	Capabilities Capabilities `json:"capabilities" yaml:"capabilities" jsonschema:"required"`
	// WriteCapability is how much the adapter can write.
	WriteCapability WriteCapability `json:"writeCapability" yaml:"writeCapability" jsonschema:"required,enum=none,enum=bounded,enum=repo" validate:"required,oneof=none bounded repo"`
	// SandboxModes the adapter supports.
	SandboxModes []SandboxMode `json:"sandboxModes" yaml:"sandboxModes" jsonschema:"required,enum=read-only,enum=workspace-write,enum=danger-full-access,uniqueItems=true" validate:"required,uniq,dive,oneof=read-only workspace-write danger-full-access"`
	// ApprovalModes the adapter supports.
	ApprovalModes []ApprovalMode `json:"approvalModes" yaml:"approvalModes" jsonschema:"required,enum=never,enum=on-request,uniqueItems=true" validate:"required,uniq,dive,oneof=never on-request"`
	// ResultContract is the contract of the results it writes.
	ResultContract string `json:"resultContract" yaml:"resultContract" jsonschema:"required,enum=job-result" validate:"required,oneof=job-result"`
	// EvidenceCapabilities are the kinds of evidence it can produce.
	EvidenceCapabilities []string `json:"evidenceCapabilities" yaml:"evidenceCapabilities" jsonschema:"required,enum=transcript,enum=screenshot,enum=dom,enum=console,enum=command-output,enum=diff,enum=test-result,enum=human-confirmation,uniqueItems=true" validate:"required,uniq,dive,oneof=transcript screenshot dom console command-output diff test-result human-confirmation"`
	// FailureModes are the ways it is known to fail.
	FailureModes []string `json:"failureModes" yaml:"failureModes" jsonschema:"required,enum=missing-cli,enum=auth-expired,enum=stalled-tui,enum=refusal,enum=no-result-file,enum=permission-prompt,enum=rate-limit,enum=unknown,uniqueItems=true" validate:"required,uniq,dive,oneof=missing-cli auth-expired stalled-tui refusal no-result-file permission-prompt rate-limit unknown"`
}

// AvailabilityCheck says how to tell whether an adapter can run on this
// machine.
type AvailabilityCheck struct {
	// CommandExists is the program that must be found in PATH.
	CommandExists string `json:"commandExists" yaml:"commandExists" jsonschema:"required,minLength=1,pattern=^[^\\s]+$" validate:"required,program"`
	// VersionCommand is a human-readable version command (descriptive;
	// the engine runs Command with VersionArgs).
	VersionCommand string `json:"versionCommand,omitempty" yaml:"versionCommand,omitempty"`
	// AuthHint tells the user how to sign in when the CLI is not
	// authenticated.
	AuthHint string `json:"authHint,omitempty" yaml:"authHint,omitempty"`
	// Supported false marks an adapter that is never available here.
	Supported *bool `json:"supported,omitempty" yaml:"supported,omitempty"`
	// RequiredEnv lists environment variables that must be set.
	RequiredEnv []string `json:"requiredEnv,omitempty" yaml:"requiredEnv,omitempty" jsonschema:"pattern=^[A-Za-z_][A-Za-z0-9_]*$" validate:"omitempty,dive,envname"`
	// RequiredFiles lists files that must exist (e.g. a credentials file).
	RequiredFiles []string `json:"requiredFiles,omitempty" yaml:"requiredFiles,omitempty" validate:"omitempty,dive,required"`
}

// Capabilities are the adapter's capability flags. Every flag must be
// stated.
type Capabilities struct {
	// Interactive: the CLI is a terminal UI that stays open.
	Interactive bool `json:"interactive" yaml:"interactive" jsonschema:"required"`
	// InitialPrompt: the CLI accepts a first prompt at start.
	InitialPrompt bool `json:"initialPrompt" yaml:"initialPrompt" jsonschema:"required"`
	// StdinDispatch: later messages can be typed into it.
	StdinDispatch bool `json:"stdinDispatch" yaml:"stdinDispatch" jsonschema:"required"`
	// ResultFile: it can write the lane's result file.
	ResultFile bool `json:"resultFile" yaml:"resultFile" jsonschema:"required"`
	// TranscriptCapture: its output can be captured as a transcript.
	TranscriptCapture bool `json:"transcriptCapture" yaml:"transcriptCapture" jsonschema:"required"`
	// StreamingDetection: its working/idle state can be told from output.
	StreamingDetection bool `json:"streamingDetection" yaml:"streamingDetection" jsonschema:"required"`
	// Screenshots: it can take screenshots.
	Screenshots bool `json:"screenshots" yaml:"screenshots" jsonschema:"required"`
	// DOM: it can read a page's DOM.
	DOM bool `json:"dom" yaml:"dom" jsonschema:"required"`
	// Console: it can read a browser console.
	Console bool `json:"console" yaml:"console" jsonschema:"required"`
	// Shell: it can run shell commands.
	Shell bool `json:"shell" yaml:"shell" jsonschema:"required"`
	// FileEdit: it can edit files.
	FileEdit bool `json:"fileEdit" yaml:"fileEdit" jsonschema:"required"`
}

// Has reports whether the capability named c is set. Unknown names are
// false.
func (c Capabilities) Has(name Capability) bool {
	switch name {
	case "interactive":
		return c.Interactive
	case "initialPrompt":
		return c.InitialPrompt
	case "stdinDispatch":
		return c.StdinDispatch
	case "resultFile":
		return c.ResultFile
	case "transcriptCapture":
		return c.TranscriptCapture
	case "streamingDetection":
		return c.StreamingDetection
	case "screenshots":
		return c.Screenshots
	case "dom":
		return c.DOM
	case "console":
		return c.Console
	case "shell":
		return c.Shell
	case "fileEdit":
		return c.FileEdit
	}
	return false
}

// Validate checks the adapter and returns nil or a *ValidationError.
func (a *Adapter) Validate() error { return Validate(a) }

// Available reports whether the declaration allows the adapter to run at
// all: not a future CLI and not marked unsupported. Whether its command is
// installed is for the run engine to find out.
func (a *Adapter) Available() bool {
	if a.Kind == KindFutureCLI {
		return false
	}
	return a.AvailabilityCheck.Supported == nil || *a.AvailabilityCheck.Supported
}

// CanWrite reports whether the adapter can change files at all.
func (a *Adapter) CanWrite() bool { return a.WriteCapability != "" && a.WriteCapability != WriteNone }

// ArgvInput holds the values that fill an adapter's argv placeholders.
type ArgvInput struct {
	// Prompt replaces {prompt}: the prompt text itself.
	Prompt string
	// PromptFile replaces {promptFile}: the path of the lane's prompt.md.
	PromptFile string
	// Model replaces {model}; when empty, ModelFlag is left out.
	Model string
	// Workdir replaces {workdir}: the directory the lane works in.
	Workdir string
	// ResultFile replaces {resultFile}: where the lane writes its result.
	ResultFile string
	// LedgerDir replaces {ledgerDir}: the run's ledger directory.
	LedgerDir string
	// MCPConfig replaces {mcpConfig}: the lane's MCP settings file.
	MCPConfig string
	// MCPCommand replaces {mcpCommand} and MCPArgs {mcpArgs}, each encoded
	// as JSON. With MCPCommand set, the MCP registration's args are added.
	MCPCommand string
	MCPArgs    []string
	// HookSettings replaces {hookSettings}: the lane's hook settings file.
	// With HookSettings set, the hook registration's args are added.
	HookSettings string
	// Sandbox selects SandboxFlags.
	Sandbox SandboxMode
	// Approval selects ApprovalFlags.
	Approval ApprovalMode
}

// Argv builds the command line for one lane: Command, then ModelFlag (only
// when in.Model is set), then SandboxFlags[in.Sandbox], then
// ApprovalFlags[in.Approval], then (when in.MCPCommand is set and the
// adapter registers an MCP server) MCP.Args and MCP.SandboxArgs[in.Sandbox],
// then (when in.HookSettings is set and the adapter registers hooks)
// Hooks.Args, then Args, with every placeholder replaced by its value. Values are
// never split or passed through a shell.
func (a *Adapter) Argv(in ArgvInput) []string {
	r := in.replacer()
	argv := []string{a.Command}
	add := func(list []string) {
		for _, s := range list {
			argv = append(argv, r.Replace(s))
		}
	}
	if in.Model != "" {
		add(a.ModelFlag)
	}
	add(a.SandboxFlags[in.Sandbox])
	add(a.ApprovalFlags[in.Approval])
	if a.MCP != nil && in.MCPCommand != "" {
		add(a.MCP.Args)
		add(a.MCP.SandboxArgs[in.Sandbox])
	}
	if a.Hooks != nil && in.HookSettings != "" {
		add(a.Hooks.Args)
	}
	add(a.Args)
	return argv
}

// Expand replaces the placeholders of s with in's values, as Argv does.
func (in ArgvInput) Expand(s string) string { return in.replacer().Replace(s) }

func (in ArgvInput) replacer() *strings.Replacer {
	return strings.NewReplacer(
		PlaceholderPrompt, in.Prompt,
		PlaceholderPromptFile, in.PromptFile,
		PlaceholderModel, in.Model,
		PlaceholderWorkdir, in.Workdir,
		PlaceholderResultFile, in.ResultFile,
		PlaceholderLedgerDir, in.LedgerDir,
		PlaceholderMCPConfig, in.MCPConfig,
		PlaceholderMCPCommand, jsonText(in.MCPCommand),
		PlaceholderMCPArgs, jsonText(in.MCPArgs),
		PlaceholderHookSettings, in.HookSettings,
	)
}

// jsonText is v as JSON without HTML escaping; a JSON string or array of
// strings is also a valid TOML value.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (a *Adapter) setDefaults() {
	if a.PromptDelivery != "" {
		return
	}
	switch {
	case argsUse(a.Args, PlaceholderPromptFile):
		a.PromptDelivery = DeliverFile
	case argsUse(a.Args, PlaceholderPrompt):
		a.PromptDelivery = DeliverArg
	case a.Capabilities.Interactive:
		a.PromptDelivery = DeliverType
	default:
		a.PromptDelivery = DeliverStdin
	}
}

func argsUse(list []string, placeholder string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, placeholder) })
}

func (a *Adapter) check(p *problems) {
	if a.Hooks != nil {
		a.Hooks.check(p)
	}
	if len(a.ModelFlag) > 0 && !argsUse(a.ModelFlag, PlaceholderModel) {
		p.add("modelFlag", "placeholder", "modelFlag must contain {model}, e.g. [\"--model\", \"{model}\"]")
	}
	for _, mode := range sortedKeys(a.SandboxFlags) {
		if !slices.Contains(a.SandboxModes, mode) {
			p.add(join("sandboxFlags", string(mode)), "unknown-mode", "sandbox mode %q has flags but is not in sandboxModes; add it there or remove the flags", mode)
		}
	}
	for _, mode := range sortedKeys(a.ApprovalFlags) {
		if !slices.Contains(a.ApprovalModes, mode) {
			p.add(join("approvalFlags", string(mode)), "unknown-mode", "approval mode %q has flags but is not in approvalModes; add it there or remove the flags", mode)
		}
	}
	if k := a.SubmitKeys; len(k) > 0 && slices.Contains(submitKeyNames, k[len(k)-1]) && !slices.Contains(submittingKeys, k[len(k)-1]) {
		p.add(index("submitKeys", len(k)-1), "submit-key", "submitKeys must end with a key that submits (%s); %s may only come before it", strings.Join(submittingKeys, ", "), k[len(k)-1])
	}
	switch a.PromptDelivery {
	case DeliverArg:
		if !argsUse(a.Args, PlaceholderPrompt) && !argsUse(a.Args, PlaceholderPromptFile) {
			p.add("promptDelivery", "prompt-delivery", "promptDelivery \"arg\" needs {prompt} or {promptFile} in args")
		}
	case DeliverFile:
		if !argsUse(a.Args, PlaceholderPromptFile) {
			p.add("promptDelivery", "prompt-delivery", "promptDelivery \"file\" needs {promptFile} in args")
		}
	case DeliverType:
		if !a.Capabilities.Interactive {
			p.add("promptDelivery", "prompt-delivery", "promptDelivery \"type\" needs an interactive CLI; set capabilities.interactive or choose arg, file or stdin")
		}
	}
}

func (a *Adapter) warnings() []Problem {
	if a.CommandEnv == "" {
		return nil
	}
	return []Problem{{Path: "commandEnv", Rule: "deprecated", Message: "commandEnv has no effect: the engine always passes an explicit environment; list required variables in env and remove commandEnv"}}
}

var placeholderRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{[^{}]*\}`) })

// placeholderProblem explains an unknown placeholder in an argv element.
func placeholderProblem(s string) string {
	for _, m := range placeholderRE().FindAllString(s, -1) {
		if !slices.Contains(placeholders, m) {
			return fmt.Sprintf("unknown placeholder %s in %s; use %s", clip(m), quote(s), strings.Join(placeholders, ", "))
		}
	}
	return ""
}

// regexpProblem explains why s does not compile as a regular expression.
func regexpProblem(s string) string {
	if _, err := regexp.Compile(s); err != nil {
		return err.Error()
	}
	return ""
}
