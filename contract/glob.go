package contract

import (
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Scope is a write scope: the repository-relative paths a lane may change.
// A path is in scope when it matches some Allowed pattern and no Excluded
// pattern. An empty Allowed list allows nothing.
//
// Patterns use one segment-aware glob syntax everywhere (see [MatchGlob]).
type Scope struct {
	// Allowed lists the glob patterns the lane may write, e.g. "docs/**" or
	// "cmd/*/main.go". A bare directory such as "docs/" or "docs" means
	// everything below it. Empty means deny all.
	Allowed []string `json:"allowed" yaml:"allowed" jsonschema:"required" validate:"required,dive,glob"`
	// Excluded lists patterns carved out of Allowed.
	Excluded []string `json:"excluded,omitempty" yaml:"excluded,omitempty" validate:"omitempty,dive,glob"`
}

// Allows reports whether path (repository-relative, forward slashes) is in
// the scope: it matches some allowed pattern and no excluded one. An empty
// allowed list denies everything; a path that is absolute or climbs out
// with ".." is never allowed.
func (s Scope) Allows(path string) bool {
	if len(s.Allowed) == 0 || !cleanRelPath(path) {
		return false
	}
	allowed := false
	for _, p := range s.Allowed {
		if MatchGlob(p, path) {
			allowed = true
			break
		}
	}
	if !allowed {
		return false
	}
	for _, p := range s.Excluded {
		if MatchGlob(p, path) {
			return false
		}
	}
	return true
}

// MatchGlob reports whether the repository-relative path matches pattern.
//
// Patterns are matched segment by segment: "*" never crosses a "/", "**"
// matches any number of whole segments, and "?", "[...]" and "{a,b}" work
// as in doublestar. A pattern without glob characters names a file or a
// directory: "docs" and "docs/" both match "docs" itself and everything
// below it, so a bare directory means "docs/**". A pattern ending in "/"
// matches everything below it. A leading "./" is ignored on both sides.
// An invalid pattern matches nothing ([ValidatePattern] says why), and a
// path that is absolute or has "." or ".." segments matches no pattern.
func MatchGlob(pattern, path string) bool {
	pattern = strings.TrimPrefix(pattern, "./")
	path = strings.TrimPrefix(path, "./")
	if pattern == "" || !cleanRelPath(path) {
		return false
	}
	if !hasMeta(pattern) {
		dir := strings.TrimSuffix(pattern, "/")
		return path == dir || strings.HasPrefix(path, dir+"/")
	}
	if strings.HasSuffix(pattern, "/") {
		pattern += "**"
	}
	ok, err := doublestar.Match(pattern, path)
	return err == nil && ok
}

// hasMeta reports whether s holds a glob metacharacter.
func hasMeta(s string) bool {
	return strings.ContainsAny(s, "*?[{")
}

// cleanRelPath reports whether p is a clean repository-relative path:
// not empty, not absolute, forward slashes only, and no "." or ".."
// segment (a leading "./" is tolerated).
func cleanRelPath(p string) bool {
	return pathProblem(p) == ""
}

// pathProblem explains what is wrong with a repository-relative path, or
// returns "" when it is fine.
func pathProblem(p string) string {
	p = strings.TrimPrefix(p, "./")
	switch {
	case p == "":
		return "is empty"
	case strings.HasPrefix(p, "/") || (len(p) > 1 && p[1] == ':'):
		return "is absolute; write it as a relative path"
	case strings.Contains(p, `\`):
		return `uses "\"; use "/" between directories`
	case strings.ContainsRune(p, 0):
		return "contains a NUL byte"
	}
	for seg := range strings.SplitSeq(strings.TrimSuffix(p, "/"), "/") {
		switch seg {
		case "..":
			return `has a ".." segment; paths may not climb out of the repository`
		case ".":
			return `has a "." segment; remove it`
		case "":
			return `has an empty segment ("//")`
		}
	}
	return ""
}

// ValidatePattern checks a write-scope pattern: relative to the repository
// root, no "." or ".." segments, forward slashes, and valid glob syntax. It
// returns nil or an error whose text says what to change.
func ValidatePattern(pattern string) error {
	if msg := globProblem(pattern); msg != "" {
		return &ValidationError{Problems: []Problem{{Rule: "glob", Message: "pattern " + quote(pattern) + " " + msg}}}
	}
	return nil
}

// globProblem explains what is wrong with a scope pattern, or returns "".
func globProblem(pattern string) string {
	if msg := pathProblem(pattern); msg != "" {
		return msg
	}
	if !doublestar.ValidatePattern(strings.TrimPrefix(pattern, "./")) {
		return "is not a valid glob (check the brackets and braces)"
	}
	return ""
}

// filePathProblem explains what is wrong with a path reported as changed:
// a clean repository-relative path without glob characters.
func filePathProblem(p string) string {
	if msg := pathProblem(p); msg != "" {
		return msg
	}
	if hasMeta(p) {
		return "contains glob characters; list each changed file by its exact path"
	}
	return ""
}

func quote(s string) string {
	return `"` + clip(s) + `"`
}
