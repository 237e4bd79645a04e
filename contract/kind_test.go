package contract_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

func TestInferKind(t *testing.T) {
	tests := []struct {
		path string
		want contract.Kind
		ok   bool
	}{
		{"cocoder/personas/lead.yaml", contract.KindPersona, true},
		{"cocoder/personas/custom/lead.yml", contract.KindPersona, true},
		{"cocoder/profiles/default.json", contract.KindProfile, true},
		{"cocoder/routes/feature.yaml", contract.KindRoute, true},
		{"cocoder/boundaries/x.yaml", contract.KindBoundary, true},
		{"cocoder/priority-boundaries/x.json", contract.KindBoundary, true},
		{"cocoder/adapters/claude.yaml", contract.KindAdapter, true},
		{"cocoder/prompts/manifest.json", contract.KindPromptManifest, true},
		{"cocoder/personas/prompts/manifest.json", contract.KindPromptManifest, true},
		{"runs/ws/r-1/lanes/builder/result.json", contract.KindJobResult, true},
		{"runs/ws/r-1/startup-packet.json", contract.KindStartupPacket, true},
		{"runs/ws/r-1/supersessions/s-1.json", contract.KindSupersession, true},
		{"runs/ws/r-1/evidence/e-1.json", contract.KindEvidence, true},
		{"cocoder/improvements/i.yaml", contract.KindImprovement, true},
		{"cocoder/standards/raci.json", contract.KindRACI, true},
		{"cocoder/write-boundaries/w.yaml", contract.KindWriteBoundary, true},
		{"home/workspaces.yaml", contract.KindRegistry, true},
		{"runs/ws/r-1/run.json", contract.KindRunStatus, true},
		{"home/config.yaml", contract.KindConfig, true},
		{"cocoder/local/overrides.json", contract.KindConfig, true},
		{"cocoder/personas/lead.md", "", false},
		{"cocoder/notes/x.yaml", "", false},
		{"routes/a/b/c/d/x.yaml", "", false},
		{"cocoder/prompts/other.json", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got, ok := contract.InferKind(filepath.FromSlash(tc.path))
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestNewAndKindOf(t *testing.T) {
	for _, k := range contract.Kinds() {
		doc, err := contract.New(k)
		require.NoError(t, err)
		got, ok := contract.KindOf(doc)
		assert.True(t, ok)
		assert.Equal(t, k, got)
	}
	_, err := contract.New("nope")
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	_, ok := contract.KindOf(contract.Scope{})
	assert.False(t, ok)
	_, ok = contract.KindOf(nil)
	assert.False(t, ok)
}

func TestCheckPaths(t *testing.T) {
	t.Run("MissingPath", func(t *testing.T) {
		_, err := contract.CheckPaths([]string{"testdata/no-such-dir"}, contract.CheckOptions{})
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	})
	t.Run("FileOfUnknownKind", func(t *testing.T) {
		_, err := contract.CheckPaths([]string{"testdata/invalid/route--policies.yaml"}, contract.CheckOptions{})
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
		assert.Contains(t, err.Error(), "name its kind explicitly")
		assert.ErrorIs(t, err, contract.ErrUnknownKind)
		assert.NotContains(t, err.Error(), "contract kind unknown", "the sentinel is for errors.Is, not for the message")
	})
	t.Run("ForcedKind", func(t *testing.T) {
		rep, err := contract.CheckPaths([]string{"testdata/invalid/route--policies.yaml"}, contract.CheckOptions{Kind: contract.KindRoute})
		require.NoError(t, err)
		require.Len(t, rep.Files, 1)
		assert.False(t, rep.OK)
		assert.Equal(t, contract.KindRoute, rep.Files[0].Kind)
		assert.NotEmpty(t, rep.Files[0].Problems)
	})
	t.Run("UnknownForcedKind", func(t *testing.T) {
		_, err := contract.CheckPaths([]string{"."}, contract.CheckOptions{Kind: "gadget"})
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("FilesGivenTogetherAreCrossChecked", func(t *testing.T) {
		rep, err := contract.CheckPaths([]string{exampleDir + "/routes/feature.yaml", exampleDir + "/profiles/default.yaml"}, contract.CheckOptions{})
		require.NoError(t, err)
		assert.False(t, rep.OK, "without the adapters every lane's adapter is missing")
		codes := map[string]bool{}
		for _, is := range rep.Issues {
			codes[is.Code] = true
			assert.Equal(t, "feature", is.Route)
			assert.Equal(t, "default", is.Profile)
		}
		assert.True(t, codes[contract.IssueMissingAdapter])
	})
	t.Run("BuiltinAdaptersFillTheGap", func(t *testing.T) {
		builtin := map[string]*contract.Adapter{}
		for _, f := range []string{"claude.yaml", "codex.json", "lint-check.yaml"} {
			a := mustLoad[contract.Adapter](t, "adapters/"+f)
			builtin[a.ID] = a
		}
		rep, err := contract.CheckPaths([]string{exampleDir + "/routes/feature.yaml", exampleDir + "/profiles/default.yaml"}, contract.CheckOptions{Adapters: builtin})
		require.NoError(t, err)
		assert.True(t, rep.OK, "%v", rep.Issues)
	})
	t.Run("MissingFragment", func(t *testing.T) {
		dir := t.TempDir()
		prompts := filepath.Join(dir, "prompts")
		require.NoError(t, os.MkdirAll(prompts, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(prompts, "manifest.json"), []byte(`{"personas": {"lead": ["lead.md", "gone.md"]}}`), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(prompts, "lead.md"), []byte("# Lead\n"), 0o644))
		rep, err := contract.CheckPaths([]string{dir}, contract.CheckOptions{})
		require.NoError(t, err)
		require.Len(t, rep.Files, 1)
		assert.False(t, rep.OK)
		require.Len(t, rep.Files[0].Problems, 1)
		assert.Equal(t, "personas.lead[1]", rep.Files[0].Problems[0].Path)
		assert.Equal(t, "missing-fragment", rep.Files[0].Problems[0].Rule)
	})
	t.Run("HiddenEntriesSkipped", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, ".git", "routes"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, ".git", "routes", "x.yaml"), []byte("junk: ["), 0o644))
		rep, err := contract.CheckPaths([]string{dir}, contract.CheckOptions{})
		require.NoError(t, err)
		assert.Empty(t, rep.Files)
		assert.True(t, rep.OK)
	})
}
