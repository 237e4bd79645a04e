package secrets_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/secrets"
)

// openStore opens a fresh store in a temporary home.
func openStore(t *testing.T) *secrets.Store {
	t.Helper()
	s, err := secrets.Open(filepath.Join(t.TempDir(), "home", "secrets"))
	require.NoError(t, err)
	return s
}

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	return fi.Mode().Perm()
}

// requireCode checks err's code and that its text never carries the canary.
func requireCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, errs.CodeOf(err), "error: %v", err)
	assert.NotContains(t, err.Error(), canary)
}

// entries lists a directory's names, hidden ones included.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestOpen(t *testing.T) {
	t.Run("CreatesPrivateDirectory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "secrets")
		s, err := secrets.Open(dir)
		require.NoError(t, err)
		assert.Equal(t, dir, s.Dir())
		assert.Equal(t, fs.FileMode(0o700), perm(t, dir))
	})
	t.Run("ReopensExisting", func(t *testing.T) {
		s := openStore(t)
		require.NoError(t, s.Set("k", []byte(canary)))
		s2, err := secrets.Open(s.Dir())
		require.NoError(t, err)
		v, err := s2.Get("k")
		require.NoError(t, err)
		assert.Equal(t, canary, v.Reveal())
	})
	t.Run("ErrLooseDirectory", func(t *testing.T) {
		for _, mode := range []fs.FileMode{0o755, 0o750, 0o701, 0o770} {
			dir := filepath.Join(t.TempDir(), "secrets")
			require.NoError(t, os.Mkdir(dir, 0o700))
			require.NoError(t, os.Chmod(dir, mode))
			_, err := secrets.Open(dir)
			requireCode(t, err, errs.Invalid)
			assert.Contains(t, err.Error(), "chmod 700 "+dir)
			assert.Equal(t, mode, perm(t, dir), "never fixed silently")
		}
	})
	t.Run("ErrSymlinkedDirectory", func(t *testing.T) {
		base := t.TempDir()
		real := filepath.Join(base, "real")
		require.NoError(t, os.Mkdir(real, 0o700))
		link := filepath.Join(base, "secrets")
		require.NoError(t, os.Symlink(real, link))
		_, err := secrets.Open(link)
		requireCode(t, err, errs.Invalid)
		assert.Contains(t, err.Error(), "symlink")
	})
	t.Run("ErrNotADirectory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "secrets")
		require.NoError(t, os.WriteFile(path, nil, 0o600))
		_, err := secrets.Open(path)
		requireCode(t, err, errs.Invalid)
	})
	t.Run("ErrEmptyPath", func(t *testing.T) {
		_, err := secrets.Open("")
		requireCode(t, err, errs.Invalid)
	})
	t.Run("ErrOtherOwner", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give the directory to another user")
		}
		dir := filepath.Join(t.TempDir(), "secrets")
		require.NoError(t, os.Mkdir(dir, 0o700))
		require.NoError(t, os.Chown(dir, 65534, 65534))
		_, err := secrets.Open(dir)
		requireCode(t, err, errs.Invalid)
		assert.Contains(t, err.Error(), "owned by uid 65534")
	})
	t.Run("SweepsStaleTempFiles", func(t *testing.T) {
		s := openStore(t)
		old := filepath.Join(s.Dir(), ".k.tmp-123456")
		fresh := filepath.Join(s.Dir(), ".k.tmp-654321")
		other := filepath.Join(s.Dir(), ".keep")
		for _, p := range []string{old, fresh, other} {
			require.NoError(t, os.WriteFile(p, []byte("partial"), 0o600))
		}
		past := time.Now().Add(-2 * time.Hour)
		require.NoError(t, os.Chtimes(old, past, past))
		require.NoError(t, os.Chtimes(other, past, past))
		_, err := secrets.Open(s.Dir())
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{".k.tmp-654321", ".keep"}, entries(t, s.Dir()))
	})
}

func TestSetGet(t *testing.T) {
	s := openStore(t)
	require.NoError(t, s.Set("openai", []byte(canary)))
	assert.Equal(t, fs.FileMode(0o600), perm(t, s.Path("openai")))
	v, err := s.Get("openai")
	require.NoError(t, err)
	assert.Equal(t, canary, v.Reveal())

	require.NoError(t, s.Set("openai", []byte("second-value")))
	v, err = s.Get("openai")
	require.NoError(t, err)
	assert.Equal(t, "second-value", v.Reveal())
	assert.Equal(t, []string{"openai"}, entries(t, s.Dir()), "no temp file left behind")

	_, err = s.Get("missing")
	requireCode(t, err, errs.NotFound)
	assert.Contains(t, err.Error(), "is not in the secret store")
}

func TestSetRefusesBadInput(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		value  string
	}{
		{"ErrEmptyName", "", canary},
		{"ErrSlash", "a/b", canary},
		{"ErrParent", "../x", canary},
		{"ErrDotDot", "..", canary},
		{"ErrDotDotInside", "a..b", canary},
		{"ErrHidden", ".hidden", canary},
		{"ErrLeadingDash", "-rf", canary},
		{"ErrNUL", "a\x00b", canary},
		{"ErrSpace", "a b", canary},
		{"ErrBackslash", `a\b`, canary},
		{"ErrNonASCII", "clé", canary},
		{"ErrTooLong", strings.Repeat("a", secrets.MaxNameLen+1), canary},
		{"ErrReservedPrefix", "token.oz", canary},
		{"ErrReservedPrefixUpper", "TOKEN.oz", canary},
		{"ErrReservedPrefixMixed", "Token.Oz", canary},
		{"ErrEmptyValue", "k", ""},
		{"ErrNULValue", "k", canary + "\x00"},
		{"ErrHugeValue", "k", strings.Repeat("x", secrets.MaxValueSize+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			err := s.Set(tt.secret, []byte(tt.value))
			requireCode(t, err, errs.Invalid)
			assert.Empty(t, entries(t, s.Dir()), "nothing written")
		})
	}
}

func TestUnsafeEntriesRefused(t *testing.T) {
	setups := map[string]func(t *testing.T, s *secrets.Store) (check func(t *testing.T)){
		"Symlink": func(t *testing.T, s *secrets.Store) func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "elsewhere")
			require.NoError(t, os.WriteFile(target, []byte(canary), 0o600))
			require.NoError(t, os.Symlink(target, s.Path("k")))
			return func(t *testing.T) {
				got, err := os.Readlink(s.Path("k"))
				require.NoError(t, err, "the link is still there")
				assert.Equal(t, target, got)
				b, err := os.ReadFile(target)
				require.NoError(t, err)
				assert.Equal(t, canary, string(b), "the target is untouched")
			}
		},
		"DanglingSymlink": func(t *testing.T, s *secrets.Store) func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "missing")
			require.NoError(t, os.Symlink(target, s.Path("k")))
			return func(t *testing.T) {
				assert.NoFileExists(t, target, "nothing created through the link")
			}
		},
		"LooseFile": func(t *testing.T, s *secrets.Store) func(t *testing.T) {
			require.NoError(t, os.WriteFile(s.Path("k"), []byte(canary), 0o644))
			require.NoError(t, os.Chmod(s.Path("k"), 0o644))
			return func(t *testing.T) {
				assert.Equal(t, fs.FileMode(0o644), perm(t, s.Path("k")), "not fixed silently")
			}
		},
		"GroupWritable": func(t *testing.T, s *secrets.Store) func(t *testing.T) {
			require.NoError(t, os.WriteFile(s.Path("k"), []byte(canary), 0o600))
			require.NoError(t, os.Chmod(s.Path("k"), 0o620))
			return func(t *testing.T) {}
		},
		"FIFO": func(t *testing.T, s *secrets.Store) func(t *testing.T) {
			require.NoError(t, syscall.Mkfifo(s.Path("k"), 0o600))
			return func(t *testing.T) {}
		},
		"Directory": func(t *testing.T, s *secrets.Store) func(t *testing.T) {
			require.NoError(t, os.Mkdir(s.Path("k"), 0o700))
			return func(t *testing.T) {}
		},
		"OtherOwner": func(t *testing.T, s *secrets.Store) func(t *testing.T) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to give the file to another user")
			}
			require.NoError(t, os.WriteFile(s.Path("k"), []byte(canary), 0o600))
			require.NoError(t, os.Chown(s.Path("k"), 65534, 65534))
			return func(t *testing.T) {}
		},
	}
	for name, setup := range setups {
		t.Run(name, func(t *testing.T) {
			s := openStore(t)
			check := setup(t, s)

			_, err := s.Get("k")
			requireCode(t, err, errs.Invalid)
			assert.Contains(t, err.Error(), s.Path("k"), "names the file")

			err = s.Set("k", []byte("new-value"))
			requireCode(t, err, errs.Invalid)

			list, err := s.List()
			require.NoError(t, err)
			require.Len(t, list, 1)
			assert.NotEmpty(t, list[0].Problem)
			check(t)
		})
	}
}

func TestDirectoryCheckedOnEveryCall(t *testing.T) {
	s := openStore(t)
	require.NoError(t, s.Set("k", []byte(canary)))
	require.NoError(t, os.Chmod(s.Dir(), 0o755))
	_, err := s.Get("k")
	requireCode(t, err, errs.Invalid)
	requireCode(t, s.Set("k", []byte("x-value")), errs.Invalid)
	_, err = s.List()
	requireCode(t, err, errs.Invalid)
	requireCode(t, s.Remove("k"), errs.Invalid)
	require.NoError(t, os.Chmod(s.Dir(), 0o700))
	v, err := s.Get("k")
	require.NoError(t, err)
	assert.Equal(t, canary, v.Reveal(), "unchanged by the refused calls")
}

func TestList(t *testing.T) {
	s := openStore(t)
	before := time.Now().Add(-time.Second)
	require.NoError(t, s.Set("zeta", []byte("value-one")))
	require.NoError(t, s.Set("alpha", []byte(canary)))
	require.NoError(t, os.WriteFile(filepath.Join(s.Dir(), ".alpha.tmp-42"), []byte("partial"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(s.Dir(), "bad name"), []byte("x"), 0o600))

	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, "alpha", list[0].Name)
	assert.Equal(t, int64(len(canary)), list[0].Size)
	assert.True(t, list[0].ModTime.After(before))
	assert.Empty(t, list[0].Problem)
	assert.Equal(t, "bad name", list[1].Name)
	assert.Contains(t, list[1].Problem, "not a valid secret name")
	assert.Equal(t, "zeta", list[2].Name)

	b, err := json.Marshal(list)
	require.NoError(t, err)
	assert.NotContains(t, string(b), canary)
	assert.Contains(t, string(b), `"name":"alpha","size":22`)
}

func TestRemove(t *testing.T) {
	s := openStore(t)
	require.NoError(t, s.Set("k", []byte(canary)))
	require.NoError(t, s.Remove("k"))
	_, err := s.Get("k")
	requireCode(t, err, errs.NotFound)
	requireCode(t, s.Remove("k"), errs.NotFound)
	requireCode(t, s.Remove("../k"), errs.Invalid)

	t.Run("ErrSymlink", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "elsewhere")
		require.NoError(t, os.WriteFile(target, []byte(canary), 0o600))
		require.NoError(t, os.Symlink(target, s.Path("link")))
		requireCode(t, s.Remove("link"), errs.Invalid)
		_, err := os.Lstat(s.Path("link"))
		assert.NoError(t, err, "the link is left for the user")
		assert.FileExists(t, target)
	})
}
