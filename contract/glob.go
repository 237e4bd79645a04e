package contract

import (
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/cocoder/cocoder/internal/textx"
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

// MatchOptions change how [Scope.AllowsWith] and [MatchGlobWith] compare a
// path with the patterns.
type MatchOptions struct {
	// FoldCase compares without regard to case: set it for a workspace on a
	// case-insensitive file system (macOS and Windows by default), where
	// "src/.ENV" is the file "src/.env" and must meet its exclusion.
	// workspace.Workspace.CaseInsensitive detects it.
	FoldCase bool
}

// Allows reports whether path (repository-relative, forward slashes) is in
// the scope: it matches some allowed pattern and no excluded one. An empty
// allowed list denies everything; a path that is absolute, climbs out with
// "..", lies inside a ".git" directory (in any case), ends in "/" or holds
// a control character is never allowed. It compares case exactly; use
// [Scope.AllowsWith] for a case-insensitive file system.
func (s Scope) Allows(path string) bool {
	return s.AllowsWith(path, MatchOptions{})
}

// AllowsWith is [Scope.Allows] with options.
func (s Scope) AllowsWith(path string, opt MatchOptions) bool {
	if len(s.Allowed) == 0 || scopePathProblem(path) != "" {
		return false
	}
	allowed := false
	for _, p := range s.Allowed {
		if MatchGlobWith(p, path, opt) {
			allowed = true
			break
		}
	}
	if !allowed {
		return false
	}
	for _, p := range s.Excluded {
		if MatchGlobWith(p, path, opt) {
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
// path that is absolute, has "." or ".." segments, lies inside ".git",
// ends in "/" or holds a control character matches no pattern.
func MatchGlob(pattern, path string) bool {
	return MatchGlobWith(pattern, path, MatchOptions{})
}

// MatchGlobWith is [MatchGlob] with options.
func MatchGlobWith(pattern, path string, opt MatchOptions) bool {
	pattern = strings.TrimPrefix(pattern, "./")
	path = strings.TrimPrefix(path, "./")
	if pattern == "" || scopePathProblem(path) != "" {
		return false
	}
	if opt.FoldCase {
		pattern, path = strings.ToLower(pattern), strings.ToLower(path)
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

// scopePathProblem explains why path, a file a lane would write, can never
// be in a scope, or returns "": pathProblem's rules, and no control
// character (a trailing newline names another file than it shows), no
// trailing "/" (a directory is not a file to write), no ".git" segment in
// any case (the repository's own metadata: hooks and config run code).
func scopePathProblem(p string) string {
	if msg := pathProblem(p); msg != "" {
		return msg
	}
	if hasControl(p) {
		return "contains a control character"
	}
	if strings.HasSuffix(p, "/") {
		return `ends in "/"; name the file`
	}
	if hasGitSegment(p) {
		return `lies inside a ".git" directory, which no lane may write`
	}
	return ""
}

// hasControl reports whether s holds a C0 or C1 control character or DEL.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) })
}

// hasGitSegment reports whether a segment of p is ".git" in any case.
func hasGitSegment(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if strings.EqualFold(seg, ".git") {
			return true
		}
	}
	return false
}

// hasMeta reports whether s holds a glob metacharacter.
func hasMeta(s string) bool {
	return strings.ContainsAny(s, "*?[{")
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
	if hasControl(pattern) {
		return "contains a control character"
	}
	if hasGitSegment(strings.TrimSuffix(pattern, "/")) {
		return `names a path inside ".git", which no lane may write`
	}
	if !doublestar.ValidatePattern(strings.TrimPrefix(pattern, "./")) {
		return "is not a valid glob (check the brackets and braces)"
	}
	return ""
}

// filePathProblem explains what is wrong with a path reported as changed:
// a clean repository-relative path without glob characters.
func filePathProblem(p string) string {
	if msg := scopePathProblem(p); msg != "" {
		return msg
	}
	if hasMeta(p) {
		return "contains glob characters; list each changed file by its exact path"
	}
	return ""
}

// quote quotes s for a problem message, cut short and with control
// characters escaped: the text may come from a repository or an agent, and
// messages reach terminals.
func quote(s string) string {
	return `"` + textx.OneLine(clip(s)) + `"`
}
