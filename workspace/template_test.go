package workspace_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/workspace"
)

// testAdapter declares an agent CLI the way the shipped declarations do, for
// the cross-document check (the engine ships the real ones).
func testAdapter(t *testing.T, id string) *contract.Adapter {
	t.Helper()
	doc := fmt.Sprintf(`id: %s
label: %s
kind: llm-cli
command: %s
availabilityCheck: {commandExists: %s}
capabilities:
  interactive: true
  initialPrompt: true
  stdinDispatch: true
  resultFile: true
  transcriptCapture: true
  streamingDetection: false
  screenshots: false
  dom: false
  console: false
  shell: true
  fileEdit: true
writeCapability: repo
sandboxModes: [read-only, workspace-write]
approvalModes: [never]
resultContract: job-result
evidenceCapabilities: [transcript, command-output, diff]
failureModes: [missing-cli, unknown]
`, id, id, id, id)
	a, err := contract.Parse[contract.Adapter](id+".yaml", []byte(doc))
	require.NoError(t, err)
	return a
}

// TestScaffoldedContractsValidate loads every contract file of a freshly
// scaffolded workspace with the contract package, and runs the launch
// cross-check on the default route and profile for the example priority.
func TestScaffoldedContractsValidate(t *testing.T) {
	root := t.TempDir()
	_, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
	require.NoError(t, err)
	ws, err := workspace.Find(root)
	require.NoError(t, err)

	kinds := map[contract.Kind]int{}
	require.NoError(t, filepath.WalkDir(ws.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		kind, ok := contract.InferKind(p)
		if !ok {
			return nil
		}
		kinds[kind]++
		doc, err := contract.LoadDocument(kind, p)
		if assert.NoError(t, err, "%s (%s)", p, kind) {
			assert.Empty(t, doc.Warnings, "%s has warnings", p)
		}
		return nil
	}))
	assert.Equal(t, map[contract.Kind]int{
		contract.KindPersona: 3, contract.KindProfile: 1, contract.KindRoute: 1,
		contract.KindBoundary: 1, contract.KindPromptManifest: 1,
	}, kinds)

	route, err := contract.Load[contract.Route](filepath.Join(ws.RoutesDir(), "default.yaml"))
	require.NoError(t, err)
	profile, err := contract.Load[contract.Profile](filepath.Join(ws.ProfilesDir(), "default.yaml"))
	require.NoError(t, err)
	boundary, err := contract.Load[contract.PriorityBoundary](filepath.Join(ws.BoundariesDir(), "try-cocoder.yaml"))
	require.NoError(t, err)
	personas := map[string]*contract.Persona{}
	for _, id := range []string{"lead", "writer", "verifier"} {
		p, err := contract.Load[contract.Persona](filepath.Join(ws.PersonasDir(), id+".yaml"))
		require.NoError(t, err)
		personas[p.ID] = p
	}
	adapters := map[string]*contract.Adapter{}
	for _, id := range []string{"claude", "codex", "demo"} {
		adapters[id] = testAdapter(t, id)
	}
	issues := contract.CheckLaunch(contract.LaunchInput{
		Route: route, Profile: profile, Adapters: adapters, Boundary: boundary,
		Personas: personas, PrioritySlug: "try-cocoder",
	})
	assert.Empty(t, issues, "the default route, profile and boundary launch cleanly")

	t.Run("RouteShape", func(t *testing.T) {
		assert.Equal(t, "lead", route.Lead)
		assert.ElementsMatch(t, []string{"lead", "writer", "verifier"}, route.Lanes)
		assert.Equal(t, contract.WriteOneWriter, route.WritePolicy)
		require.NotNil(t, route.OrchestratorCommit)
		assert.True(t, route.OrchestratorCommit.Enabled)
		assert.Equal(t, "exact-files", route.OrchestratorCommit.StageMode)
		assert.Equal(t, []string{"writer"}, route.OrchestratorCommit.WriterLanes)
		assert.True(t, route.HasGate(contract.GateVerify))
		require.NotNil(t, route.Verify)
		assert.NotEmpty(t, route.Verify.Command)
	})
	t.Run("EveryLaneFallsBackToDemo", func(t *testing.T) {
		for id, l := range profile.Lanes {
			assert.Equal(t, "demo", l.FallbackAdapter, "lane %s", id)
			assert.NotEqual(t, "demo", l.Adapter, "lane %s names a real adapter first", id)
		}
		assert.True(t, profile.Lanes["writer"].CanWrite)
		assert.False(t, profile.Lanes["lead"].CanWrite)
		assert.False(t, profile.Lanes["verifier"].CanWrite)
	})
	t.Run("WriterMayWriteTheDemoFile", func(t *testing.T) {
		const demo = "cocoder/memory/demo-notes.md"
		assert.True(t, boundary.WriterLanes["writer"].Allows(demo))
		assert.True(t, profile.Lanes["writer"].Scope().Allows(demo))
		assert.True(t, boundary.WriterLanes["writer"].Allows("src/app/main.go"))
		assert.False(t, boundary.WriterLanes["writer"].Allows("cocoder/routes/default.yaml"))
		assert.False(t, boundary.WriterLanes["writer"].Allows("src/.env"))
		assert.False(t, profile.Lanes["writer"].Scope().Allows("cocoder/profiles/default.yaml"))
	})
	t.Run("ManifestFragmentsExist", func(t *testing.T) {
		m, err := contract.Load[contract.PromptManifest](filepath.Join(ws.PromptsDir(), "manifest.json"))
		require.NoError(t, err)
		for persona := range personas {
			frags := m.Fragments(persona)
			require.NotEmpty(t, frags, "persona %s has prompt fragments", persona)
			for _, f := range frags {
				_, err := os.Stat(filepath.Join(ws.PromptsDir(), f))
				assert.NoError(t, err, "fragment %s of %s", f, persona)
			}
		}
	})
}
