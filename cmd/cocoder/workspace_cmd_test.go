package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
)

// runHome runs the CLI with --home home.
func runHome(t *testing.T, home string, args ...string) (int, string, string) {
	t.Helper()
	return invocation{}.run(t.Context(), append([]string{"--home", home}, args...)...)
}

func TestInitCommand(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	repo := t.TempDir()

	code, out, errOut := runHome(t, home, "init", "--dry-run", repo)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Dry run")
	assert.Contains(t, out, "would create  cocoder/AGENTS.md")
	_, err := os.Stat(filepath.Join(repo, "cocoder"))
	assert.True(t, os.IsNotExist(err))

	code, out, errOut = runHome(t, home, "init", repo)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "created   cocoder/routes/default.yaml")
	assert.Contains(t, out, "cocoder workspace add "+repo)

	require.NoError(t, os.WriteFile(filepath.Join(repo, "cocoder", "AGENTS.md"), []byte("# ours\n"), 0o644))
	code, out, errOut = runHome(t, home, "--json", "init", repo)
	require.Equal(t, exitOK, code, errOut)
	var rep struct {
		Root      string   `json:"root"`
		Created   []string `json:"created"`
		Skipped   []string `json:"skipped"`
		Conflicts []string `json:"conflicts"`
		DryRun    bool     `json:"dryRun"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, repo, rep.Root)
	assert.Empty(t, rep.Created)
	assert.Equal(t, []string{"cocoder/AGENTS.md"}, rep.Conflicts)
	assert.NotEmpty(t, rep.Skipped)

	t.Run("ScaffoldPassesValidate", func(t *testing.T) {
		// The scaffold names claude, codex and demo; the binary's shipped
		// declarations must satisfy the cross-check with no extra files.
		code, out, errOut := runHome(t, home, "validate", filepath.Join(repo, "cocoder"))
		assert.Equal(t, exitOK, code, out+errOut)
	})
	t.Run("ErrNested", func(t *testing.T) {
		inner := filepath.Join(repo, "sub")
		require.NoError(t, os.Mkdir(inner, 0o755))
		code, _, errOut := runHome(t, home, "init", inner)
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "nested workspaces are not supported")
	})
	t.Run("ErrInsideHome", func(t *testing.T) {
		code, _, errOut := runHome(t, home, "init", home)
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errOut, "inside the CoCoder home")
	})
}

func TestWorkspaceCommands(t *testing.T) {
	// A user home that contains none of the test's directories, so that
	// the first add matches no token whatever the machine's TMPDIR.
	t.Setenv("HOME", filepath.Join(t.TempDir(), "user"))
	home := filepath.Join(t.TempDir(), "home")
	repos := t.TempDir()
	repo := filepath.Join(repos, "shop")
	require.NoError(t, os.Mkdir(repo, 0o755))
	code, _, errOut := runHome(t, home, "init", repo)
	require.Equal(t, exitOK, code, errOut)

	code, out, _ := runHome(t, home, "workspace", "list")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "No workspaces registered")

	code, out, errOut = runHome(t, home, "workspace", "add", repo)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Registered shop (shop) at "+repo)
	assert.Contains(t, out, "absolute path", "no root matches, so the hint is shown")

	code, _, errOut = runHome(t, home, "config", "set", "roots.repos", repos)
	require.Equal(t, exitOK, code, errOut)
	code, out, errOut = runHome(t, home, "--json", "workspace", "add", filepath.Join(repo, "cocoder"), "--name", "Shop")
	require.Equal(t, exitOK, code, errOut)
	var v workspaceView
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, "shop", v.ID)
	assert.Equal(t, "Shop", v.Name)
	assert.Equal(t, "${root:repos}/shop", v.Path, "re-adding re-tokenizes the path")
	assert.Equal(t, repo, v.AbsPath)

	code, out, _ = runHome(t, home, "workspace", "list")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "ID")
	assert.Contains(t, out, "shop")

	code, out, errOut = runHome(t, home, "workspace", "show", "Shop")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "try-cocoder")
	assert.Contains(t, out, "active")

	code, out, errOut = runHome(t, home, "--json", "workspace", "show", "shop")
	require.Equal(t, exitOK, code, errOut)
	var d workspaceDetail
	require.NoError(t, json.Unmarshal([]byte(out), &d))
	assert.True(t, d.Workspace)
	require.Len(t, d.Priorities, 1)
	assert.Equal(t, "try-cocoder", d.Priorities[0].Slug)

	t.Run("ErrNotAWorkspace", func(t *testing.T) {
		code, _, errOut := runHome(t, home, "workspace", "add", t.TempDir())
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "cocoder init")
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		code, _, errOut := runHome(t, home, "workspace", "show", "nope")
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "workspace list")
	})

	code, out, errOut = runHome(t, home, "workspace", "rm", "Shop")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Removed shop")
	reg, err := contract.Load[contract.Registry](filepath.Join(home, "workspaces.yaml"))
	require.NoError(t, err)
	assert.Empty(t, reg.Workspaces)
	_, err = os.Stat(filepath.Join(repo, "cocoder", "AGENTS.md"))
	assert.NoError(t, err, "the workspace's files are untouched")

	code, _, _ = runHome(t, home, "workspace", "rm", "shop")
	assert.Equal(t, exitFailure, code)
}

func TestConfigCommands(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	repo := t.TempDir()
	code, _, errOut := runHome(t, home, "init", repo)
	require.Equal(t, exitOK, code, errOut)

	code, out, errOut := runHome(t, home, "config", "get", "oz.port", "--dir", repo)
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, "7878\n", out)

	for _, kv := range [][]string{{"oz.port", "9000"}, {"secrets.openai", "${env:OPENAI_API_KEY}"}} {
		code, out, errOut = runHome(t, home, "config", "set", kv[0], kv[1])
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "home layer")
	}
	code, out, errOut = runHome(t, home, "config", "set", "--workspace", "--dir", repo, "theme.mode", "dark")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, filepath.Join(repo, "cocoder", "config.yaml"))

	code, out, errOut = runHome(t, home, "config", "get", "--dir", repo)
	require.Equal(t, exitOK, code, errOut)
	assert.Regexp(t, `oz\.port\s+9000\s+\(home\)`, out)
	assert.Regexp(t, `oz\.host\s+127\.0\.0\.1\s+\(default\)`, out)
	assert.Regexp(t, `theme\.mode\s+dark\s+\(workspace\)`, out)
	assert.Regexp(t, `secrets\.openai\s+\$\{env:OPENAI_API_KEY\}\s+\(home\)`, out, "references are shown as written")

	code, out, errOut = runHome(t, home, "--json", "config", "get", "secrets", "--dir", repo)
	require.Equal(t, exitOK, code, errOut)
	var got struct {
		Value   map[string]string `json:"value"`
		Sources map[string]string `json:"sources"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, map[string]string{"openai": "${env:OPENAI_API_KEY}"}, got.Value)
	assert.Equal(t, map[string]string{"secrets.openai": "home"}, got.Sources)

	t.Run("ErrInvalidValue", func(t *testing.T) {
		const leaked = "sk-cli-canary-0042"
		code, out, errOut := runHome(t, home, "config", "set", "secrets.other", leaked)
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errOut, "secrets.other")
		assert.NotContains(t, errOut+out, leaked)
	})
	t.Run("ErrWorkspaceRequired", func(t *testing.T) {
		code, _, errOut := runHome(t, home, "config", "set", "--workspace", "--dir", t.TempDir(), "theme.mode", "dark")
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "cocoder init")
	})
	t.Run("ErrNoSuchDir", func(t *testing.T) {
		missing := filepath.Join(repo, "missing")
		for _, args := range [][]string{{"config", "get", "--dir", missing}, {"config", "set", "--workspace", "--dir", missing, "theme.mode", "dark"}} {
			code, out, errOut := runHome(t, home, args...)
			assert.Equal(t, exitFailure, code, "%v", args)
			assert.Empty(t, out, "a mistyped --dir must not print the configuration without the workspace layer")
			assert.Contains(t, errOut, "--dir "+missing+" does not exist")
		}
	})
	t.Run("ErrUnsetKey", func(t *testing.T) {
		code, _, errOut := runHome(t, home, "config", "get", "theme.accent")
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "not set")
	})
}
