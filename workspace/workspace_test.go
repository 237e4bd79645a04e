package workspace_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

// mkWorkspace makes dir a workspace root by creating cocoder/AGENTS.md.
func mkWorkspace(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "cocoder"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cocoder", "AGENTS.md"), []byte("# Agents\n"), 0o644))
}

func TestFind(t *testing.T) {
	base := t.TempDir()
	app := filepath.Join(base, "app")
	deep := filepath.Join(app, "src", "pkg")
	require.NoError(t, os.MkdirAll(deep, 0o755))
	mkWorkspace(t, app)

	// A directory named cocoder without a marker file is not a workspace.
	plain := filepath.Join(base, "plain")
	require.NoError(t, os.MkdirAll(filepath.Join(plain, "cocoder"), 0o755))

	// PRIORITIES.md alone is a marker too.
	pri := filepath.Join(base, "pri")
	require.NoError(t, os.MkdirAll(filepath.Join(pri, "cocoder"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(pri, "cocoder", "PRIORITIES.md"), nil, 0o644))

	file := filepath.Join(deep, "main.go")
	require.NoError(t, os.WriteFile(file, nil, 0o644))

	tests := []struct {
		name, start, root string
		code              errs.Code
	}{
		{"FromRoot", app, app, ""},
		{"FromDeepDir", deep, app, ""},
		{"FromFile", file, app, ""},
		{"FromGovernanceDir", filepath.Join(app, "cocoder"), app, ""},
		{"PrioritiesMarker", pri, pri, ""},
		{"ErrPlainCocoderDir", plain, "", errs.NotFound},
		{"ErrNone", base, "", errs.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, err := workspace.Find(tt.start)
			assert.Equal(t, tt.code, errs.CodeOf(err), "err %v", err)
			if tt.root == "" {
				assert.Nil(t, ws)
				return
			}
			require.NotNil(t, ws)
			assert.Equal(t, tt.root, ws.Root)
			assert.Equal(t, filepath.Join(tt.root, "cocoder"), ws.Dir)
		})
	}
}

func TestFindRefusesNested(t *testing.T) {
	outer := t.TempDir()
	inner := filepath.Join(outer, "vendor", "lib")
	mkWorkspace(t, outer)
	mkWorkspace(t, inner)
	_, err := workspace.Find(filepath.Join(inner, "cocoder"))
	require.Error(t, err)
	assert.Equal(t, errs.Conflict, errs.CodeOf(err))
	assert.Contains(t, err.Error(), inner)
	assert.Contains(t, err.Error(), "nested inside workspace "+outer)

	ws, err := workspace.Find(filepath.Join(outer, "vendor"))
	require.NoError(t, err, "the outer workspace itself is fine")
	assert.Equal(t, outer, ws.Root)
}

func TestFindIgnoresSymlinkedGovernanceDir(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	mkWorkspace(t, real)
	app := filepath.Join(base, "app")
	require.NoError(t, os.MkdirAll(app, 0o755))
	require.NoError(t, os.Symlink(filepath.Join(real, "cocoder"), filepath.Join(app, "cocoder")))
	assert.False(t, workspace.IsWorkspace(app))
	_, err := workspace.Find(app)
	assert.Equal(t, errs.NotFound, errs.CodeOf(err))
}

func TestStandardPaths(t *testing.T) {
	ws, err := workspace.New("/repo")
	require.NoError(t, err)
	assert.Equal(t, "/repo/cocoder/PRIORITIES.md", ws.PrioritiesPath())
	assert.Equal(t, "/repo/cocoder/SESSION_LOG.md", ws.SessionLogPath())
	assert.Equal(t, "/repo/cocoder/AGENTS.md", ws.AgentsPath())
	assert.Equal(t, "/repo/cocoder/config.yaml", ws.ConfigPath())
	assert.Equal(t, "/repo/cocoder/profiles", ws.ProfilesDir())
	assert.Equal(t, "/repo/cocoder/routes", ws.RoutesDir())
	assert.Equal(t, "/repo/cocoder/personas", ws.PersonasDir())
	assert.Equal(t, "/repo/cocoder/prompts", ws.PromptsDir())
	assert.Equal(t, "/repo/cocoder/adapters", ws.AdaptersDir())
	assert.Equal(t, "/repo/cocoder/boundaries", ws.BoundariesDir())
}

func TestBoundariesDirFallback(t *testing.T) {
	root := t.TempDir()
	ws, err := workspace.New(root)
	require.NoError(t, err)
	old := filepath.Join(root, "cocoder", "priority-boundaries")
	require.NoError(t, os.MkdirAll(old, 0o755))
	assert.Equal(t, old, ws.BoundariesDir(), "only the original's folder exists")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "cocoder", "boundaries"), 0o755))
	assert.Equal(t, filepath.Join(root, "cocoder", "boundaries"), ws.BoundariesDir(), "the new name wins when both exist")
}

func TestOpenHome(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	h, err := workspace.OpenHome(t.Context(), dir)
	require.NoError(t, err)
	assert.Equal(t, dir, h.Dir())
	for _, sub := range []string{"", "secrets", "oz", "runs"} {
		fi, err := os.Stat(filepath.Join(dir, sub))
		require.NoError(t, err, sub)
		assert.True(t, fi.IsDir(), sub)
		assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "%s/", sub)
	}
	assert.Equal(t, filepath.Join(dir, "config.yaml"), h.ConfigPath())
	assert.Equal(t, filepath.Join(dir, "workspaces.yaml"), h.RegistryPath())
	assert.Equal(t, filepath.Join(dir, "runs"), h.RunsDir())
	assert.Equal(t, filepath.Join(dir, "oz"), h.OzDir())
	assert.Equal(t, filepath.Join(dir, "secrets"), h.SecretsDir())

	_, err = workspace.OpenHome(t.Context(), dir)
	require.NoError(t, err, "opening twice is fine")
}

func TestOpenHomeRefusals(t *testing.T) {
	t.Run("ErrRelative", func(t *testing.T) {
		_, err := workspace.OpenHome(t.Context(), "rel/home")
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("ErrFile", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(f, nil, 0o600))
		_, err := workspace.OpenHome(t.Context(), f)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("ErrLooseSecrets", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(dir, "secrets"), 0o755))
		require.NoError(t, os.Chmod(filepath.Join(dir, "secrets"), 0o755))
		_, err := workspace.OpenHome(t.Context(), dir)
		require.Error(t, err)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
		assert.Contains(t, err.Error(), "chmod 700")
	})
	t.Run("ErrSymlinkedOz", func(t *testing.T) {
		dir := t.TempDir()
		other := t.TempDir()
		require.NoError(t, os.Symlink(other, filepath.Join(dir, "oz")))
		_, err := workspace.OpenHome(t.Context(), dir)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
}

// gitInit makes dir a git repository.
func gitInit(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required for this test: install git")
	}
	out, err := exec.Command("git", "init", "-q", dir).CombinedOutput()
	require.NoError(t, err, string(out))
}

func TestOpenHomeInsideGit(t *testing.T) {
	tests := []struct {
		name      string
		ignore    string // .gitignore content
		exclude   string // .git/info/exclude content
		homeRel   string
		precreate bool
		wantErr   bool
	}{
		{"ErrNotIgnored", "", "", ".cocoder", false, true},
		{"ErrNotIgnoredExisting", "", "", ".cocoder", true, true},
		{"ErrDeepNotIgnored", "other/\n", "", "a/b/home", false, true},
		{"IgnoredByGitignore", ".cocoder/\n", "", ".cocoder", false, false},
		{"IgnoredExisting", ".cocoder/\n", "", ".cocoder", true, false},
		{"IgnoredByParent", "state/\n", "", "state/x/home", false, false},
		{"IgnoredByExclude", "", "/home/\n", "home", false, false},
		{"ErrRepoRoot", "", "", ".", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			gitInit(t, repo)
			if tt.ignore != "" {
				require.NoError(t, os.WriteFile(filepath.Join(repo, ".gitignore"), []byte(tt.ignore), 0o644))
			}
			if tt.exclude != "" {
				require.NoError(t, os.WriteFile(filepath.Join(repo, ".git", "info", "exclude"), []byte(tt.exclude), 0o644))
			}
			home := filepath.Join(repo, tt.homeRel)
			if tt.precreate {
				require.NoError(t, os.MkdirAll(home, 0o700))
			}
			_, err := workspace.OpenHome(t.Context(), home)
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err))
			assert.Contains(t, err.Error(), "choose a home directory outside it", "the message says how to move it")
			if tt.homeRel != "." {
				assert.Contains(t, err.Error(), ".gitignore", "the message says how to ignore it")
			}
			_, statErr := os.Stat(filepath.Join(home, "secrets"))
			assert.True(t, os.IsNotExist(statErr), "a refused home is not created")
		})
	}
}

func TestOpenHomeIgnoresCallerGitEnv(t *testing.T) {
	repo := t.TempDir()
	gitInit(t, repo)
	plain := t.TempDir()
	// A caller running inside a git hook may have GIT_DIR set; it must not
	// make an unrelated directory look like part of that repository.
	t.Setenv("GIT_DIR", filepath.Join(repo, ".git"))
	_, err := workspace.OpenHome(t.Context(), filepath.Join(plain, "home"))
	require.NoError(t, err)
}

func TestHomeContains(t *testing.T) {
	base := t.TempDir()
	h, err := workspace.OpenHome(t.Context(), filepath.Join(base, "home"))
	require.NoError(t, err)
	link := filepath.Join(base, "link")
	require.NoError(t, os.Symlink(h.Dir(), link))
	assert.True(t, h.Contains(h.Dir()))
	assert.True(t, h.Contains(filepath.Join(h.Dir(), "x")))
	assert.True(t, h.Contains(filepath.Join(link, "runs")), "through a symlink")
	assert.False(t, h.Contains(filepath.Join(base, "homework")))
	assert.False(t, h.Contains(base))
	assert.False(t, strings.HasPrefix(filepath.Join(base, "homework"), h.Dir()+"/"))
}

func TestHomeSecrets(t *testing.T) {
	h, err := workspace.OpenHome(t.Context(), filepath.Join(t.TempDir(), "home"))
	require.NoError(t, err)
	st, err := h.Secrets()
	require.NoError(t, err)
	require.NoError(t, st.Set("api-key", []byte("s3cret-value")))
	fi, err := os.Stat(filepath.Join(h.SecretsDir(), "api-key"))
	require.NoError(t, err, "the store writes into the home's secrets/")
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// TestCaseInsensitive: the answer is the file system's (a real lookup
// under another case decides it), nothing is written, and a repository
// holding both "cocoder" and "COCODER" is not taken for one that folds.
func TestCaseInsensitive(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "cocoder"), 0o755))
	ws, err := workspace.New(root)
	require.NoError(t, err)
	got, err := ws.CaseInsensitive()
	require.NoError(t, err)
	probe := filepath.Join(root, "probe")
	require.NoError(t, os.WriteFile(probe, nil, 0o600))
	_, statErr := os.Stat(filepath.Join(root, "PROBE"))
	assert.Equal(t, statErr == nil, got)
	require.NoError(t, os.Remove(probe))
	ents, err := os.ReadDir(filepath.Join(root, "cocoder"))
	require.NoError(t, err)
	assert.Empty(t, ents, "nothing is written into the workspace")
	if !got {
		require.NoError(t, os.Mkdir(filepath.Join(root, "COCODER"), 0o755))
		got, err = ws.CaseInsensitive()
		require.NoError(t, err)
		assert.False(t, got, "two directories are not one folded name")
	}
}
