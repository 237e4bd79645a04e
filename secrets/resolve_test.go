package secrets_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/secrets"
)

// fixture is a resolver with one stored secret, one environment variable
// and one file, all holding distinct canaries.
type fixture struct {
	r    secrets.Resolver
	base string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	s := openStore(t)
	require.NoError(t, s.Set("openai", []byte(canary+"-store")))
	base := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(base, "keys"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(base, "keys", "gh"), []byte(canary+"-file\n"), 0o600))
	env := map[string]string{"FROM_ENV": canary + "-env", "EMPTY": ""}
	return fixture{
		r: secrets.Resolver{
			Store:   s,
			BaseDir: base,
			Getenv: func(k string) (string, bool) {
				v, ok := env[k]
				return v, ok
			},
		},
		base: base,
	}
}

func TestResolve(t *testing.T) {
	f := newFixture(t)
	env, err := f.r.Resolve(t.Context(), map[string]string{
		"OPENAI_API_KEY": "${secret:openai}",
		"GH_TOKEN":       "${file:keys/gh}",
		"PASSED":         "${env:FROM_ENV}",
		"MODE":           "literal text",
		"BLANK":          "",
	})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"BLANK=",
		"GH_TOKEN=" + canary + "-file",
		"MODE=literal text",
		"OPENAI_API_KEY=" + canary + "-store",
		"PASSED=" + canary + "-env",
	}, env.Environ(), "sorted, one trailing newline removed from the file")
	assert.Len(t, env.Values(), 5)
	assert.Equal(t, canary+"-file", env.Values()[1].Reveal(), "values in name order")
	require.NoError(t, f.r.Check(t.Context(), map[string]string{"K": "${secret:openai}"}))
}

func TestResolveFailures(t *testing.T) {
	tests := []struct {
		name string
		ref  string
		code errs.Code
		says string
		prep func(t *testing.T, f fixture)
	}{
		{name: "ErrMissingSecret", ref: "${secret:nope}", code: errs.NotFound, says: "is not in the secret store"},
		{name: "ErrMissingEnv", ref: "${env:NOPE}", code: errs.NotFound, says: "NOPE is not set"},
		{name: "ErrEmptyEnv", ref: "${env:EMPTY}", code: errs.NotFound, says: "EMPTY is not set or empty"},
		{name: "ErrMissingFile", ref: "${file:keys/nope}", code: errs.NotFound, says: "does not exist"},
		{name: "ErrBadRef", ref: "${vault:x}", code: errs.Invalid, says: "unknown kind"},
		{name: "ErrAbsoluteFile", ref: "${file:/etc/passwd}", code: errs.Invalid, says: "relative"},
		{name: "ErrEmbeddedRef", ref: "Bearer ${env:FROM_ENV}", code: errs.Invalid, says: "not one whole reference"},
		{name: "ErrLooseFile", ref: "${file:loose}", code: errs.Invalid, says: "chmod 600", prep: func(t *testing.T, f fixture) {
			p := filepath.Join(f.base, "loose")
			require.NoError(t, os.WriteFile(p, []byte(canary), 0o644))
			require.NoError(t, os.Chmod(p, 0o644))
		}},
		{name: "ErrSymlinkFile", ref: "${file:link}", code: errs.Invalid, says: "symlink", prep: func(t *testing.T, f fixture) {
			require.NoError(t, os.Symlink(filepath.Join(f.base, "keys", "gh"), filepath.Join(f.base, "link")))
		}},
		{name: "ErrSymlinkedDirEscapes", ref: "${file:out/secret}", code: errs.Invalid, says: "out/secret", prep: func(t *testing.T, f fixture) {
			outside := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte(canary), 0o600))
			require.NoError(t, os.Symlink(outside, filepath.Join(f.base, "out")))
		}},
		{name: "ErrFIFOFile", ref: "${file:fifo}", code: errs.Invalid, says: "named pipe", prep: func(t *testing.T, f fixture) {
			require.NoError(t, syscall.Mkfifo(filepath.Join(f.base, "fifo"), 0o600))
		}},
		{name: "ErrEmptyFile", ref: "${file:empty}", code: errs.Invalid, says: "empty", prep: func(t *testing.T, f fixture) {
			require.NoError(t, os.WriteFile(filepath.Join(f.base, "empty"), []byte("\n"), 0o600))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.prep != nil {
				tt.prep(t, f)
			}
			_, err := f.r.Resolve(t.Context(), map[string]string{"VAR": tt.ref})
			requireCode(t, err, tt.code)
			assert.Contains(t, err.Error(), tt.says)
			assert.Contains(t, err.Error(), "VAR", "names the variable")
			if secrets.IsRef(tt.ref) {
				assert.Contains(t, err.Error(), tt.ref, "names the reference")
			}
			assert.Equal(t, err.Error(), f.r.Check(t.Context(), map[string]string{"VAR": tt.ref}).Error(), "Check agrees")
		})
	}
}

func TestResolveReportsEveryProblem(t *testing.T) {
	f := newFixture(t)
	_, err := f.r.Resolve(t.Context(), map[string]string{
		"A_OK":    "${secret:openai}",
		"B_ENV":   "${env:NOPE}",
		"C_BAD":   "${nope:x}",
		"bad-var": "x",
		"D_LIT":   canary + "-literal ${",
	})
	requireCode(t, err, errs.NotFound)
	msg := err.Error()
	assert.Contains(t, msg, "4 variables do not resolve")
	for _, want := range []string{"B_ENV=${env:NOPE}", "C_BAD=${nope:x}", `"bad-var"`, "D_LIT (literal value)"} {
		assert.Contains(t, msg, want)
	}
	assert.NotContains(t, msg, "A_OK")
}

func TestResolverWithoutSources(t *testing.T) {
	var r secrets.Resolver
	_, err := r.Resolve(t.Context(), map[string]string{"K": "${secret:x}"})
	requireCode(t, err, errs.Invalid)
	assert.Contains(t, err.Error(), "no secret store")
	_, err = r.Resolve(t.Context(), map[string]string{"K": "${file:x}"})
	requireCode(t, err, errs.Invalid)
	assert.Contains(t, err.Error(), "no base directory")

	t.Setenv("COCODER_SECRETS_TEST_VAR", canary)
	env, err := r.Resolve(t.Context(), map[string]string{"K": "${env:COCODER_SECRETS_TEST_VAR}"})
	require.NoError(t, err, "the zero Resolver reads the process environment")
	assert.Equal(t, canary, env["K"].Reveal())
}

func TestResolveCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := f.r.Resolve(ctx, map[string]string{"K": "${secret:openai}"})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestReadValue(t *testing.T) {
	for in, want := range map[string]string{
		"abc": "abc", "abc\n": "abc", "abc\r\n": "abc", "abc\n\n": "abc\n", "\n": "", "a\nb": "a\nb",
	} {
		got, err := secrets.ReadValue(strings.NewReader(in))
		require.NoError(t, err)
		assert.Equal(t, want, string(got), "%q", in)
	}
	_, err := secrets.ReadValue(strings.NewReader(strings.Repeat("x", secrets.MaxValueSize) + "\n"))
	require.NoError(t, err, "the limit counts the value, not its newline")
	_, err = secrets.ReadValue(strings.NewReader(strings.Repeat("x", secrets.MaxValueSize+1)))
	requireCode(t, err, errs.Invalid)
}

// TestResolverNeverReadsATokenOrTheHomeZone: no reference reaches a
// generated token: ${secret:token.…} in any case is refused, and a
// ${file:…} into a denied directory (the home zone) is refused whether it
// is named directly or through a symlinked directory.
func TestResolverNeverReadsATokenOrTheHomeZone(t *testing.T) {
	base := t.TempDir()
	zone := filepath.Join(base, ".cocoder")
	store, err := secrets.Open(filepath.Join(zone, "secrets"))
	require.NoError(t, err)
	tok, err := store.Token("oz")
	require.NoError(t, err)
	require.NoError(t, os.Symlink(".cocoder", filepath.Join(base, "alias")))
	require.NoError(t, os.WriteFile(filepath.Join(base, "ok.key"), []byte("fine-value\n"), 0o600))
	r := secrets.Resolver{Store: store, BaseDir: base, DenyDirs: []string{zone}}
	for _, ref := range []string{"${secret:token.oz}", "${secret:TOKEN.oz}", "${secret:Token.OZ}",
		"${file:.cocoder/secrets/token.oz}", "${file:alias/secrets/token.oz}"} {
		v, err := r.Lookup(t.Context(), ref)
		require.Error(t, err, ref)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%s: %v", ref, err)
		assert.NotContains(t, err.Error(), tok.Reveal())
		assert.Empty(t, v.Reveal())
	}
	v, err := r.Lookup(t.Context(), "${file:ok.key}")
	require.NoError(t, err)
	assert.Equal(t, "fine-value", v.Reveal())
	// A base directory inside the zone is refused as a whole.
	r.BaseDir = zone
	_, err = r.Lookup(t.Context(), "${file:secrets/token.oz}")
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
}
