package run_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/flock"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/cocoder/cocoder/run/prompt"
)

func TestPlanScaffoldFallsBackToDemo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.runner()
	before := tree(t, f.root, f.home.Dir())
	p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err, "issues: %v", p)
	assert.Equal(t, before, tree(t, f.root, f.home.Dir()), "Plan wrote something")

	assert.Equal(t, "default", p.Route.ID)
	assert.Equal(t, "default", p.Profile.ID)
	require.NotNil(t, p.Boundary)
	assert.Equal(t, "try-cocoder", p.Boundary.ID)
	entry, registered, err := f.home.Registry().Lookup(t.Context(), f.root)
	require.NoError(t, err)
	assert.False(t, registered)
	assert.Equal(t, entry.ID, p.WorkspaceID, "the plan names the id that starting the run registers")
	assert.Equal(t, filepath.Join(f.home.RunsDir(), entry.ID, p.RunID), p.LedgerDir, "the plan's ledger path is final")
	assert.True(t, contract.ValidRunID(p.RunID))

	var names []string
	for _, l := range p.Lanes {
		names = append(names, l.Lane)
		assert.Equal(t, "demo", l.Adapter, l.Lane)
		assert.NotEmpty(t, l.PrimaryAdapter, l.Lane)
		assert.Equal(t, f.self, l.Argv[0])
		assert.Equal(t, []string{"agent", "demo"}, l.Argv[1:3])
		assert.Equal(t, "type", l.PromptDelivery)
		assert.Contains(t, l.Prompt, l.PromptFile)
		assert.Contains(t, l.Env, "COCODER_RESULT_FILE")
		assert.NotContains(t, l.Env, "TERM", "tmux sets TERM itself")
	}
	assert.Equal(t, []string{"lead", "writer", "verifier"}, names, "lead first, then route order")
	lead, _ := p.Lane("lead")
	assert.Equal(t, prompt.StartupLead, lead.StartupMode)
	writer, _ := p.Lane("writer")
	assert.Equal(t, prompt.StartupWaitForDispatch, writer.StartupMode)
	assert.Contains(t, writer.Prompt, "the lead's task in "+filepath.Join(filepath.Dir(writer.PromptFile), "brief.md"))
	assert.True(t, writer.CanWrite)
	require.NotNil(t, writer.Scope)
	assert.Equal(t, contract.ScopeFromBoundary, writer.ScopeSource)
	assert.Contains(t, writer.Argv, "workspace-write")

	fallbacks := 0
	for _, is := range p.Issues {
		if is.Code == run.IssueAdapterFallback {
			fallbacks++
			assert.Equal(t, contract.SeverityWarn, is.Severity)
		}
	}
	assert.Equal(t, 3, fallbacks)
	assert.True(t, slices.ContainsFunc(p.Notices, func(n string) bool { return strings.Contains(n, "fallback adapter demo") }))
	assert.False(t, p.Blocking())
}

func TestPlanUsesInstalledAdapterAndModel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.script("claude", "exit 0")
	prof := strings.Replace(readFile(t, filepath.Join(f.root, "cocoder/profiles/default.yaml")),
		"  lead:\n    persona: lead\n    adapter: claude\n", "  lead:\n    persona: lead\n    adapter: claude\n    model: opus\n", 1)
	f.write("cocoder/profiles/default.yaml", prof)
	p, err := f.runner().Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	lead, _ := p.Lane("lead")
	assert.Equal(t, "claude", lead.Adapter)
	assert.Empty(t, lead.PrimaryAdapter)
	assert.Equal(t, filepath.Join(f.bin, "claude"), lead.Command)
	assert.Equal(t, []string{"--model", "opus"}, lead.Argv[1:3], "the profile's model reaches the CLI")
	assert.Equal(t, "arg", lead.PromptDelivery)
	assert.Equal(t, lead.Prompt, lead.Argv[len(lead.Argv)-1])
	writer, _ := p.Lane("writer")
	assert.Equal(t, "demo", writer.Adapter, "codex is not installed")
}

// TestPlanRefuses covers the bad inputs of a launch: each gives a blocking
// issue whose message names the fix, a *PreflightError with the right
// code, and writes nothing.
func TestPlanRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(f *fixture)
		req      run.PlanRequest
		issue    string
		code     errs.Code
		contains []string
	}{
		{
			name: "UnknownPriority", req: run.PlanRequest{Priority: "no-such-thing"},
			issue: run.IssuePriorityMissing, code: errs.Invalid,
			contains: []string{"[no-such-thing]", "add a heading", "PRIORITIES.md has: try-cocoder"},
		},
		{
			name: "NoPriority", req: run.PlanRequest{},
			issue: run.IssuePriorityRequired, code: errs.Invalid, contains: []string{"--priority SLUG", "has: try-cocoder"},
		},
		{
			name: "MissingAdapterNoFallback",
			setup: func(f *fixture) {
				prof := readFile(f.t, filepath.Join(f.root, "cocoder/profiles/default.yaml"))
				f.write("cocoder/profiles/default.yaml", strings.ReplaceAll(prof, "    fallbackAdapter: demo\n", ""))
			},
			issue: run.IssueAdapterCommandMissing, code: errs.Unavailable,
			contains: []string{`"claude"`, "not installed", "configuration (adapters.claude.command)", "fallbackAdapter"},
		},
		{
			name: "InvalidProfile",
			setup: func(f *fixture) {
				prof := readFile(f.t, filepath.Join(f.root, "cocoder/profiles/default.yaml"))
				f.write("cocoder/profiles/default.yaml", strings.Replace(prof, "    canWrite: true\n", "    canWrite: true\n    canwrite: true\n", 1))
			},
			issue: contract.IssueProfileInvalid, code: errs.Invalid,
			contains: []string{"default.yaml", "canwrite"},
		},
		{
			name:  "MissingProfile",
			req:   run.PlanRequest{Profile: "nope"},
			issue: contract.IssueProfileMissing, code: errs.Invalid,
			contains: []string{`no profile with id "nope"`, "default", "--profile"},
		},
		{
			name:  "TmuxMissing",
			setup: func(f *fixture) { require.NoError(f.t, os.Remove(filepath.Join(f.bin, "tmux"))) },
			issue: run.IssueHostUnavailable, code: errs.Unavailable,
			contains: []string{"tmux is not installed", "apt install tmux", "exec host"},
		},
		{
			name:  "NotGitRepo",
			setup: func(f *fixture) { require.NoError(f.t, os.RemoveAll(filepath.Join(f.root, ".git"))) },
			issue: run.IssueNotGitRepo, code: errs.Invalid,
			contains: []string{"not inside a git work tree", "git init"},
		},
		{
			name: "ActiveRun",
			setup: func(f *fixture) {
				id := f.register()
				runID := contract.NewRunID(time.Now())
				dir, err := ledger.Dir(f.home.Dir(), id, runID)
				require.NoError(f.t, err)
				l, err := ledger.Create(dir, contract.RunStatus{RunID: runID, WorkspaceID: id, Priority: "try-cocoder", Route: "default"}, ledger.Options{})
				require.NoError(f.t, err)
				_, err = l.SetState(contract.StateReady, "")
				require.NoError(f.t, err)
				require.NoError(f.t, l.Close())
			},
			issue: run.IssueActiveRun, code: errs.Conflict,
			contains: []string{"is still ready", "stop it, or wait for it to end"},
		},
		{
			name: "WorkspaceLocked",
			setup: func(f *fixture) {
				id := f.register()
				dir := filepath.Join(f.home.RunsDir(), id)
				require.NoError(f.t, os.MkdirAll(dir, 0o700))
				lk, err := flock.TryLock(filepath.Join(dir, ".lock"))
				require.NoError(f.t, err)
				_, _ = lk.File().WriteString("pid 4242 run r-x\n")
				f.t.Cleanup(func() { _ = lk.Release() })
			},
			issue: run.IssueWorkspaceLocked, code: errs.Conflict,
			contains: []string{"pid 4242 run r-x", "one engine writes to a workspace at a time"},
		},
		{
			name: "SecretUnresolved",
			setup: func(f *fixture) {
				f.script("claude", "exit 0")
				f.write("cocoder/config.yaml", "secrets:\n  ANTHROPIC_API_KEY: ${env:COCODER_TEST_UNSET}\n")
				require.NoError(f.t, f.home.Grant(f.t.Context(), f.root, "${env:COCODER_TEST_UNSET}"))
			},
			issue: run.IssueSecretUnresolved, code: errs.Invalid,
			contains: []string{"ANTHROPIC_API_KEY", "COCODER_TEST_UNSET"},
		},
		{
			name: "SecretForbidden",
			setup: func(f *fixture) {
				f.script("claude", "exit 0")
				f.write("cocoder/config.yaml", "secrets:\n  ANTHROPIC_API_KEY: ${secret:token.oz}\n")
			},
			issue: run.IssueSecretForbidden, code: errs.Invalid,
			contains: []string{"never goes to an agent"},
		},
		{
			// Started from inside a lane of another run: refused, since
			// the default route does not allow nested runs.
			name: "NestedRun",
			setup: func(f *fixture) {
				f.env["COCODER_RUN_ID"] = "r-20261201T000000Z-aaaaaaaa"
				f.env["COCODER_LANE"] = "writer"
			},
			issue: run.IssueNestedRun, code: errs.Invalid,
			contains: []string{`inside lane "writer"`, "allowNestedRuns"},
		},
		{
			// The Oz token in any case, from the user's own home config.
			name: "SecretForbiddenAnyCase",
			setup: func(f *fixture) {
				f.script("claude", "exit 0")
				require.NoError(f.t, os.WriteFile(f.home.ConfigPath(), []byte("secrets:\n  ANTHROPIC_API_KEY: ${secret:TOKEN.Oz}\n"), 0o600))
			},
			issue: run.IssueSecretForbidden, code: errs.Invalid,
			contains: []string{"never goes to an agent"},
		},
		{
			// A repository's own config names a stored secret and a
			// variable of the engine's process the user never granted.
			name: "SecretNotGranted",
			setup: func(f *fixture) {
				f.script("claude", "exit 0")
				f.env["AWS_SECRET_ACCESS_KEY"] = "from-the-callers-env"
				f.write("cocoder/config.yaml", "secrets:\n  ANTHROPIC_API_KEY: ${env:AWS_SECRET_ACCESS_KEY}\n")
			},
			issue: run.IssueSecretNotGranted, code: errs.Invalid,
			contains: []string{"secrets.ANTHROPIC_API_KEY", "${env:AWS_SECRET_ACCESS_KEY}", "grants it for this workspace"},
		},
		{
			// A file reference may not reach the home zone (the secret
			// store, Oz's token), even from the user's own config.
			name: "FileIntoHomeZone",
			setup: func(f *fixture) {
				f.script("claude", "exit 0")
				f.env["HOME"] = filepath.Dir(f.home.Dir())
				require.NoError(f.t, os.WriteFile(filepath.Join(f.home.Dir(), "secrets", "token.oz"), []byte(strings.Repeat("a", 64)), 0o600))
				ref := "${file:" + filepath.Base(f.home.Dir()) + "/secrets/token.oz}"
				require.NoError(f.t, os.WriteFile(f.home.ConfigPath(), []byte("secrets:\n  ANTHROPIC_API_KEY: "+ref+"\n"), 0o600))
			},
			issue: run.IssueSecretUnresolved, code: errs.Invalid,
			contains: []string{"no file reference may reach"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(f)
			}
			if tc.req.Priority == "" && tc.name != "NoPriority" {
				tc.req.Priority = "try-cocoder"
			}
			before := tree(t, f.root, f.home.Dir())
			p, err := f.runner().Plan(t.Context(), tc.req)
			assert.Equal(t, before, tree(t, f.root, f.home.Dir()), "a refused plan wrote something")
			pe, ok := errors.AsType[*run.PreflightError](err)
			require.True(t, ok, "want a *PreflightError, got %v", err)
			assert.Equal(t, tc.code, errs.CodeOf(err))
			assert.True(t, errors.Is(err, map[errs.Code]error{errs.Invalid: errs.ErrInvalid, errs.Conflict: errs.ErrConflict, errs.Unavailable: errs.ErrUnavailable}[tc.code]))
			require.NotNil(t, p)
			i := slices.IndexFunc(pe.Issues, func(is contract.Issue) bool { return is.Code == tc.issue })
			require.GreaterOrEqual(t, i, 0, "no %s issue in %v", tc.issue, pe.Issues)
			for _, s := range tc.contains {
				assert.Contains(t, pe.Issues[i].Message, s)
			}
			assert.Contains(t, err.Error(), tc.issue)
		})
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// TestStartRefusesAPlanWhoseWorkspaceIDWasTaken: a plan names the id its
// workspace will be registered under; when another workspace takes that id
// before the run starts, Start refuses the plan instead of re-planning.
func TestStartRefusesAPlanWhoseWorkspaceIDWasTaken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.runner()
	p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	other := newFixture(t)
	e, err := f.home.Registry().Add(t.Context(), other.root, p.WorkspaceID)
	require.NoError(t, err)
	require.Equal(t, p.WorkspaceID, e.ID)
	before := tree(t, f.root, f.home.RunsDir())
	_, err = r.Start(t.Context(), p)
	require.Error(t, err)
	assert.Equal(t, errs.Conflict, errs.CodeOf(err))
	assert.Contains(t, err.Error(), "plan the run again")
	assert.Equal(t, before, tree(t, f.root, f.home.RunsDir()), "a refused start writes nothing")
}
