package workspace_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

func configFixture(t *testing.T) (*workspace.Home, *workspace.Workspace) {
	t.Helper()
	h, err := workspace.OpenHome(t.Context(), filepath.Join(t.TempDir(), "home"))
	require.NoError(t, err)
	root := t.TempDir()
	_, err = workspace.Init(t.Context(), root, workspace.InitOptions{Home: h})
	require.NoError(t, err)
	ws, err := workspace.Find(root)
	require.NoError(t, err)
	return h, ws
}

func TestLoadConfigLayers(t *testing.T) {
	h, ws := configFixture(t)

	t.Run("DefaultsOnly", func(t *testing.T) {
		rc, err := workspace.LoadConfig(h, ws)
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1", rc.Config.Oz.Host)
		assert.Equal(t, 7878, rc.Config.Oz.Port)
		assert.Equal(t, workspace.LayerDefault, rc.Sources["oz.port"])
		assert.Equal(t, []workspace.ConfigLayer{
			{Name: workspace.LayerDefault, Present: true},
			{Name: workspace.LayerHome, Path: h.ConfigPath()},
			{Name: workspace.LayerWorkspace, Path: ws.ConfigPath()},
		}, rc.Layers)
	})

	require.NoError(t, os.WriteFile(h.ConfigPath(), []byte(`# machine settings
oz:
  port: 9000
theme:
  mode: dark
secrets:
  openai: ${env:OPENAI_API_KEY}
adapters:
  claude: {command: /opt/claude/bin/claude}
`), 0o600))
	require.NoError(t, os.WriteFile(ws.ConfigPath(), []byte(`theme:
  mode: light
adapters:
  codex: {enabled: false}
secrets:
  github: ${secret:github-token}
oz:
`), 0o644))

	rc, err := workspace.LoadConfig(h, ws)
	require.NoError(t, err)
	tests := []struct {
		key, layer string
		want       any
	}{
		{"oz.host", workspace.LayerDefault, "127.0.0.1"},
		{"oz.port", workspace.LayerHome, 9000},
		{"theme.mode", workspace.LayerWorkspace, "light"},
		{"secrets.openai", workspace.LayerHome, "${env:OPENAI_API_KEY}"},
		{"secrets.github", workspace.LayerWorkspace, "${secret:github-token}"},
		{"adapters.claude.command", workspace.LayerHome, "/opt/claude/bin/claude"},
		{"adapters.codex.enabled", workspace.LayerWorkspace, false},
		{"maxRuns", workspace.LayerDefault, 4},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			v, src, err := rc.Get(tt.key)
			require.NoError(t, err)
			assert.Equal(t, tt.want, v)
			assert.Equal(t, map[string]string{tt.key: tt.layer}, src)
			assert.Equal(t, tt.layer, rc.Sources[tt.key])
		})
	}
	assert.Equal(t, "${env:OPENAI_API_KEY}", rc.Config.Secrets["openai"], "references are never resolved")
	assert.Equal(t, "light", rc.Config.Theme.Mode)
	assert.Equal(t, 9000, rc.Config.Oz.Port, "an empty oz: in the workspace sets nothing")
	require.NotNil(t, rc.Config.Adapters["codex"].Enabled)

	t.Run("GetMapping", func(t *testing.T) {
		v, src, err := rc.Get("oz")
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"host": "127.0.0.1", "port": 9000}, v)
		assert.Equal(t, map[string]string{"oz.host": workspace.LayerDefault, "oz.port": workspace.LayerHome}, src)
	})
	t.Run("ErrUnset", func(t *testing.T) {
		_, _, err := rc.Get("theme.accent")
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
		_, _, err = rc.Get("oz..port")
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("WithoutWorkspace", func(t *testing.T) {
		rc, err := workspace.LoadConfig(h, nil)
		require.NoError(t, err)
		assert.Equal(t, "dark", rc.Config.Theme.Mode)
		assert.Len(t, rc.Layers, 2)
	})
}

func TestLoadConfigReportsTheBrokenFile(t *testing.T) {
	h, ws := configFixture(t)
	require.NoError(t, os.WriteFile(ws.ConfigPath(), []byte("oz:\n  prot: 80\n"), 0o644))
	_, err := workspace.LoadConfig(h, ws)
	require.Error(t, err)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	ve, ok := errors.AsType[*contract.ValidationError](err)
	require.True(t, ok)
	assert.Equal(t, ws.ConfigPath(), ve.File)
	require.NotEmpty(t, ve.Problems)
	assert.Equal(t, 2, ve.Problems[0].Line)
}

func TestSetConfig(t *testing.T) {
	h, _ := configFixture(t)
	path := h.ConfigPath()
	require.NoError(t, os.WriteFile(path, []byte("# my settings\ntheme:\n  mode: dark # I like it dark\n"), 0o600))

	steps := []struct{ key, value string }{
		{"oz.port", "9100"},
		{"secrets.openai", "${env:OPENAI_API_KEY}"},
		{"adapters.codex.enabled", "false"},
		{"roots", "{dev: ~/dev}"},
		{"defaults.profile", "fast"},
		{"maxRuns", "2"},
		{"defaults.profile", "null"},
	}
	for _, s := range steps {
		require.NoError(t, workspace.SetConfig(t.Context(), path, s.key, s.value), "%s=%s", s.key, s.value)
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	text := string(data)
	assert.Contains(t, text, "# my settings", "comments survive")
	assert.Contains(t, text, "# I like it dark")
	assert.Less(t, strings.Index(text, "theme:"), strings.Index(text, "oz:"), "existing order is kept")

	cfg, err := contract.Load[contract.Config](path)
	require.NoError(t, err)
	assert.Equal(t, 9100, cfg.Oz.Port)
	assert.Equal(t, "${env:OPENAI_API_KEY}", cfg.Secrets["openai"])
	require.NotNil(t, cfg.Adapters["codex"].Enabled)
	assert.False(t, *cfg.Adapters["codex"].Enabled)
	assert.Equal(t, "~/dev", cfg.Roots["dev"])
	assert.Equal(t, 2, cfg.MaxRuns)
	assert.Empty(t, cfg.Defaults.Profile, "null removes the key")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

func TestSetConfigRefusesInvalidValues(t *testing.T) {
	h, _ := configFixture(t)
	path := h.ConfigPath()
	require.NoError(t, workspace.SetConfig(t.Context(), path, "oz.port", "9100"))
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	const leaked = "sk-live-THIS-IS-A-SECRET-VALUE"
	tests := []struct {
		name, key, value string
		mention          string
	}{
		{"ErrPortRange", "oz.port", "80", "oz.port"},
		{"ErrNonLoopbackHost", "oz.host", "0.0.0.0", "oz.host"},
		{"ErrUnknownKey", "oz.prot", "9000", "prot"},
		{"ErrSecretValueNotReference", "secrets.openai", leaked, "secrets.openai"},
		{"ErrRelativeRoot", "roots.dev", "dev", "roots.dev"},
		{"ErrBadList", "roots", "[unclosed", "valid list"},
		{"ErrThroughScalar", "oz.port.x", "1", "not a mapping"},
		{"ErrEmptySegment", "oz..port", "1", "empty segment"},
		{"ErrWrongType", "maxRuns", "many", "maxRuns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := workspace.SetConfig(t.Context(), path, tt.key, tt.value)
			require.Error(t, err)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
			assert.Contains(t, err.Error(), tt.mention)
			assert.NotContains(t, err.Error(), leaked, "a refused value is never echoed")
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "nothing written")
		})
	}
	t.Run("ErrMissingDir", func(t *testing.T) {
		err := workspace.SetConfig(t.Context(), filepath.Join(t.TempDir(), "nope", "config.yaml"), "oz.port", "9000")
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	})
}

func TestSetConfigConcurrentWriters(t *testing.T) {
	h, _ := configFixture(t)
	path := h.ConfigPath()
	var wg sync.WaitGroup
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, n := range names {
		wg.Go(func() {
			assert.NoError(t, workspace.SetConfig(t.Context(), path, "secrets."+n, "${env:KEY_"+strings.ToUpper(n)+"}"))
		})
	}
	wg.Wait()
	cfg, err := contract.Load[contract.Config](path)
	require.NoError(t, err)
	assert.Len(t, cfg.Secrets, len(names), "no setter lost another's key")
}

func TestHomeTokensFromConfig(t *testing.T) {
	h, _ := configFixture(t)
	require.NoError(t, workspace.SetConfig(t.Context(), h.ConfigPath(), "roots.src", "/srv/src"))
	tok, err := h.Tokens()
	require.NoError(t, err)
	assert.Equal(t, h.Dir(), tok.Home)
	assert.Equal(t, map[string]string{"src": "/srv/src"}, tok.Roots)
	stored, warn := tok.Tokenize("/srv/src/app")
	assert.Equal(t, "${root:src}/app", stored)
	assert.Empty(t, warn)

	require.NoError(t, os.WriteFile(h.ConfigPath(), []byte("roots: [1, 2]\n"), 0o600))
	_, err = h.Tokens()
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
}

func TestLoadConfigNeverEchoesALiteralSecret(t *testing.T) {
	h, ws := configFixture(t)
	const leaked = "ghp_0123456789abcdefSECRET"
	require.NoError(t, os.WriteFile(h.ConfigPath(), []byte("secrets:\n  github: "+leaked+"\n"), 0o600))
	_, err := workspace.LoadConfig(h, ws)
	require.Error(t, err)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	assert.Contains(t, err.Error(), "secrets.github")
	assert.NotContains(t, err.Error(), leaked)
}

// FuzzSetConfig feeds arbitrary keys and values to SetConfig: it never
// panics, a success leaves a file that validates, and a failure leaves the
// file as it was.
func FuzzSetConfig(f *testing.F) {
	for _, kv := range [][2]string{
		{"oz.port", "9000"}, {"secrets.x", "${env:X}"}, {"roots", "{a: /b}"}, {"a..b", "1"},
		{"theme.mode", "null"}, {"adapters.codex.enabled", "false"}, {"roots", "[1, {"}, {"oz", "7"},
	} {
		f.Add(kv[0], kv[1])
	}
	dir := f.TempDir()
	const seed = "# kept\noz:\n  port: 9100\n"
	f.Fuzz(func(t *testing.T, key, value string) {
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
			t.Fatal(err)
		}
		err := workspace.SetConfig(t.Context(), path, key, value)
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if err != nil {
			if string(data) != seed {
				t.Fatalf("SetConfig(t.Context(), %q, %q) failed (%v) but changed the file", key, value, err)
			}
			return
		}
		if _, err := contract.Parse[contract.Config](path, data); err != nil {
			t.Fatalf("SetConfig(t.Context(), %q, %q) wrote an invalid file: %v", key, value, err)
		}
	})
}

// FuzzLoadConfig feeds arbitrary bytes as the workspace config layer:
// LoadConfig never panics, and either fails with an invalid-input error or
// returns a configuration whose sources name known layers.
func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte("oz:\n  port: 9000\n"))
	f.Add([]byte("secrets:\n  a: ${env:A}\nroots: {x: ~/x}\n"))
	f.Add([]byte("adapters:\n  codex: {enabled: false}\n"))
	f.Add([]byte("oz: [1]\n"))
	f.Add([]byte("{{{"))
	base := f.TempDir()
	h, err := workspace.OpenHome(f.Context(), filepath.Join(base, "home"))
	if err != nil {
		f.Fatal(err)
	}
	root := filepath.Join(base, "repo")
	if err := os.MkdirAll(filepath.Join(root, "cocoder"), 0o755); err != nil {
		f.Fatal(err)
	}
	ws, err := workspace.New(root)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(ws.ConfigPath(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		rc, err := workspace.LoadConfig(h, ws)
		if err != nil {
			if c := errs.CodeOf(err); c != errs.Invalid {
				t.Fatalf("error code %s: %v", c, err)
			}
			return
		}
		for k, l := range rc.Sources {
			if l != workspace.LayerDefault && l != workspace.LayerWorkspace {
				t.Fatalf("key %s from layer %q", k, l)
			}
			if _, _, err := rc.Get(k); err != nil {
				t.Fatalf("Get(%q) of a listed key: %v", k, err)
			}
		}
	})
}
