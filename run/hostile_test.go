package run_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/run"
)

// canary is a value that must never reach a prompt, packet, plan or
// ledger when a repository links to the file holding it.
const canary = "CANARY-c0c0der-outside-file-7Qx2"

// TestPlanRefusesGovernanceLinkedOut: a governance file or directory of a
// workspace that is a symlink leading out of it (the red-team's
// SESSION_LOG.md -> /proc/self/environ, a linked PRIORITIES.md, a linked
// prompts/ directory...) or a FIFO blocks the plan with an issue naming the
// file, the plan returns at once (a FIFO is never opened), and the linked
// file's text appears nowhere in the plan, its prompts or its packet.
func TestPlanRefusesGovernanceLinkedOut(t *testing.T) {
	outside := t.TempDir()
	canaryFile := filepath.Join(outside, "canary.md")
	require.NoError(t, os.WriteFile(canaryFile, []byte("## 2026-01-01\n"+canary+"\n## Try [try-cocoder]\n"+canary+"\n"), 0o644))
	canaryDir := filepath.Join(outside, "dir")
	require.NoError(t, os.MkdirAll(canaryDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(canaryDir, "x.yaml"), []byte(canary+"\n"), 0o644))

	link := func(target string) func(p string) error {
		return func(p string) error { return os.Symlink(target, p) }
	}
	fifo := func(p string) error { return syscall.Mkfifo(p, 0o600) }
	cases := []struct {
		name, rel string
		make      func(p string) error
	}{
		{"SessionLogToEnviron", "cocoder/SESSION_LOG.md", link("/proc/self/environ")},
		{"SessionLogToFile", "cocoder/SESSION_LOG.md", link(canaryFile)},
		{"SessionLogRelative", "cocoder/SESSION_LOG.md", link("../../" + filepath.Base(outside) + "/canary.md")},
		{"SessionLogFIFO", "cocoder/SESSION_LOG.md", fifo},
		{"PrioritiesToFile", "cocoder/PRIORITIES.md", link(canaryFile)},
		{"PrioritiesFIFO", "cocoder/PRIORITIES.md", fifo},
		{"ConfigToFile", "cocoder/config.yaml", link(filepath.Join(canaryDir, "x.yaml"))},
		{"ConfigFIFO", "cocoder/config.yaml", fifo},
		{"ProfilesDir", "cocoder/profiles", link(canaryDir)},
		{"ProfileFIFO", "cocoder/profiles/default.yaml", fifo},
		{"RoutesDir", "cocoder/routes", link(canaryDir)},
		{"BoundariesDir", "cocoder/boundaries", link(canaryDir)},
		{"PersonaToFile", "cocoder/personas/lead.yaml", link(filepath.Join(canaryDir, "x.yaml"))},
		{"PersonaFIFO", "cocoder/personas/lead.yaml", fifo},
		{"AdaptersDir", "cocoder/adapters", link(canaryDir)},
		{"AdapterFIFO", "cocoder/adapters/x.yaml", fifo},
		{"PromptsDir", "cocoder/prompts", link(promptsDir(t, outside))},
		{"FragmentToFile", "cocoder/prompts/shared/rules.md", link(canaryFile)},
		{"ManifestFIFO", "cocoder/prompts/manifest.json", fifo},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			p := filepath.Join(f.root, tc.rel)
			require.NoError(t, os.RemoveAll(p))
			require.NoError(t, tc.make(p))
			done := make(chan struct{})
			var plan *run.Plan
			var err error
			go func() {
				defer close(done)
				plan, err = f.runner().Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Plan blocked on " + tc.rel)
			}
			require.Error(t, err)
			var pe *run.PreflightError
			require.ErrorAs(t, err, &pe)
			require.NotNil(t, plan)
			msgs := ""
			for _, is := range plan.Issues {
				msgs += is.Message + "\n"
			}
			assert.Contains(t, msgs, p, "an issue names the refused file")
			assert.Regexp(t, `leads outside|not a regular file`, msgs)
			out, jerr := json.Marshal(plan)
			require.NoError(t, jerr)
			assert.NotContains(t, string(out), canary)
			assert.NotContains(t, string(out), "PATH=", "no environment was read")
		})
	}
}

// promptsDir writes, under dir, a prompts directory whose every persona
// reads the canary, and returns it.
func promptsDir(t *testing.T, dir string) string {
	p := filepath.Join(dir, "prompts")
	require.NoError(t, os.MkdirAll(p, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(p, "manifest.json"), []byte(`{"personas": {"lead": ["rules.md"], "writer": ["rules.md"], "verifier": ["rules.md"]}}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(p, "rules.md"), []byte(canary), 0o644))
	return p
}

// TestPlanFollowsLinksInsideWorkspace: a symlink that stays inside the
// workspace is fine (a PRIORITIES.md kept elsewhere in the repository).
func TestPlanFollowsLinksInsideWorkspace(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, os.Rename(filepath.Join(f.root, "cocoder/PRIORITIES.md"), filepath.Join(f.root, "ROADMAP.md")))
	require.NoError(t, os.Symlink("../ROADMAP.md", filepath.Join(f.root, "cocoder/PRIORITIES.md")))
	_, err := f.runner().Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	if err != nil {
		assert.NotContains(t, err.Error(), "leads outside")
		assert.False(t, strings.Contains(err.Error(), "priority-missing"), "%v", err)
	}
}
