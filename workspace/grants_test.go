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
