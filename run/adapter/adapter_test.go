package adapter_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/adapter"
)

func shipped(t *testing.T) map[string]*contract.Adapter {
	t.Helper()
	m, err := adapter.Shipped()
	require.NoError(t, err, "a shipped adapter declaration is broken")
	return m
}

func TestShippedAdapters(t *testing.T) {
	m := shipped(t)
	want := []string{"aider", "claude", "codex", "command", "cursor-agent", "demo", "gemini", "grok", "kimi", "opencode"}
	got := slices.Sorted(func(yield func(string) bool) {
		for id := range m {
			if !yield(id) {
				return
			}
		}
	})
	assert.Equal(t, want, got)
	for id, a := range m {
		t.Run(id, func(t *testing.T) {
			require.NoError(t, a.Validate())
			assert.Equal(t, id, a.ID)
			assert.True(t, a.Available(), "shipped adapters are usable")
			if a.PromptDelivery == contract.DeliverType {
				assert.NotEmpty(t, a.ReadyPattern, "a typed prompt needs a ready pattern to wait for")
			}
			if a.Kind == contract.KindLLMCLI {
				assert.NotEmpty(t, a.ModelFlag, "the profile's model must reach the CLI")
				assert.NotEmpty(t, a.VersionArgs)
			}
			data, err := os.ReadFile(filepath.Join("adapters", id+".yaml"))
			require.NoError(t, err, "each declaration lives in adapters/<id>.yaml")
			if a.Kind == contract.KindLLMCLI {
				assert.True(t, strings.Contains(string(data), "checked against"), "the file records what its flags were checked against")
			}
		})
	}
}

func TestShippedAdaptersAreCopies(t *testing.T) {
	a := shipped(t)
	a["claude"].Args[0] = "changed"
	a["claude"].SandboxFlags[contract.SandboxReadOnly][0] = "changed"
	delete(a, "codex")
	b := shipped(t)
	assert.Equal(t, "--", b["claude"].Args[0])
	assert.Equal(t, "--permission-mode", b["claude"].SandboxFlags[contract.SandboxReadOnly][0])
	assert.Contains(t, b, "codex")
}

// TestBuildArgvShipped pins the exact command line of every shipped adapter
// for a writer lane and a read-only lane, with and without a model, and for a
// full-access lane. A nil command line means the adapter refuses that sandbox
// mode because the CLI cannot honour it.
func TestBuildArgvShipped(t *testing.T) {
	const (
		ws     = "/ws/repo"
		prompt = "/home/u/.cocoder/runs/ws/r-1/lanes/writer/prompt.md"
		self   = "/usr/local/bin/cocoder"
	)
	line := "Read and follow the CoCoder lane prompt at " + prompt
	type want struct{ writer, writerModel, reader, readerModel, full []string }
	cases := map[string]want{
		"claude": {
			writer:      []string{"claude", "--permission-mode", "acceptEdits", "--", line},
			writerModel: []string{"claude", "--model", "opus", "--permission-mode", "acceptEdits", "--", line},
			reader:      []string{"claude", "--permission-mode", "dontAsk", "--allowedTools", "Read,Grep,Glob", "--", line},
			readerModel: []string{"claude", "--model", "opus", "--permission-mode", "dontAsk", "--allowedTools", "Read,Grep,Glob", "--", line},
			full:        []string{"claude", "--dangerously-skip-permissions", "--", line},
		},
		"codex": {
			writer:      []string{"codex", "--sandbox", "workspace-write", "--ask-for-approval", "never", "--cd", ws, "--", line},
			writerModel: []string{"codex", "--model", "opus", "--sandbox", "workspace-write", "--ask-for-approval", "never", "--cd", ws, "--", line},
			reader:      []string{"codex", "--sandbox", "read-only", "--ask-for-approval", "never", "--cd", ws, "--", line},
			readerModel: []string{"codex", "--model", "opus", "--sandbox", "read-only", "--ask-for-approval", "never", "--cd", ws, "--", line},
			full:        []string{"codex", "--sandbox", "danger-full-access", "--ask-for-approval", "never", "--cd", ws, "--", line},
		},
		"gemini": {
			writer:      []string{"gemini", "--approval-mode", "auto_edit", "--skip-trust", "--prompt-interactive", line},
			writerModel: []string{"gemini", "--model", "opus", "--approval-mode", "auto_edit", "--skip-trust", "--prompt-interactive", line},
			reader:      []string{"gemini", "--approval-mode", "plan", "--skip-trust", "--prompt-interactive", line},
			readerModel: []string{"gemini", "--model", "opus", "--approval-mode", "plan", "--skip-trust", "--prompt-interactive", line},
			full:        []string{"gemini", "--approval-mode", "yolo", "--skip-trust", "--prompt-interactive", line},
		},
		"cursor-agent": {
			writer:      []string{"cursor-agent", "--sandbox", "enabled", "--force", "--workspace", ws, "--", line},
			writerModel: []string{"cursor-agent", "--model", "opus", "--sandbox", "enabled", "--force", "--workspace", ws, "--", line},
			reader:      []string{"cursor-agent", "--mode", "plan", "--sandbox", "enabled", "--workspace", ws, "--", line},
			readerModel: []string{"cursor-agent", "--model", "opus", "--mode", "plan", "--sandbox", "enabled", "--workspace", ws, "--", line},
			full:        []string{"cursor-agent", "--sandbox", "disabled", "--force", "--workspace", ws, "--", line},
		},
		"grok": {
			writer:      []string{"grok", "--sandbox", "workspace", "--always-approve", "--cwd", ws, "--no-auto-update"},
			writerModel: []string{"grok", "--model", "opus", "--sandbox", "workspace", "--always-approve", "--cwd", ws, "--no-auto-update"},
			reader:      []string{"grok", "--sandbox", "read-only", "--always-approve", "--cwd", ws, "--no-auto-update"},
			readerModel: []string{"grok", "--model", "opus", "--sandbox", "read-only", "--always-approve", "--cwd", ws, "--no-auto-update"},
			full:        []string{"grok", "--sandbox", "off", "--always-approve", "--cwd", ws, "--no-auto-update"},
		},
		"kimi": {
			writer:      nil, // no workspace-write: --auto would run any command unconfined
			writerModel: nil,
			reader:      []string{"kimi", "--plan"},
			readerModel: []string{"kimi", "--model", "opus", "--plan"},
			full:        []string{"kimi", "--yolo"},
		},
		"aider": {
			writer:      []string{"aider", "--no-suggest-shell-commands", "--yes-always", "--no-check-update", "--no-auto-commits", "--no-gitignore", "--no-pretty"},
			writerModel: []string{"aider", "--model", "opus", "--no-suggest-shell-commands", "--yes-always", "--no-check-update", "--no-auto-commits", "--no-gitignore", "--no-pretty"},
			reader:      []string{"aider", "--chat-mode", "ask", "--dry-run", "--no-suggest-shell-commands", "--yes-always", "--no-check-update", "--no-auto-commits", "--no-gitignore", "--no-pretty"},
			readerModel: []string{"aider", "--model", "opus", "--chat-mode", "ask", "--dry-run", "--no-suggest-shell-commands", "--yes-always", "--no-check-update", "--no-auto-commits", "--no-gitignore", "--no-pretty"},
			full:        []string{"aider", "--yes-always", "--no-check-update", "--no-auto-commits", "--no-gitignore", "--no-pretty"},
		},
		"opencode": {
			writer:      []string{"opencode", ws, "--prompt", line},
			writerModel: []string{"opencode", "--model", "opus", ws, "--prompt", line},
			reader:      []string{"opencode", "--agent", "plan", ws, "--prompt", line},
			readerModel: []string{"opencode", "--model", "opus", "--agent", "plan", ws, "--prompt", line},
			full:        nil, // full access exists only for `opencode run`, an env value or newer TUI versions
		},
		"command": {
			writer:      []string{"cocoder-lane-command", prompt},
			writerModel: []string{"cocoder-lane-command", prompt}, // no modelFlag: CheckLaunch warns model-not-passed
			reader:      []string{"cocoder-lane-command", prompt},
			readerModel: []string{"cocoder-lane-command", prompt},
			full:        nil,
		},
		"demo": {
			writer:      []string{self, "agent", "demo", "--sandbox", "workspace-write", "--approval", "never", "--workdir", ws},
			writerModel: []string{self, "agent", "demo", "--model", "opus", "--sandbox", "workspace-write", "--approval", "never", "--workdir", ws},
			reader:      []string{self, "agent", "demo", "--sandbox", "read-only", "--approval", "never", "--workdir", ws},
			readerModel: []string{self, "agent", "demo", "--model", "opus", "--sandbox", "read-only", "--approval", "never", "--workdir", ws},
			full:        []string{self, "agent", "demo", "--sandbox", "danger-full-access", "--approval", "never", "--workdir", ws},
		},
	}
	adapters := shipped(t)
	require.Len(t, cases, len(adapters), "every shipped adapter has pinned command lines")
	writer := contract.ProfileLane{Persona: "writer", CanWrite: true}
	reader := contract.ProfileLane{Persona: "verifier"}
	full := contract.ProfileLane{Persona: "lead", CanWrite: true, Sandbox: contract.SandboxFullAccess}
	for id, w := range cases {
		a := adapters[id]
		require.NotNil(t, a, id)
		for _, tc := range []struct {
			name  string
			lane  contract.ProfileLane
			model string
			want  []string
		}{
			{"writer", writer, "", w.writer},
			{"writer-model", writer, "opus", w.writerModel},
			{"reader", reader, "", w.reader},
			{"reader-model", reader, "opus", w.readerModel},
			{"full", full, "", w.full},
		} {
			t.Run(id+"/"+tc.name, func(t *testing.T) {
				argv, err := adapter.Argv(a, adapter.LaneContext{
					Lane: tc.lane.Persona, Persona: tc.lane.Persona, Model: tc.model,
					Sandbox: adapter.SandboxFor(tc.lane), Workdir: ws, PromptFile: prompt, Self: self,
				})
				if tc.want == nil {
					require.Error(t, err, "the adapter must refuse a mode its CLI cannot honour")
					assert.Equal(t, errs.Invalid, errs.CodeOf(err))
					assert.NotContains(t, a.SandboxModes, contract.SandboxMode(adapter.SandboxFor(tc.lane)))
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tc.want, argv)
				if tc.model != "" && len(a.ModelFlag) > 0 {
					assert.Contains(t, argv, tc.model, "the profile's model reaches the CLI")
				}
			})
		}
	}
}

func TestBuildArgvFullAccess(t *testing.T) {
	a := shipped(t)
	lane := contract.ProfileLane{CanWrite: true, Sandbox: contract.SandboxFullAccess}
	lc := adapter.LaneContext{Lane: "lead", Sandbox: adapter.SandboxFor(lane), Workdir: "/w", PromptFile: "/p/prompt.md"}
	argv, err := adapter.Argv(a["claude"], lc)
	require.NoError(t, err)
	assert.Equal(t, []string{"claude", "--dangerously-skip-permissions", "--", "Read and follow the CoCoder lane prompt at /p/prompt.md"}, argv)
	argv, err = adapter.Argv(a["grok"], lc)
	require.NoError(t, err)
	assert.Equal(t, []string{"grok", "--sandbox", "off", "--always-approve", "--cwd", "/w", "--no-auto-update"}, argv)
}

// TestShippedReadOnlyArgvGrantsNoBypass keeps every shipped read-only command
// line free of the flags that make a CLI act without asking or outside its
// sandbox. grok's --always-approve is allowed: its read-only sandbox confines
// the agent process itself, so an approved write still fails.
func TestShippedReadOnlyArgvGrantsNoBypass(t *testing.T) {
	bypass := []string{
		"--force", "--yolo", "-y", "-f", "--auto", "--dangerously-skip-permissions",
		"--dangerously-bypass-approvals-and-sandbox", "danger-full-access", "bypassPermissions",
		"acceptEdits", "auto_edit", "yolo", "off", "disabled", "--suggest-shell-commands",
	}
	for id, a := range shipped(t) {
		t.Run(id, func(t *testing.T) {
			require.Contains(t, a.SandboxModes, contract.SandboxReadOnly, "every shipped adapter can staff a read-only lane")
			argv, err := adapter.Argv(a, adapter.LaneContext{
				Lane: "verifier", Sandbox: "read-only", Workdir: "/w", PromptFile: "/p/prompt.md", Self: "/bin/cocoder",
			})
			require.NoError(t, err)
			for _, flag := range bypass {
				assert.NotContains(t, argv, flag)
			}
			if a.Kind == contract.KindLLMCLI {
				assert.NotEmpty(t, a.SandboxFlags[contract.SandboxReadOnly], "an agent CLI's read-only lane selects its read-only or plan mode")
			}
		})
	}
}

// TestShippedReadyPatterns checks that the composer counts as ready and a
// numbered dialog option (the trust and approval menus) does not.
func TestShippedReadyPatterns(t *testing.T) {
	a := shipped(t)
	tests := []struct {
		id, screen string
		ready      bool
	}{
		{"claude", "──────\n❯ \n──────\n  ? for shortcuts", true},
		{"claude", "❯ Try \"fix the failing test\"", true},
		{"claude", "Quick safety check: Is this a project you created or one you trust?\n\n❯ 1. Yes, I trust this folder\n  2. No, exit", false},
		{"codex", "› Ask Codex to do anything\n\n  ? for shortcuts", true},
		{"codex", "Do you trust the contents of this directory?\n› 1. Yes, allow Codex to work in this folder\n  2. No, quit", false},
		{"cursor-agent", "  →\n  How can I help?", true},
		{"cursor-agent", "› 1. Yes", false},
	}
	for _, tc := range tests {
		re := regexp.MustCompile(a[tc.id].ReadyPattern)
		assert.Equal(t, tc.ready, re.MatchString(tc.screen), "%s: %q", tc.id, tc.screen)
	}
}

func TestBuildArgvValues(t *testing.T) {
	a := &contract.Adapter{
		ID: "x", Command: "tool",
		Args:          []string{"run", "--in={promptFile}", "--out", "{resultFile}", "--", "{prompt}"},
		ModelFlag:     []string{"-m", "{model}"},
		SandboxModes:  []contract.SandboxMode{contract.SandboxReadOnly},
		ApprovalModes: []contract.ApprovalMode{contract.ApprovalOnRequest},
	}
	tests := []struct {
		name string
		lc   adapter.LaneContext
		want []string
	}{
		{"SubcommandFirst", adapter.LaneContext{Sandbox: "read-only", Model: "provider/model-1.5", PromptFile: "/p", ResultFile: "/r", Prompt: "hi"},
			[]string{"tool", "run", "-m", "provider/model-1.5", "--in=/p", "--out", "/r", "--", "hi"}},
		{"ValuesStayLiteral", adapter.LaneContext{Sandbox: "read-only", PromptFile: "/a b/$(x)", ResultFile: "/r;rm -rf /", Prompt: "{model} `id` $HOME"},
			[]string{"tool", "run", "--in=/a b/$(x)", "--out", "/r;rm -rf /", "--", "{model} `id` $HOME"}},
		{"DefaultPromptLine", adapter.LaneContext{Sandbox: "read-only", PromptFile: "/p/prompt.md", ResultFile: "/r"},
			[]string{"tool", "run", "--in=/p/prompt.md", "--out", "/r", "--", "Read and follow the CoCoder lane prompt at /p/prompt.md"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			argv, err := adapter.Argv(a, tc.lc)
			require.NoError(t, err)
			assert.Equal(t, tc.want, argv)
		})
	}
}

func TestBuildArgvRefuses(t *testing.T) {
	adapters := shipped(t)
	base := adapter.LaneContext{Lane: "writer", Sandbox: "workspace-write", Workdir: "/w", PromptFile: "/p/prompt.md", Self: "/bin/cocoder"}
	with := func(f func(*adapter.LaneContext)) adapter.LaneContext { lc := base; f(&lc); return lc }
	tests := []struct {
		name    string
		adapter string
		lc      adapter.LaneContext
		msg     string
	}{
		{"NoSandbox", "codex", with(func(l *adapter.LaneContext) { l.Sandbox = "" }), "no sandbox mode"},
		{"UnsupportedSandbox", "opencode", with(func(l *adapter.LaneContext) { l.Sandbox = "danger-full-access" }), `sandbox mode "danger-full-access"`},
		{"UnknownSandbox", "codex", with(func(l *adapter.LaneContext) { l.Sandbox = "yolo" }), `sandbox mode "yolo"`},
		{"UnsupportedApproval", "opencode", with(func(l *adapter.LaneContext) { l.Approval = "never" }), `approval mode "never"`},
		{"ModelLooksLikeFlag", "claude", with(func(l *adapter.LaneContext) { l.Model = "--dangerously-skip-permissions" }), "may not start with '-'"},
		{"ModelWithSpace", "claude", with(func(l *adapter.LaneContext) { l.Model = "opus --yolo" }), "spaces"},
		{"MissingWorkdir", "codex", with(func(l *adapter.LaneContext) { l.Workdir = "" }), "uses {workdir} but Workdir is empty"},
		{"RelativeWorkdir", "codex", with(func(l *adapter.LaneContext) { l.Workdir = "repo" }), "absolute"},
		{"MissingPrompt", "claude", with(func(l *adapter.LaneContext) { l.PromptFile = "" }), "uses {prompt}"},
		{"RelativePromptFile", "command", with(func(l *adapter.LaneContext) { l.PromptFile = "prompt.md" }), "absolute"},
		{"NoSelf", "demo", with(func(l *adapter.LaneContext) { l.Self = "" }), "LaneContext.Self"},
		{"NULInPrompt", "claude", with(func(l *adapter.LaneContext) { l.Prompt = "a\x00b" }), "NUL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := adapter.Argv(adapters[tc.adapter], tc.lc)
			require.Error(t, err)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err))
			assert.Contains(t, err.Error(), tc.msg)
			assert.Contains(t, err.Error(), "lane writer")
		})
	}
	_, err := adapter.Argv(nil, base)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
}

func TestSandboxFor(t *testing.T) {
	tests := []struct {
		name string
		lane contract.ProfileLane
		want string
	}{
		{"Reader", contract.ProfileLane{}, "read-only"},
		{"Writer", contract.ProfileLane{CanWrite: true}, "workspace-write"},
		{"ExplicitWins", contract.ProfileLane{CanWrite: true, Sandbox: contract.SandboxFullAccess}, "danger-full-access"},
		{"ExplicitReadOnlyWriter", contract.ProfileLane{CanWrite: true, Sandbox: contract.SandboxReadOnly}, "read-only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, adapter.SandboxFor(tc.lane)) })
	}
}

// declaration returns a valid adapter declaration with the given id and
// command.
func declaration(id, command string) string {
	return `id: ` + id + `
label: ` + id + `
kind: command
command: ` + command + `
args: ["{promptFile}"]
availabilityCheck: {commandExists: ` + command + `}
capabilities: {interactive: false, initialPrompt: true, stdinDispatch: false, resultFile: true, transcriptCapture: true, streamingDetection: false, screenshots: false, dom: false, console: false, shell: false, fileEdit: true}
writeCapability: bounded
sandboxModes: [read-only, workspace-write]
approvalModes: [never]
resultContract: job-result
evidenceCapabilities: [transcript]
failureModes: [unknown]
`
}

func TestLoadAdaptersOverrideOrder(t *testing.T) {
	home := filepath.Join(t.TempDir(), "adapters")
	ws := filepath.Join(t.TempDir(), "cocoder", "adapters")
	testkit.PutFile(t, filepath.Join(home, "claude.yaml"), declaration("claude", "claude-home"))
	testkit.PutFile(t, filepath.Join(home, "mine.yaml"), declaration("mine", "mine-home"))
	testkit.PutFile(t, filepath.Join(ws, "claude.yml"), declaration("claude", "claude-ws"))
	testkit.PutFile(t, filepath.Join(ws, "README.md"), "# not a declaration\n")
	testkit.PutFile(t, filepath.Join(ws, ".hidden.yaml"), "not: read\n")
	testkit.PutFile(t, filepath.Join(ws, "nested", "x.yaml"), "not: read\n")

	got, err := adapter.Load(home, ws, filepath.Join(t.TempDir(), "missing"))
	require.NoError(t, err)
	assert.Equal(t, "claude-ws", got["claude"].Command, "workspace wins over home and shipped")
	assert.Equal(t, "mine-home", got["mine"].Command, "a home declaration adds an adapter")
	assert.Equal(t, "codex", got["codex"].Command, "shipped adapters stay")

	got, err = adapter.Load(home)
	require.NoError(t, err)
	assert.Equal(t, "claude-home", got["claude"].Command, "home wins over shipped")

	got, err = adapter.Load()
	require.NoError(t, err)
	assert.Equal(t, "claude", got["claude"].Command)
}

func TestLoadAdaptersInvalid(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		msg   string
	}{
		{"UnknownField", map[string]string{"a.yaml": declaration("a", "a") + "colour: red\n"}, "colour"},
		{"BadPlaceholder", map[string]string{"a.yaml": strings.Replace(declaration("a", "a"), "{promptFile}", "{file}", 1)}, "unknown placeholder"},
		{"DuplicateID", map[string]string{"a.yaml": declaration("same", "a"), "b.yaml": declaration("same", "b")}, "already declared"},
		{"Syntax", map[string]string{"a.json": "{"}, "a.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				testkit.PutFile(t, filepath.Join(dir, name), data)
			}
			got, err := adapter.Load(dir)
			require.Error(t, err)
			assert.Nil(t, got, "nothing is returned when a file is invalid")
			var ve *contract.ValidationError
			require.True(t, errors.As(err, &ve), "got %T: %v", err, err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.True(t, errors.Is(err, errs.ErrInvalid))
		})
	}
	t.Run("Endless", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
		_, err := adapter.Load(dir)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		assert.ErrorContains(t, err, "zero.yaml leads outside")
	})
	t.Run("NotADirectory", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "file")
		testkit.PutFile(t, f, "x")
		_, err := adapter.Load(f)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
}

func TestApplyConfig(t *testing.T) {
	a := shipped(t)
	off := false
	adapter.ApplyConfig(a, map[string]contract.ConfigAdapter{
		"command": {Command: "/opt/bin/my-agent"},
		"kimi":    {Enabled: &off},
		"nope":    {Command: "x"},
	})
	assert.Equal(t, "/opt/bin/my-agent", a["command"].Command)
	assert.Equal(t, "/opt/bin/my-agent", a["command"].AvailabilityCheck.CommandExists)
	assert.NotContains(t, a, "kimi")
	assert.NotContains(t, a, "nope")
	argv, err := adapter.Argv(a["command"], adapter.LaneContext{Sandbox: "workspace-write", PromptFile: "/p/prompt.md"})
	require.NoError(t, err)
	assert.Equal(t, []string{"/opt/bin/my-agent", "/p/prompt.md"}, argv)
}

func TestShippedAdaptersPassCheckLaunch(t *testing.T) {
	// Each shipped adapter can staff a writer lane and a read-only lane of
	// a simple route without a blocking issue.
	adapters := shipped(t)
	for id := range adapters {
		t.Run(id, func(t *testing.T) {
			route := &contract.Route{ID: "r", Label: "r", Lead: "lead", Teammates: []string{"writer"}, Lanes: []string{"lead", "writer"},
				Gates: []contract.Gate{}, WritePolicy: contract.WriteOneWriter}
			writer := contract.ProfileLane{Persona: "writer", Adapter: id, CanWrite: true, WriteBoundary: []string{"src/**"}}
			if !slices.Contains(adapters[id].SandboxModes, contract.SandboxWorkspaceWrite) {
				// A CLI without an honest workspace-write mode (kimi) writes
				// only when the lane asks for full access explicitly.
				writer.Sandbox = contract.SandboxFullAccess
			}
			profile := &contract.Profile{ID: "p", Label: "p", Lanes: map[string]contract.ProfileLane{
				"lead":   {Persona: "lead", Adapter: id},
				"writer": writer,
			}}
			for _, is := range contract.CheckLaunch(contract.LaunchInput{Route: route, Profile: profile, Adapters: adapters}) {
				assert.NotEqual(t, contract.SeverityBlock, is.Severity, is.String())
			}
		})
	}
}

// updateGolden makes TestShippedAdaptersMatchSources rewrite the built-in
// declarations from their sources.
var updateGolden = flag.Bool("update", false, "rewrite shipped_adapters.json from adapters/")

// TestShippedAdaptersMatchSources keeps the binary's built-in declarations
// (run/adapter/shipped_adapters.json, decoded at start-up) equal to their sources,
// the YAML files of run/adapter/adapters/, loaded strictly and validated. With
// -update it rewrites the JSON from the sources.
func TestShippedAdaptersMatchSources(t *testing.T) {
	// Load overrides every shipped declaration whose id has a
	// source file, so its result is the sources; an id only in the JSON
	// would survive and fail the comparison too.
	sources, err := adapter.Load("adapters")
	require.NoError(t, err)
	require.NotEmpty(t, sources)
	if *updateGolden {
		b, err := json.MarshalIndent(sources, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile("shipped_adapters.json", append(b, '\n'), 0o644))
		return
	}
	built, err := adapter.Shipped()
	require.NoError(t, err)
	require.Equal(t, sources, built, "run/adapter/shipped_adapters.json is stale: run go test ./run/adapter -run TestShippedAdaptersMatchSources -update")
	for id, a := range built {
		b, err := json.Marshal(a)
		require.NoError(t, err)
		_, err = contract.Parse[contract.Adapter](id+".json", b)
		require.NoError(t, err, "built-in declaration %s validates", id)
	}
}
