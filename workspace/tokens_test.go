package workspace_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

func testTokens() workspace.Tokens {
	return workspace.Tokens{
		Home:     "/home/ada/.cocoder",
		UserHome: "/home/ada",
		Roots: map[string]string{
			"dev":    "~/dev",
			"nas":    "/mnt/nas",
			"nasapp": "/mnt/nas/apps",
			"top":    "/",
		},
		RootsSource: "/home/ada/.cocoder/config.yaml",
	}
}

func TestExpand(t *testing.T) {
	tok := testTokens()
	tests := []struct {
		name, stored, want string
	}{
		{"HomeToken", "${COCODER_HOME}", "/home/ada/.cocoder"},
		{"HomeTokenRest", "${COCODER_HOME}/runs/x", "/home/ada/.cocoder/runs/x"},
		{"RootTilde", "${root:dev}/app", "/home/ada/dev/app"},
		{"RootAbsolute", "${root:nas}", "/mnt/nas"},
		{"RootSlashRoot", "${root:top}/srv", "/srv"},
		{"Tilde", "~", "/home/ada"},
		{"TildeRest", "~/src/app", "/home/ada/src/app"},
		{"Absolute", "/srv/app", "/srv/app"},
		{"AbsoluteCleaned", "/srv//app/./x/", "/srv/app/x"},
		{"TrailingSlash", "${root:dev}/app/", "/home/ada/dev/app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tok.Expand(tt.stored)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExpandErrors(t *testing.T) {
	tok := testTokens()
	tests := []struct {
		name, stored string
		mention      []string
	}{
		{"ErrUnknownRoot", "${root:work}/x", []string{`"work"`, "known roots: dev, nas, nasapp, top", "/home/ada/.cocoder/config.yaml"}},
		{"ErrUnknownToken", "${HOME}/x", []string{"unknown token ${HOME}"}},
		{"ErrUnterminated", "${root:dev", []string{"unterminated"}},
		{"ErrTokenGlued", "${root:dev}app", []string{"followed by"}},
		{"ErrBadRootName", "${root:a/b}/x", []string{`"a/b"`}},
		{"ErrRelative", "src/app", []string{"relative"}},
		{"ErrEmpty", "", []string{"empty"}},
		{"ErrDotDotAfterToken", "${root:dev}/../etc", []string{`".."`}},
		{"ErrDotDotAbsolute", "/srv/../etc", []string{`".."`}},
		{"ErrNUL", "/srv/\x00", []string{"NUL"}},
		{"ErrTildeUser", "~bob/x", []string{"relative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tok.Expand(tt.stored)
			require.Error(t, err)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err))
			for _, m := range tt.mention {
				assert.Contains(t, err.Error(), m)
			}
		})
	}
}

func TestExpandWithoutHomes(t *testing.T) {
	tok := workspace.Tokens{Roots: map[string]string{"rel": "dev", "tilde": "~/x"}}
	for _, stored := range []string{"${COCODER_HOME}/x", "~/x", "${root:rel}/x", "${root:tilde}/x", "${root:none}"} {
		t.Run(stored, func(t *testing.T) {
			_, err := tok.Expand(stored)
			require.Error(t, err)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err))
		})
	}
	t.Run("NoRootsConfigured", func(t *testing.T) {
		_, err := workspace.Tokens{}.Expand("${root:dev}")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "none are configured")
		assert.Contains(t, err.Error(), "home config.yaml")
	})
}

func TestTokenize(t *testing.T) {
	tok := testTokens()
	noTop := testTokens()
	delete(noTop.Roots, "top")
	tests := []struct {
		name string
		tok  workspace.Tokens
		abs  string
		want string
		warn bool
	}{
		{"LongestRootWins", tok, "/mnt/nas/apps/x", "${root:nasapp}/x", false},
		{"RootItself", tok, "/mnt/nas", "${root:nas}", false},
		{"RootSegmentAware", tok, "/mnt/nasty/x", "${root:top}/mnt/nasty/x", false},
		{"RootTildeBeatsHome", tok, "/home/ada/dev/app", "${root:dev}/app", false},
		{"RootBeatsCocoderHome", tok, "/home/ada/.cocoder/x", "${root:top}/home/ada/.cocoder/x", false},
		{"Cleaned", tok, "/mnt/nas/apps/./x/", "${root:nasapp}/x", false},
		{"HomeToken", noTop, "/home/ada/.cocoder/ws", "${COCODER_HOME}/ws", false},
		{"HomeTokenItself", noTop, "/home/ada/.cocoder", "${COCODER_HOME}", false},
		{"Tilde", noTop, "/home/ada/src/app", "~/src/app", false},
		{"TildeSegmentAware", noTop, "/home/adam/x", "/home/adam/x", true},
		{"AbsoluteWithWarning", noTop, "/srv/app", "/srv/app", true},
		{"RelativeWithWarning", noTop, "src/app", "src/app", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warn := tt.tok.Tokenize(tt.abs)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.warn, warn != "", "warning %q", warn)
			if tt.warn && filepath.IsAbs(tt.abs) {
				assert.Contains(t, warn, "roots:")
			}
		})
	}
}

func TestTokenizeIgnoresBrokenRoots(t *testing.T) {
	tok := workspace.Tokens{Roots: map[string]string{"rel": "relative/dir", "bad/name": "/srv"}}
	got, warn := tok.Tokenize("/srv/app")
	assert.Equal(t, "/srv/app", got)
	assert.NotEmpty(t, warn)
}

// FuzzTokens checks that Expand never panics, that what it returns is
// absolute and clean, and that Tokenize and Expand round-trip.
func FuzzTokens(f *testing.F) {
	for _, s := range []string{
		"${COCODER_HOME}/x", "${root:dev}/app", "~/src", "/srv/app", "${root:}", "${", "~", "${root:nas}/../x",
		"/home/ada/dev/app", "/mnt/nas/apps", "relative", "/", "${COCODER_HOME}x",
	} {
		f.Add(s)
	}
	tok := testTokens()
	f.Fuzz(func(t *testing.T, s string) {
		got, err := tok.Expand(s)
		if err == nil {
			if !filepath.IsAbs(got) || filepath.Clean(got) != got {
				t.Fatalf("Expand(%q) = %q, not absolute and clean", s, got)
			}
			stored, _ := tok.Tokenize(got)
			back, err := tok.Expand(stored)
			if err != nil {
				t.Fatalf("Expand(Tokenize(%q) = %q): %v", got, stored, err)
			}
			if back != got {
				t.Fatalf("round trip %q -> %q -> %q", got, stored, back)
			}
		} else if errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("Expand(%q) error code %s", s, errs.CodeOf(err))
		}
		if strings.HasPrefix(s, "/") && !strings.ContainsRune(s, 0) {
			stored, warn := tok.Tokenize(s)
			if warn == "" {
				back, err := tok.Expand(stored)
				if err != nil || back != filepath.Clean(s) {
					t.Fatalf("Tokenize(%q) = %q; Expand gives %q, %v", s, stored, back, err)
				}
			}
		}
	})
}
