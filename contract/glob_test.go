package contract_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cocoder/cocoder/contract"
)

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"docs", "docs", true},
		{"docs", "docs/a.md", true},
		{"docs", "docs/deep/a.md", true},
		{"docs/", "docs/deep/a.md", true},
		{"docs", "docsite/a.md", false},
		{"docs/", "docs2", false},
		{"docs/**", "docs/deep/a.md", true},
		{"docs/*", "docs/a.md", true},
		{"docs/*", "docs/deep/a.md", false},
		{"cmd/*/main.go", "cmd/cocoder/main.go", true},
		{"cmd/*/main.go", "cmd/a/b/main.go", false},
		{"**/*.go", "a/b/c.go", true},
		{"**/*.go", "c.go", true},
		{"*.md", "README.md", true},
		{"*.md", "docs/README.md", false},
		{"src/{a,b}.go", "src/b.go", true},
		{"src/[ab].go", "src/c.go", false},
		{"cocoder/PRIORITIES.md", "cocoder/PRIORITIES.md", true},
		{"cocoder/PRIORITIES.md", "cocoder/PRIORITIES.md.bak", false},
		{"./docs", "docs/a.md", true},
		{"docs", "./docs/a.md", true},
		{"**", "anything/at/all", true},
		{"docs/**", "docs/../etc/passwd", false},
		{"**", "/etc/passwd", false},
		{"docs", "docs/./a", false},
		{"", "docs", false},
		{"docs", "", false},
		{"src/{a", "src/{a", false},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"~"+tc.path, func(t *testing.T) {
			assert.Equal(t, tc.want, contract.MatchGlob(tc.pattern, tc.path))
		})
	}
}

func TestScopeAllows(t *testing.T) {
	s := contract.Scope{Allowed: []string{"src/", "docs/*.md"}, Excluded: []string{"src/vendor/**", "**/*.secret"}}
	tests := []struct {
		name  string
		scope contract.Scope
		path  string
		want  bool
	}{
		{"Allowed", s, "src/a/b.go", true},
		{"AllowedGlob", s, "docs/x.md", true},
		{"NotAllowed", s, "README.md", false},
		{"Excluded", s, "src/vendor/lib.go", false},
		{"ExcludedAnywhere", s, "src/keys/prod.secret", false},
		{"EmptyDeniesAll", contract.Scope{}, "src/a.go", false},
		{"EmptyAllowedWithExcluded", contract.Scope{Excluded: []string{"x"}}, "src/a.go", false},
		{"Climbing", s, "src/../../etc/passwd", false},
		{"Absolute", s, "/src/a.go", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.scope.Allows(tc.path))
		})
	}
}

func TestValidatePattern(t *testing.T) {
	tests := []struct {
		pattern string
		ok      bool
	}{
		{"docs/**", true},
		{"docs/", true},
		{"./docs", true},
		{"cmd/*/main.go", true},
		{"", false},
		{"/etc", false},
		{"C:/x", false},
		{"a/../b", false},
		{"a/./b", false},
		{"a//b", false},
		{`a\b`, false},
		{"src/[a", false},
		{"src/{a", false},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			err := contract.ValidatePattern(tc.pattern)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// FuzzMatchGlob checks that matching never panics, that a path which
// leaves the repository never matches, and that a pattern without glob
// characters matches itself.
func FuzzMatchGlob(f *testing.F) {
	for _, s := range [][2]string{{"docs/**", "docs/a.md"}, {"src/{a,b}/*.go", "src/a/x.go"}, {"[", "["}, {"**/..", "a/.."}, {"docs/", "docs"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		got := contract.MatchGlob(pattern, path)
		if !strings.ContainsAny(pattern, "*?[{") && contract.ValidatePattern(pattern) == nil &&
			!contract.MatchGlob(pattern, strings.TrimSuffix(pattern, "/")) {
			t.Fatalf("plain pattern %q does not match itself", pattern)
		}
		if got && hasBadSegment(path) {
			t.Fatalf("MatchGlob(%q, %q) matched a path that leaves the repository", pattern, path)
		}
		s := contract.Scope{Allowed: []string{pattern}}
		if s.Allows(path) != got {
			t.Fatalf("Scope.Allows and MatchGlob disagree on %q, %q", pattern, path)
		}
	})
}

// hasBadSegment reports whether p is absolute or has a ".." segment.
func hasBadSegment(p string) bool {
	if len(p) > 0 && p[0] == '/' {
		return true
	}
	for _, seg := range splitSlash(p) {
		if seg == ".." {
			return true
		}
	}
	return false
}

func splitSlash(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}

// TestScopeRefusesOddPaths: the red-team's scope cases. An exclusion
// catches another spelling of the file on a case-insensitive file system
// (FoldCase); nothing inside .git, with a control character or with a
// trailing "/" is ever in scope.
func TestScopeRefusesOddPaths(t *testing.T) {
	s := contract.Scope{Allowed: []string{"src/**", "docs/*.md", "cocoder/memory/demo-notes.md"}, Excluded: []string{"**/.env", "**/*.key"}}
	fold := contract.MatchOptions{FoldCase: true}
	cases := []struct {
		path        string
		exact, fold bool
	}{
		{"src/a.go", true, true},
		{"SRC/a.go", false, true},
		{"src/sub/.env", false, false},
		{"src/sub/.ENV", true, false},
		{"src/x.KEY", true, false},
		{"src/.git/config", false, false},
		{"src/.GIT/hooks/pre-commit", false, false},
		{".git/config", false, false},
		{"src/a.go\n", false, false},
		{"src/a\x1b[2J.go", false, false},
		{"src/a\u0085.go", false, false},
		{"cocoder/memory/demo-notes.md/", false, false},
		{"src/", false, false},
		{"src/../x", false, false},
		{"/etc/passwd", false, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.exact, s.Allows(tc.path), "Allows(%q)", tc.path)
		assert.Equal(t, tc.fold, s.AllowsWith(tc.path, fold), "AllowsWith(%q, fold)", tc.path)
	}
	assert.Error(t, contract.ValidatePattern(".git/**"))
	assert.Error(t, contract.ValidatePattern("src/\x1b"))
}

// FuzzScopeAllows: whatever the path, an allowed one is clean (no ".git"
// segment, control character, trailing "/", ".." or absolute form), and
// with FoldCase an ASCII path is allowed exactly when its upper-case form
// is.
func FuzzScopeAllows(f *testing.F) {
	for _, s := range []string{"src/a.go", "src/.ENV", "src/.git/x", "src/a\n", "src/", "SRC/X.KEY", "docs/a.md"} {
		f.Add(s)
	}
	s := contract.Scope{Allowed: []string{"src/**", "docs/*.md"}, Excluded: []string{"**/.env", "**/*.key"}}
	fold := contract.MatchOptions{FoldCase: true}
	f.Fuzz(func(t *testing.T, path string) {
		for _, opt := range []contract.MatchOptions{{}, fold} {
			if !s.AllowsWith(path, opt) {
				continue
			}
			low := strings.ToLower(path)
			if hasBadSegment(path) || strings.HasSuffix(path, "/") || strings.ContainsFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f }) ||
				low == ".git" || strings.HasPrefix(low, ".git/") || strings.Contains(low, "/.git/") || strings.HasSuffix(low, "/.git") {
				t.Fatalf("AllowsWith(%q, %+v) allowed an unclean path", path, opt)
			}
		}
		ascii := !strings.ContainsFunc(path, func(r rune) bool { return r >= 0x80 })
		if ascii && s.AllowsWith(path, fold) != s.AllowsWith(strings.ToUpper(path), fold) {
			t.Fatalf("FoldCase: %q and its upper case disagree", path)
		}
	})
}
