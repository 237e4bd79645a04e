package adapter_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/run/adapter"
)

// TestReadinessAndSetup checks claude and codex readiness from their own
// state files, then does the explicit setup and checks again: the
// workspace is trusted afterwards, the key approved, and the other
// contents of the files are kept.
func TestReadinessAndSetup(t *testing.T) {
	home := t.TempDir()
	root := filepath.Join(t.TempDir(), "repo")
	env := map[string]string{"HOME": home, "ANTHROPIC_API_KEY": "sk-test-0123456789abcdefghij"}
	getenv := func(k string) string { return env[k] }
	require.NoError(t, os.WriteFile(filepath.Join(home, ".claude.json"), []byte(`{"hasCompletedOnboarding":true,"theme":"dark"}`), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(home, ".codex"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(home, ".codex", "config.toml"), []byte("model = \"x\"\n"), 0o600))
	all, err := adapter.Shipped()
	require.NoError(t, err)
	opt := adapter.ReadinessOptions{Getenv: getenv, Workspace: root, LookPath: func(string) (string, error) { return "/bin/true", nil }}

	c := adapter.Inspect(t.Context(), all["claude"], opt)
	assert.Equal(t, adapter.StateNo, c.Trusted)
	assert.Equal(t, adapter.StateNo, c.SignedIn, "the key in the environment is not approved yet")
	assert.False(t, c.Ready())
	x := adapter.Inspect(t.Context(), all["codex"], opt)
	assert.Equal(t, adapter.StateNo, x.Trusted)

	for _, id := range []string{"claude", "codex"} {
		did, err := adapter.Setup(all[id], opt)
		require.NoError(t, err)
		assert.NotEmpty(t, did)
		again, err := adapter.Setup(all[id], opt)
		require.NoError(t, err)
		assert.Empty(t, again, "a second setup changes nothing")
	}
	c = adapter.Inspect(t.Context(), all["claude"], opt)
	assert.Equal(t, adapter.StateYes, c.Trusted)
	assert.Equal(t, adapter.StateYes, c.SignedIn)
	assert.Equal(t, adapter.StateYes, adapter.Inspect(t.Context(), all["codex"], opt).Trusted)
	b, err := os.ReadFile(filepath.Join(home, ".claude.json"))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"theme": "dark"`, "other settings are kept")
	b, err = os.ReadFile(filepath.Join(home, ".codex", "config.toml"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "model = \"x\"")

	_, err = adapter.Setup(all["aider"], opt)
	assert.Error(t, err, "no setup is known for aider")
}
