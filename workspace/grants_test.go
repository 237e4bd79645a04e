package workspace_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

// TestGrants: grants are kept per workspace root in the home, survive
// concurrent changes, allow exactly what was granted, and refuse anything
// that is not a reference.
func TestGrants(t *testing.T) {
	home, err := workspace.OpenHome(t.Context(), t.TempDir())
	require.NoError(t, err)
	ctx := t.Context()
	a, b := "/src/a", "/src/b"
	g, err := home.Grants(a)
	require.NoError(t, err)
	assert.False(t, g.Allows("${secret:gh}"), "nothing is granted at first")
	assert.True(t, g.Allows("plain literal"), "literal text is not a secret of the machine")

	var wg sync.WaitGroup
	for _, ref := range []string{"${secret:gh}", "${env:AWS_PROFILE}", "${file:.config/x/key}", "${secret:npm}"} {
		wg.Go(func() { assert.NoError(t, home.Grant(ctx, a, ref)) })
	}
	wg.Wait()
	g, err = home.Grants(a)
	require.NoError(t, err)
	assert.Equal(t, workspace.Grants{Secrets: []string{"gh", "npm"}, Env: []string{"AWS_PROFILE"}, Files: []string{".config/x/key"}}, g)
	for ref, want := range map[string]bool{
		"${secret:gh}": true, "${env:AWS_PROFILE}": true, "${file:.config/x/key}": true,
		"${secret:GH}": false, "${env:HOME}": false, "${file:.ssh/id_ed25519}": false, "${vault:gh}": false,
	} {
		assert.Equal(t, want, g.Allows(ref), ref)
	}
	other, err := home.Grants(b)
	require.NoError(t, err)
	assert.False(t, other.Allows("${secret:gh}"), "grants are per workspace")

	require.NoError(t, home.Revoke(ctx, a, "${secret:gh}", "${secret:never-granted}"))
	g, _ = home.Grants(a)
	assert.False(t, g.Allows("${secret:gh}"))
	assert.True(t, g.Allows("${secret:npm}"))

	assert.Equal(t, errs.Invalid, errs.CodeOf(home.Grant(ctx, a, "gh")), "a bare name is not a reference")
	assert.Equal(t, errs.Invalid, errs.CodeOf(home.Grant(ctx, "relative", "${secret:gh}")))
	fi, err := os.Stat(filepath.Join(home.Dir(), "grants.yaml"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// TestHomeRefusesUnsafeOwnership: a home other users can write, and a home
// config.yaml or workspaces.yaml owned by another user or writable by
// others, are refused with the fix: their content decides which commands
// CoCoder runs.
func TestHomeRefusesUnsafeOwnership(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.Chmod(dir, 0o777))
	_, err := workspace.OpenHome(t.Context(), dir)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, "chmod go-w "+dir)
	require.NoError(t, os.Chmod(dir, 0o700))
	home, err := workspace.OpenHome(t.Context(), dir)
	require.NoError(t, err)

	cfg := home.ConfigPath()
	require.NoError(t, os.WriteFile(cfg, []byte("maxRuns: 2\n"), 0o600))
	require.NoError(t, os.Chmod(cfg, 0o666))
	_, err = workspace.LoadConfig(home, nil)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, "writable by other users")
	require.NoError(t, os.Chmod(cfg, 0o600))
	if os.Geteuid() == 0 {
		require.NoError(t, os.Chown(cfg, 65534, 65534))
		_, err = workspace.LoadConfig(home, nil)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		assert.ErrorContains(t, err, "owned by another user (uid 65534)")
		require.NoError(t, os.WriteFile(home.RegistryPath(), []byte("version: \"1\"\n"), 0o600))
		require.NoError(t, os.Chown(home.RegistryPath(), 65534, 65534))
		_, err = home.Registry().List(t.Context())
		assert.ErrorContains(t, err, "owned by another user")
	}
}
