package demoagent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/demoagent"
	"github.com/cocoder/cocoder/internal/tmuxtest"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/run/prompt"
	"github.com/cocoder/cocoder/workspace"
)

// asAgentEnv makes the re-executed test binary run the demo agent.
const asAgentEnv = "DEMOAGENT_TEST_AS_AGENT"

func TestMain(m *testing.M) {
	if os.Getenv(asAgentEnv) == "1" {
		// Started like the cocoder binary ("agent demo ...") or directly.
		args := os.Args[1:]
		if len(args) >= 2 && args[0] == "agent" && args[1] == "demo" {
			args = args[2:]
		}
		os.Exit(demoagent.Main(args, os.Getenv, os.Stdin, os.Stdout))
	}
	os.Exit(tmuxtest.Main(m))
}

const runID = "r-20261124T140312Z-abcdefgh"

// lane describes the lane a test runs the demo agent in.
type lane struct {
	name, persona, model string
	canWrite             bool
	allowed, excluded    []string // the boundary's scope; nil allowed means the profile default
	priorityText         string   // the body under the priority heading
}

// fixture is a real git repository with a CoCoder workspace, a ledger
// directory and a rendered prompt.md for one lane.
type fixture struct {
	root, promptFile, resultFile string
	env                          map[string]string
}

func (f *fixture) getenv(k string) string { return f.env[k] }

func (f *fixture) result(t *testing.T) *contract.JobResult {
	t.Helper()
	r, err := contract.Load[contract.JobResult](f.resultFile)
	require.NoError(t, err)
	return r
}

func (f *fixture) read(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.root, rel))
	require.NoError(t, err)
	return string(data)
}

// gitStatus returns the porcelain status of the repository.
func (f *fixture) gitStatus(t *testing.T) string {
	return strings.TrimSpace(gitRun(t, f.root, "status", "--porcelain", "--untracked-files=all"))
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return string(out)
}

func newFixture(t *testing.T, l lane) *fixture {
	t.Helper()
	root := t.TempDir()
	_, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
	require.NoError(t, err)
	if l.priorityText == "" {
		l.priorityText = "**Status:** active\n\n**Files:** `cocoder/memory/demo-notes.md`\n"
	}
	prios := filepath.Join(root, "cocoder", "PRIORITIES.md")
	require.NoError(t, os.WriteFile(prios, []byte("# Priorities\n\n## Demo [demo-edit]\n\n"+l.priorityText), 0o644))
	gitRun(t, root, "init", "-q")
	gitRun(t, root, "add", "-A")
	gitRun(t, root, "commit", "-q", "-m", "init")

	profileYAML := fmt.Sprintf("id: p\nlabel: p\nlanes:\n  lead: {persona: lead, adapter: demo, canWrite: false}\n  %s: {persona: %s, adapter: demo, canWrite: %t, writeBoundary: [src/**]}\n", l.name, l.persona, l.canWrite)
	if l.name == "lead" {
		profileYAML = "id: p\nlabel: p\nlanes:\n  lead: {persona: lead, adapter: demo, canWrite: false}\n"
	}
	profile, err := contract.Parse[contract.Profile]("p.yaml", []byte(profileYAML))
	require.NoError(t, err)
	lanes := []string{"lead"}
	if l.name != "lead" {
		lanes = append(lanes, l.name)
	}
	route := &contract.Route{ID: "r", Label: "r", Lead: "lead", Teammates: lanes[1:], Lanes: lanes, Gates: []contract.Gate{}, WritePolicy: contract.WriteBoundedWriters}
	var boundary *contract.PriorityBoundary
	if l.allowed != nil && l.canWrite {
		boundary = &contract.PriorityBoundary{ID: "demo-edit", PrioritySlug: "demo-edit", Label: "d", WriterLanes: map[string]contract.Scope{l.name: {Allowed: l.allowed, Excluded: l.excluded}}}
	}
	prio, _ := workspace.FindPriority(prios, "demo-edit")
	packet, err := prompt.BuildPacket(prompt.PacketInput{
		RunID: runID, Route: route, Profile: profile, ProfileBytes: []byte(profileYAML), Boundary: boundary, Priority: prio,
		PrioritiesPath: prios, SessionLogPath: filepath.Join(root, "cocoder", "SESSION_LOG.md"), Workspace: root,
	})
	require.NoError(t, err)

	ledger := t.TempDir()
	laneDir := filepath.Join(ledger, "lanes", l.name)
	require.NoError(t, os.MkdirAll(laneDir, 0o755))
	scope, _ := contract.LaneScope(route, profile, boundary, l.name)
	text, err := prompt.RenderLane(prompt.LaneInput{
		RunID: runID, Lane: l.name, Persona: l.persona, Adapter: "demo", Model: l.model,
		Sandbox: adapter.SandboxFor(profile.Lanes[l.name]), StartupMode: prompt.StartupModeFor(route, l.name, l.persona),
		CanWrite: l.canWrite, Scope: scope, Workspace: root,
		PacketFile: filepath.Join(ledger, "startup-packet.json"), ResultFile: filepath.Join(laneDir, "result.json"),
		Packet: packet, PromptsDir: filepath.Join(root, "cocoder", "prompts"),
	})
	require.NoError(t, err)
	promptFile := filepath.Join(laneDir, "prompt.md")
	require.NoError(t, os.WriteFile(promptFile, []byte(text), 0o644))
	return &fixture{
		root: root, promptFile: promptFile, resultFile: filepath.Join(laneDir, "result.json"),
		env: map[string]string{
			"COCODER_RUN_ID": runID, "COCODER_LANE": l.name, "COCODER_WORKSPACE": root,
			"COCODER_RESULT_FILE": filepath.Join(laneDir, "result.json"),
		},
	}
}

var writer = lane{name: "writer", persona: "writer", canWrite: true, allowed: []string{"cocoder/memory/demo-notes.md", "src/**"}}

// runAgent runs the demo agent in-process and returns its exit code and
// output.
func runAgent(t *testing.T, f *fixture, stdin string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := demoagent.MainContext(t.Context(), args, f.getenv, strings.NewReader(stdin), &out)
	return code, out.String()
}

func TestParsePromptRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		lane lane
	}{
		{"Writer", lane{name: "writer", persona: "writer", model: "gpt-5.5", canWrite: true, allowed: []string{"docs/a.md", "src/**"}, excluded: []string{"**/*.pem"}}},
		{"ReaderDefaultModel", lane{name: "verifier", persona: "verifier"}},
		{"Lead", lane{name: "lead", persona: "lead"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.lane)
			data, err := os.ReadFile(f.promptFile)
			require.NoError(t, err)
			p, err := demoagent.ParsePrompt(string(data))
			require.NoError(t, err)
			assert.Equal(t, runID, p.RunID)
			assert.Equal(t, tc.lane.name, p.Lane)
			assert.Equal(t, tc.lane.persona, p.Persona)
			assert.Equal(t, "demo", p.Adapter)
			assert.Equal(t, tc.lane.model, p.Model, "the CLI-default marker parses as no model")
			assert.Equal(t, tc.lane.canWrite, p.CanWrite)
			assert.Equal(t, "demo-edit", p.Priority)
			assert.Equal(t, f.root, p.Workspace)
			assert.Equal(t, f.resultFile, p.ResultFile)
			assert.Contains(t, p.PriorityText, "cocoder/memory/demo-notes.md")
			if tc.lane.canWrite {
				assert.Equal(t, tc.lane.allowed, p.Allowed)
				assert.Equal(t, tc.lane.excluded, p.Excluded)
			} else {
				assert.Empty(t, p.Allowed)
			}
		})
	}
}

func TestParsePromptRefuses(t *testing.T) {
	for name, text := range map[string]string{
		"Empty":      "",
		"PlainText":  "Read and follow the CoCoder lane prompt at /x/prompt.md",
		"NoAdapter":  "## Identity\n\n- run id: r\n- lane: w\n- persona: p\n- can write: no\n",
		"FencedOnly": "```\n## Identity\n- run id: r\n- lane: w\n- persona: p\n- adapter: a\n- can write: no\n```\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := demoagent.ParsePrompt(text)
			assert.ErrorContains(t, err, "not a CoCoder lane prompt")
		})
	}
}

func FuzzParsePrompt(f *testing.F) {
	f.Add("## Identity\n\n- run id: r\n- lane: w\n- persona: p\n- adapter: a\n- can write: yes\n\n## Write scope\n\nAllowed:\n- `src/**`\n")
	f.Add("## Priority [x]\n\n````markdown\n```\n## Identity\n```\n````\n")
	f.Add("```\n~~~\n## Write scope\nAllowed:\n- `a`\r\n")
	f.Add("## Write scope\n- `\n- ``\nExcluded\n- `x`")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := demoagent.ParsePrompt(text)
		if err == nil && (p.RunID == "" || p.Lane == "" || p.Persona == "" || p.Adapter == "") {
			t.Fatalf("accepted a prompt without identity: %+v", p)
		}
	})
}

func TestWriterEdits(t *testing.T) {
	tests := []struct {
		name   string
		lane   lane
		target string
	}{
		{"FirstPlainAllowedEntry", lane{name: "writer", persona: "writer", canWrite: true, allowed: []string{"src/**", "docs/guide.md", "cocoder/memory/demo-notes.md"}}, "docs/guide.md"},
		{"NamedInPriority", lane{name: "writer", persona: "writer", canWrite: true, allowed: []string{"src/**", "docs/**"},
			priorityText: "**Status:** active\n\nTouch `docs/speed.md` and src/search/index.go.\n"}, "docs/speed.md"},
		{"NamedButExcluded", lane{name: "writer", persona: "writer", canWrite: true, allowed: []string{"docs/**", "cocoder/memory/**"}, excluded: []string{"docs/secret.md"},
			priorityText: "**Status:** active\n\nSee docs/secret.md.\n"}, demoagent.NotesFile},
		{"NotesFile", lane{name: "writer", persona: "writer", canWrite: true, allowed: []string{"cocoder/memory/**"},
			priorityText: "**Status:** active\n"}, demoagent.NotesFile},
		{"ProfileFallback", lane{name: "writer", persona: "writer", canWrite: true,
			priorityText: "**Status:** active\n\nWrite src/demo.txt please.\n"}, "src/demo.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.lane)
			code, out := runAgent(t, f, "", "--prompt-file", f.promptFile, "--sandbox", "workspace-write")
			require.Equal(t, 0, code, out)
			line := demoagent.EditLine(runID, "writer", "demo-edit")
			assert.True(t, strings.HasSuffix(f.read(t, tc.target), line+"\n"), "%s ends with the demo line", tc.target)
			r := f.result(t)
			assert.Equal(t, contract.StatusPass, r.Status)
			assert.Equal(t, []string{tc.target}, r.FilesChanged)
			assert.Equal(t, "writer", r.Persona)
			assert.Equal(t, "demo", r.Adapter)
			assert.True(t, r.CanWrite)
			assert.NotEmpty(t, r.Evidence)
			assert.Contains(t, r.Evidence[0], tc.target)
			status := f.gitStatus(t)
			assert.Len(t, strings.Split(status, "\n"), 1, "git sees exactly one change: %s", status)
			assert.Contains(t, status, tc.target)
			md, err := os.ReadFile(filepath.Join(filepath.Dir(f.resultFile), "result.md"))
			require.NoError(t, err)
			assert.Contains(t, string(md), "# PASS — lane writer")
		})
	}
}

func TestWriterAppendsToExistingFile(t *testing.T) {
	f := newFixture(t, writer)
	notes := filepath.Join(f.root, demoagent.NotesFile)
	require.NoError(t, os.WriteFile(notes, []byte("# Notes\nno newline at end"), 0o644))
	code, out := runAgent(t, f, "", "--prompt-file", f.promptFile)
	require.Equal(t, 0, code, out)
	assert.Equal(t, "# Notes\nno newline at end\n"+demoagent.EditLine(runID, "writer", "demo-edit")+"\n", f.read(t, demoagent.NotesFile))
}

func TestWriterWithoutConcreteScopeBlocks(t *testing.T) {
	f := newFixture(t, lane{name: "writer", persona: "writer", canWrite: true, allowed: []string{"src/**"}, priorityText: "**Status:** active\n\nMake it faster.\n"})
	code, out := runAgent(t, f, "", "--prompt-file", f.promptFile)
	require.Equal(t, 0, code, out)
	r := f.result(t)
	assert.Equal(t, contract.StatusBlock, r.Status)
	assert.Equal(t, []string{"none"}, r.FilesChanged)
	assert.Contains(t, r.Summary, "no concrete file")
	assert.Empty(t, f.gitStatus(t), "nothing changed")
}

func TestReadOnlyLanes(t *testing.T) {
	tests := []struct {
		name string
		lane lane
		args []string
	}{
		{"Verifier", lane{name: "verifier", persona: "verifier"}, nil},
		{"WriterInReadOnlySandbox", writer, []string{"--sandbox", "read-only"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.lane)
			code, out := runAgent(t, f, "", append([]string{"--prompt-file", f.promptFile}, tc.args...)...)
			require.Equal(t, 0, code, out)
			r := f.result(t)
			assert.Equal(t, contract.StatusPass, r.Status)
			assert.Equal(t, []string{"none"}, r.FilesChanged)
			assert.Contains(t, r.Evidence[0], "looked at cocoder/memory/demo-notes.md")
			assert.Empty(t, f.gitStatus(t), "a read-only lane changes nothing")
		})
	}
}

func TestVerifierSeesWritersEdit(t *testing.T) {
	f := newFixture(t, lane{name: "verifier", persona: "verifier"})
	notes := filepath.Join(f.root, demoagent.NotesFile)
	require.NoError(t, os.WriteFile(notes, []byte(demoagent.EditLine(runID, "writer", "demo-edit")+"\n"), 0o644))
	code, out := runAgent(t, f, "", "--prompt-file", f.promptFile)
	require.Equal(t, 0, code, out)
	assert.Contains(t, f.result(t).Evidence[0], "holds a demo edit of this run")
}

func TestModelReported(t *testing.T) {
	l := writer
	l.model = "opus"
	f := newFixture(t, l)
	code, out := runAgent(t, f, "", "--prompt-file", f.promptFile)
	require.Equal(t, 0, code, out)
	assert.Equal(t, "opus", f.result(t).Model, "without --model the prompt's model is reported")

	require.NoError(t, os.Remove(f.resultFile))
	code, out = runAgent(t, f, "", "--prompt-file", f.promptFile, "--model", "sonnet")
	require.Equal(t, 0, code, out)
	r := f.result(t)
	assert.Equal(t, "sonnet", r.Model, "the model the CLI was started with is reported")
	assert.Contains(t, strings.Join(r.Findings, "\n"), `started with model "sonnet" but the prompt names "opus"`)
}

func TestPromptSources(t *testing.T) {
	tests := []struct {
		name  string
		stdin func(f *fixture) string
		args  func(f *fixture) []string
	}{
		{"PromptLineArg", func(*fixture) string { return "" }, func(f *fixture) []string { return []string{"--prompt", adapter.PromptLine(f.promptFile)} }},
		{"StdinLine", func(f *fixture) string { return adapter.PromptLine(f.promptFile) + "\n" }, func(*fixture) []string { return nil }},
		{"StdinWholePrompt", func(f *fixture) string { b, _ := os.ReadFile(f.promptFile); return string(b) }, func(*fixture) []string { return nil }},
		{"TypedLine", func(f *fixture) string { return adapter.PromptLine(f.promptFile) + "\n" }, func(*fixture) []string { return []string{"--tui"} }},
		{"TypedAfterBlankLines", func(f *fixture) string { return "\n\n" + adapter.PromptLine(f.promptFile) + "\n" }, func(*fixture) []string { return []string{"--tui"} }},
		{"BracketedPaste", func(f *fixture) string { return "\x1b[200~" + adapter.PromptLine(f.promptFile) + "\x1b[201~\r\n" }, func(*fixture) []string { return []string{"--tui"} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, writer)
			code, out := runAgent(t, f, tc.stdin(f), tc.args(f)...)
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, demoagent.BusyMarker)
			assert.Equal(t, contract.StatusPass, f.result(t).Status)
		})
	}
	t.Run("NoPromptFile", func(t *testing.T) {
		f := newFixture(t, writer)
		code, out := runAgent(t, f, "", "--prompt", "fix the bug")
		assert.Equal(t, 1, code)
		assert.Contains(t, out, "names no lane prompt file")
	})
	t.Run("EmptyStdin", func(t *testing.T) {
		f := newFixture(t, writer)
		code, out := runAgent(t, f, "")
		assert.Equal(t, 1, code)
		assert.Contains(t, out, "stdin was empty")
	})
	t.Run("BadFlag", func(t *testing.T) {
		f := newFixture(t, writer)
		code, _ := runAgent(t, f, "", "--no-such-flag")
		assert.Equal(t, 2, code)
	})
}

func TestTypedScreen(t *testing.T) {
	f := newFixture(t, writer)
	code, out := runAgent(t, f, adapter.PromptLine(f.promptFile)+"\n", "--tui")
	require.Equal(t, 0, code, out)
	ready := strings.Index(out, demoagent.ReadyMarker)
	busy := strings.Index(out, demoagent.BusyMarker)
	require.True(t, ready >= 0 && busy > ready, "the ready marker comes before the busy marker:\n%s", out)
	assert.Equal(t, 1, strings.Count(out, demoagent.BusyMarker), "one busy marker per prompt")
}

func TestFaults(t *testing.T) {
	line := demoagent.EditLine(runID, "writer", "demo-edit")
	tests := []struct {
		name   string
		lane   lane
		faults string
		stdin  string
		args   []string
		code   int
		check  func(t *testing.T, f *fixture, out string)
	}{
		{"OutOfScopeWriter", writer, "out-of-scope", "", nil, 0, func(t *testing.T, f *fixture, out string) {
			r := f.result(t)
			assert.Equal(t, []string{demoagent.NotesFile, "cocoder-demo-out-of-scope.txt"}, r.FilesChanged)
			assert.Equal(t, line+"\n", f.read(t, "cocoder-demo-out-of-scope.txt"))
			assert.Contains(t, f.gitStatus(t), "cocoder-demo-out-of-scope.txt")
		}},
		{"OutOfScopeReader", lane{name: "verifier", persona: "verifier"}, "out-of-scope", "", nil, 0, func(t *testing.T, f *fixture, out string) {
			assert.Equal(t, []string{"none"}, f.result(t).FilesChanged, "a read-only lane hides its stray edit")
			assert.Equal(t, "?? cocoder-demo-out-of-scope.txt", f.gitStatus(t))
		}},
		{"MalformedResult", writer, "malformed-result", "", nil, 0, func(t *testing.T, f *fixture, out string) {
			data, err := os.ReadFile(f.resultFile)
			require.NoError(t, err)
			assert.False(t, json.Valid(data))
		}},
		{"InvalidResult", writer, "invalid-result", "", nil, 0, func(t *testing.T, f *fixture, out string) {
			data, err := os.ReadFile(f.resultFile)
			require.NoError(t, err)
			assert.True(t, json.Valid(data))
			_, err = contract.Parse[contract.JobResult]("result.json", data)
			assert.ErrorContains(t, err, "evidence")
		}},
		{"NoResult", writer, "no-result", "", nil, 0, func(t *testing.T, f *fixture, out string) {
			assert.NoFileExists(t, f.resultFile)
			assert.Contains(t, f.gitStatus(t), demoagent.NotesFile, "the edit is made")
		}},
		{"ExitNonzero", writer, "exit-nonzero", "", nil, demoagent.ExitFault, func(t *testing.T, f *fixture, out string) {
			assert.NoFileExists(t, f.resultFile)
			assert.Contains(t, f.gitStatus(t), demoagent.NotesFile)
		}},
		{"SwallowEnter", writer, "swallow-enter", "PROMPT\n\n", []string{"--tui"}, 0, func(t *testing.T, f *fixture, out string) {
			shown := strings.Index(out, demoagent.ReadyMarker+"Read and follow")
			assert.True(t, shown >= 0 && shown < strings.Index(out, demoagent.BusyMarker), "the text is shown again in the input line before work starts:\n%s", out)
			assert.Equal(t, contract.StatusPass, f.result(t).Status)
		}},
		{"SlowStart", writer, "slow-start", "PROMPT\n", []string{"--tui"}, 0, func(t *testing.T, f *fixture, out string) {
			assert.Less(t, strings.Index(out, "starting up"), strings.Index(out, demoagent.ReadyMarker))
		}},
		{"Combined", writer, "out-of-scope, no-result", "", nil, 0, func(t *testing.T, f *fixture, out string) {
			assert.NoFileExists(t, f.resultFile)
			assert.Contains(t, f.gitStatus(t), "cocoder-demo-out-of-scope.txt")
		}},
		{"Unknown", writer, "explode", "", nil, 2, func(t *testing.T, f *fixture, out string) {
			assert.Contains(t, out, `unknown fault "explode"`)
			assert.Empty(t, f.gitStatus(t))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.lane)
			f.env[demoagent.EnvFault] = tc.faults
			f.env[demoagent.EnvStartDelay] = "50ms"
			args := tc.args
			if args == nil {
				args = []string{"--prompt-file", f.promptFile}
			}
			code, out := runAgent(t, f, strings.ReplaceAll(tc.stdin, "PROMPT", adapter.PromptLine(f.promptFile)), args...)
			require.Equal(t, tc.code, code, out)
			tc.check(t, f, out)
		})
	}
}

func TestHangUntilCancelled(t *testing.T) {
	f := newFixture(t, writer)
	f.env[demoagent.EnvFault] = "hang"
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	start := time.Now()
	code := demoagent.MainContext(ctx, []string{"--prompt-file", f.promptFile}, f.getenv, strings.NewReader(""), &out)
	assert.Equal(t, 1, code)
	assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "it hangs until the context ends")
	assert.Contains(t, out.String(), demoagent.BusyMarker)
	assert.NoFileExists(t, f.resultFile)
	assert.Empty(t, f.gitStatus(t), "a hanging agent changes nothing")
}

func TestStay(t *testing.T) {
	f := newFixture(t, writer)
	code, out := runAgent(t, f, adapter.PromptLine(f.promptFile)+"\nhello\n", "--tui", "--stay")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "this lane is finished")
	assert.True(t, strings.HasSuffix(out, demoagent.ReadyMarker), "it shows its prompt again:\n%s", out)
	assert.FileExists(t, f.resultFile)
}

// TestExec runs the demo agent as a child process, as the exec host does.
func TestExec(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	tests := []struct {
		name  string
		fault string
		code  int
	}{
		{"Pass", "", 0},
		{"ExitNonzero", "exit-nonzero", demoagent.ExitFault},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, writer)
			cmd := exec.Command(self, "--workdir", f.root, "--model", "m1")
			cmd.Dir = f.root
			cmd.Env = []string{asAgentEnv + "=1", demoagent.EnvFault + "=" + tc.fault}
			for k, v := range f.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			cmd.Stdin = strings.NewReader(adapter.PromptLine(f.promptFile) + "\n")
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.code, code, "%s", out)
			assert.Contains(t, f.gitStatus(t), demoagent.NotesFile)
			if tc.code == 0 {
				r := f.result(t)
				assert.Equal(t, "m1", r.Model)
				assert.Equal(t, []string{demoagent.NotesFile}, r.FilesChanged)
			}
		})
	}
}
