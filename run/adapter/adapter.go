package adapter

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
)

// shippedJSON holds the adapter declarations built into the binary: the
// YAML files of run/adapters/, loaded, validated and defaulted, then stored
// as one JSON object by id, so that a cold start decodes one small JSON
// document instead of strictly parsing and validating ten YAML files (about
// 3 ms, which every cocoder validate and run start paid). The YAML files
// are the source; a test fails when this file no longer matches them
// (`go test ./run -run TestShippedAdaptersMatchSources -update` rewrites
// it).
//
//go:embed shipped_adapters.json
var shippedJSON []byte

// SelfCommand is the command of an adapter that runs the cocoder
// executable itself (the built-in demo agent). Argv replaces it with
// LaneContext.Self; an availability check treats it as always installed.
const SelfCommand = "{self}"

// DefaultApproval is the approval mode of a lane that does not name one:
// lanes run unattended, so a CLI that stopped to ask would stall the lane.
// It applies only to adapters that declare it in approvalModes.
const DefaultApproval = contract.ApprovalNever

// PromptLine returns the short text handed to an agent CLI as its prompt:
// one line that points at the lane's prompt file. Long text always goes
// through the file, so what is typed or passed in argv stays short.
func PromptLine(promptFile string) string {
	return "Read and follow the CoCoder lane prompt at " + promptFile
}

var shipped = sync.OnceValues(func() (map[string]*contract.Adapter, error) {
	var m map[string]*contract.Adapter
	if err := json.Unmarshal(shippedJSON, &m); err != nil {
		return nil, errs.Wrap(errs.Internal, "adapter.Shipped", err, "the built-in adapter declarations do not decode")
	}
	return m, nil
})

// Shipped returns the adapter declarations built into the binary,
// by id: claude, codex, gemini, cursor-agent, grok, kimi, aider, opencode,
// command and demo. They are parsed and validated once; each call returns
// fresh copies the caller may change.
func Shipped() (map[string]*contract.Adapter, error) {
	m, err := shipped()
	if err != nil {
		return nil, err
	}
	return cloneAdapters(m), nil
}

// Load returns the shipped adapters overridden, by id, by the
// declarations found in each directory in turn: a later directory wins over
// an earlier one and every directory wins over the shipped set. The Runner
// passes <home>/adapters then <workspace>/cocoder/adapters, so a workspace
// declaration beats the home's, which beats the shipped one.
//
// A directory holds one declaration per .yaml, .yml or .json file (other
// files, such as a README, are ignored; subdirectories are not read). A
// missing directory is skipped. Every file is read strictly: invalid files
// make Load fail with their *contract.ValidationError (several are
// joined), and nothing is returned.
func Load(dirs ...string) (map[string]*contract.Adapter, error) {
	out, err := Shipped()
	if err != nil {
		return nil, err
	}
	var bad []error
	for _, dir := range dirs {
		found, err := loadDir(dir)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		maps.Copy(out, found)
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	return out, nil
}

// loadDir reads the declarations of one override directory. The
// directory is reached through a root on its parent and its files through
// a root on it: neither may lead elsewhere through a symlink (a
// repository's cocoder/adapters decides what runs), and only regular files
// are read, so a FIFO cannot hang the load.
func loadDir(dir string) (map[string]*contract.Adapter, error) {
	const op = "adapter.Load"
	r, err := fsx.RootIn(filepath.Dir(dir), dir)
	switch {
	case errors.Is(err, errs.ErrNotFound):
		return nil, nil
	case errs.CodeOf(err) == errs.Invalid:
		return nil, errs.Wrap(errs.Invalid, op, err, "adapter directory %s is refused; adapter declarations go in a directory of .yaml files", dir)
	case err != nil:
		return nil, errs.Wrap(errs.Internal, op, err, "cannot read adapter directory %s", dir)
	}
	defer r.Close()
	return loadFS(regularFS{r}, ".", dir)
}

// regularFS is an os.Root as an fs.FS whose files open only when they are
// regular files inside it (fsx.OpenRegularIn).
type regularFS struct{ r *os.Root }

func (f regularFS) Open(name string) (fs.File, error) {
	if name == "." {
		return f.r.Open(name)
	}
	return fsx.OpenRegularIn(f.r, name)
}

// loadFS parses every declaration file directly in dir of fsys. name, when
// given, is the directory's path as the user knows it, for messages.
func loadFS(fsys fs.FS, dir string, name ...string) (map[string]*contract.Adapter, error) {
	display := dir
	if len(name) > 0 {
		display = name[0]
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "adapter.Load", err, "cannot list adapter directory %s", display)
	}
	out := map[string]*contract.Adapter{}
	from := map[string]string{}
	var bad []error
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || !contract.IsContractFile(e.Name()) {
			continue
		}
		file := filepath.Join(display, e.Name())
		data, err := readDeclaration(fsys, path.Join(dir, e.Name()))
		if err != nil {
			bad = append(bad, errs.Wrap(errs.CodeOf(err), "adapter.Load", err, "cannot read %s", file))
			continue
		}
		if len(data) > contract.MaxFileSize {
			bad = append(bad, errs.E(errs.Invalid, "adapter.Load", "%s is larger than %d MiB; an adapter declaration is a small document", file, contract.MaxFileSize>>20))
			continue
		}
		a, err := contract.Parse[contract.Adapter](file, data)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		if prev, dup := from[a.ID]; dup {
			bad = append(bad, &contract.ValidationError{File: file, Problems: []contract.Problem{{
				Path: "id", Rule: "duplicate-id",
				Message: fmt.Sprintf("adapter id %q is already declared in %s; give one of them another id or remove it", a.ID, prev),
			}}})
			continue
		}
		from[a.ID] = file
		out[a.ID] = a
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	return out, nil
}

// ApplyConfig applies the per-machine adapter settings of a configuration
// (contract.Config.Adapters) to adapters, in place: a setting's command
// replaces the adapter's command (and the program its availability check
// looks for), and enabled: false removes the adapter. Settings for ids
// that are not declared are ignored.
func ApplyConfig(adapters map[string]*contract.Adapter, settings map[string]contract.ConfigAdapter) {
	for id, s := range settings {
		a, ok := adapters[id]
		if !ok || a == nil {
			continue
		}
		if s.Enabled != nil && !*s.Enabled {
			delete(adapters, id)
			continue
		}
		if s.Command != "" {
			a.Command = s.Command
			a.AvailabilityCheck.CommandExists = s.Command
		}
	}
}

// LaneContext is what Argv needs to know about one lane to fill an
// adapter's argv template.
type LaneContext struct {
	// Lane is the lane's name (for messages).
	Lane string
	// Persona is the lane's persona id.
	Persona string
	// Model is the model label from the profile; empty leaves the CLI on
	// its default model.
	Model string
	// Sandbox is the lane's sandbox mode: read-only, workspace-write or
	// danger-full-access (see SandboxFor). Required.
	Sandbox string
	// Approval is never or on-request; empty means DefaultApproval when the
	// adapter declares it, else the CLI's own default.
	Approval string
	// Workdir is the absolute directory the CLI works in (the workspace
	// root); it fills {workdir}.
	Workdir string
	// PromptFile is the absolute path of the lane's prompt.md; it fills
	// {promptFile}.
	PromptFile string
	// ResultFile is the absolute path of the lane's result.json; it fills
	// {resultFile}.
	ResultFile string
	// Prompt fills {prompt}; empty means PromptLine(PromptFile).
	Prompt string
	// Self is the absolute path of the cocoder executable, the command of
	// an adapter whose command is SelfCommand.
	Self string
	// LedgerDir is the run's ledger directory; it fills {ledgerDir}.
	LedgerDir string
	// ResultServer is the command line of the lane's result channel (the
	// program, then its arguments), for an adapter that registers one
	// (contract.Adapter.MCP); empty leaves the registration out and the
	// lane writes its result file itself. See ResultChannel.
	ResultServer []string
	// MCPConfig is the absolute path of the lane's MCP settings file,
	// which fills {mcpConfig}; the engine writes it with MCPSettings.
	MCPConfig string
	// HookFile is the absolute path of the lane's hook file, which the
	// hook program appends to, for an adapter that declares hooks
	// (contract.Adapter.Hooks); empty leaves the hooks out. See
	// HookSettings.
	HookFile string
	// HookSettings is the absolute path of the lane's hook settings file,
	// which fills {hookSettings}; the engine writes it with HookSettings.
	HookSettings string
}

// usesHooks reports whether a lane of a reports through hooks.
func (lc LaneContext) usesHooks(a *contract.Adapter) bool {
	return a.Hooks != nil && lc.HookFile != ""
}

// usesMCP reports whether a lane of a reports through the result channel.
func (lc LaneContext) usesMCP(a *contract.Adapter) bool {
	return a.MCP != nil && len(lc.ResultServer) > 0
}

// argvInput is the contract's view of lc.
func (lc LaneContext) argvInput(a *contract.Adapter, prompt string, sandbox contract.SandboxMode, approval contract.ApprovalMode) contract.ArgvInput {
	in := contract.ArgvInput{
		Prompt: prompt, PromptFile: lc.PromptFile, Model: lc.Model, Workdir: lc.Workdir,
		ResultFile: lc.ResultFile, LedgerDir: lc.LedgerDir, Sandbox: sandbox, Approval: approval,
	}
	if lc.usesMCP(a) {
		in.MCPConfig = lc.MCPConfig
		in.MCPCommand, in.MCPArgs = lc.ResultServer[0], lc.ResultServer[1:]
	}
	if lc.usesHooks(a) {
		in.HookSettings = lc.HookSettings
	}
	return in
}

// SandboxFor returns the sandbox mode of a profile lane: its explicit
// sandbox field when set, else workspace-write for a lane that can write and
// read-only for one that cannot.
func SandboxFor(lane contract.ProfileLane) string {
	return string(lane.SandboxMode())
}

// Argv returns the command line that starts adapter a for a lane: the
// command, then the model flag (only when lc.Model is set), the sandbox
// flags of the lane's mode and the approval flags, then the adapter's args.
// When args begin with subcommand words (plain words without a placeholder
// and not starting with "-", such as "agent demo" or "exec"), the flags go
// after those words so the subcommand receives them.
//
// Placeholders ({prompt}, {promptFile}, {model}, {workdir}, {resultFile})
// are replaced inside each argument; a value is never split, quoted or
// given to a shell. The command SelfCommand becomes lc.Self.
//
// It returns an errs.Invalid error when the adapter cannot honour the lane
// (its sandbox or approval mode is not among the adapter's modes), when a
// value the template uses is missing or not absolute, or when the model
// label could be read as a flag.
func Argv(a *contract.Adapter, lc LaneContext) ([]string, error) {
	const op = "adapter.Argv"
	if a == nil {
		return nil, errs.E(errs.Invalid, op, "lane %s: no adapter given", lc.Lane)
	}
	bad := func(format string, args ...any) error {
		return errs.E(errs.Invalid, op, "lane %s, adapter %s: "+format, append([]any{lc.Lane, a.ID}, args...)...)
	}
	sandbox := contract.SandboxMode(lc.Sandbox)
	switch {
	case sandbox == "":
		return nil, bad("no sandbox mode given; set it from the profile lane (run.SandboxFor)")
	case !slices.Contains(a.SandboxModes, sandbox):
		return nil, bad("the adapter cannot run a lane in sandbox mode %q (its sandboxModes: %s); choose another adapter or set the lane's sandbox", sandbox, joinList(a.SandboxModes))
	}
	approval := contract.ApprovalMode(lc.Approval)
	switch {
	case approval == "" && slices.Contains(a.ApprovalModes, DefaultApproval):
		approval = DefaultApproval
	case approval != "" && !slices.Contains(a.ApprovalModes, approval):
		return nil, bad("the adapter does not offer approval mode %q (its approvalModes: %s)", approval, joinList(a.ApprovalModes))
	}
	if m := lc.Model; m != "" && (strings.HasPrefix(m, "-") || strings.ContainsFunc(m, isSpaceOrControl)) {
		return nil, bad("model %q is not a model label: it may not start with '-' or hold spaces or control characters", m)
	}
	prompt := lc.Prompt
	if prompt == "" && lc.PromptFile != "" {
		prompt = PromptLine(lc.PromptFile)
	}
	if strings.IndexByte(prompt, 0) >= 0 {
		return nil, bad("the prompt contains a NUL byte")
	}
	template := slices.Concat(a.ModelFlag, a.SandboxFlags[sandbox], a.ApprovalFlags[approval], a.Args)
	if lc.usesMCP(a) {
		template = slices.Concat(template, a.MCP.Args, a.MCP.SandboxArgs[sandbox], slices.Collect(maps.Values(a.MCP.Env)))
	}
	if lc.usesHooks(a) {
		template = slices.Concat(template, a.Hooks.Args)
	}
	for _, need := range []struct {
		placeholder, field, value string
		path                      bool
	}{
		{contract.PlaceholderWorkdir, "Workdir", lc.Workdir, true},
		{contract.PlaceholderPromptFile, "PromptFile", lc.PromptFile, true},
		{contract.PlaceholderResultFile, "ResultFile", lc.ResultFile, true},
		{contract.PlaceholderLedgerDir, "LedgerDir", lc.LedgerDir, true},
		{contract.PlaceholderMCPConfig, "MCPConfig", lc.MCPConfig, true},
		{contract.PlaceholderHookSettings, "HookSettings", lc.HookSettings, true},
		{contract.PlaceholderPrompt, "Prompt (or PromptFile)", prompt, false},
	} {
		if !usesPlaceholder(template, need.placeholder) {
			continue
		}
		switch {
		case need.value == "":
			return nil, bad("the adapter's argv uses %s but %s is empty", need.placeholder, need.field)
		case need.path && !filepath.IsAbs(need.value):
			return nil, bad("%s %q must be an absolute path", need.field, need.value)
		case strings.IndexByte(need.value, 0) >= 0:
			return nil, bad("%s contains a NUL byte", need.field)
		}
	}
	// Subcommand words lead the argv; contract.Adapter.Argv puts the flags
	// right after its command, so give it the rest of the args.
	lead := subcommandWords(a.Args)
	tmp := *a
	tmp.Args = a.Args[len(lead):]
	argv := tmp.Argv(lc.argvInput(a, prompt, sandbox, approval))
	if argv[0] == SelfCommand {
		if lc.Self == "" || !filepath.IsAbs(lc.Self) {
			return nil, bad("the adapter runs the cocoder executable (%s) but LaneContext.Self is %q; give its absolute path", SelfCommand, lc.Self)
		}
		argv[0] = lc.Self
	}
	return slices.Insert(argv, 1, lead...), nil
}

// subcommandWords returns the leading args that are plain words: no
// placeholder and no leading "-".
func subcommandWords(args []string) []string {
	n := 0
	for n < len(args) && args[n] != "" && !strings.HasPrefix(args[n], "-") && !strings.Contains(args[n], "{") {
		n++
	}
	return args[:n]
}

func usesPlaceholder(list []string, placeholder string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, placeholder) })
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

func joinList[S ~string](list []S) string {
	if len(list) == 0 {
		return "none"
	}
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// cloneAdapters deep-copies a set of declarations.
func cloneAdapters(m map[string]*contract.Adapter) map[string]*contract.Adapter {
	out := make(map[string]*contract.Adapter, len(m))
	for id, a := range m {
		c := *a
		c.Args = slices.Clone(a.Args)
		c.ModelFlag = slices.Clone(a.ModelFlag)
		c.SandboxFlags = cloneFlagMap(a.SandboxFlags)
		c.ApprovalFlags = cloneFlagMap(a.ApprovalFlags)
		c.Env = slices.Clone(a.Env)
		c.VersionArgs = slices.Clone(a.VersionArgs)
		c.AvailabilityCheck.RequiredEnv = slices.Clone(a.AvailabilityCheck.RequiredEnv)
		c.AvailabilityCheck.RequiredFiles = slices.Clone(a.AvailabilityCheck.RequiredFiles)
		if s := a.AvailabilityCheck.Supported; s != nil {
			v := *s
			c.AvailabilityCheck.Supported = &v
		}
		c.SandboxModes = slices.Clone(a.SandboxModes)
		c.ApprovalModes = slices.Clone(a.ApprovalModes)
		c.EvidenceCapabilities = slices.Clone(a.EvidenceCapabilities)
		c.FailureModes = slices.Clone(a.FailureModes)
		c.Dialogs = slices.Clone(a.Dialogs)
		c.NotAsRoot = slices.Clone(a.NotAsRoot)
		if a.MCP != nil {
			m := *a.MCP
			m.Args = slices.Clone(a.MCP.Args)
			m.SandboxArgs = cloneFlagMap(a.MCP.SandboxArgs)
			m.Env = maps.Clone(a.MCP.Env)
			m.Settings = maps.Clone(a.MCP.Settings) // values are never changed in place
			c.MCP = &m
		}
		if a.Hooks != nil {
			h := *a.Hooks
			h.Args = slices.Clone(a.Hooks.Args)
			h.Events = slices.Clone(a.Hooks.Events)
			c.Hooks = &h
		}
		out[id] = &c
	}
	return out
}

func cloneFlagMap[K comparable](m map[K][]string) map[K][]string {
	if m == nil {
		return nil
	}
	out := make(map[K][]string, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// readDeclaration reads the file name of fsys, at most one byte past
// contract.MaxFileSize: enough to see that a file is too large, whatever
// it is (a symlink to a device that never ends included).
func readDeclaration(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, contract.MaxFileSize+1))
}
