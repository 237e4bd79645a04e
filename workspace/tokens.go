package workspace

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/cocoder/cocoder/internal/errs"
)

// HomeToken is the path token that stands for the CoCoder home directory.
const HomeToken = "${COCODER_HOME}"

// maxStoredPath bounds the length of a stored path Expand accepts. It is
// above what any supported system takes as a path (Windows' long paths
// stop at 32 767 characters), so only a damaged file reaches it, and it
// keeps such a path out of error messages.
const maxStoredPath = 32 << 10

// rootNameRE is the syntax of NAME in ${root:NAME}.
var rootNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]+$`) })

// Tokens turns absolute paths into portable stored paths and back.
//
// A stored path is one of:
//
//   - ${COCODER_HOME} or ${COCODER_HOME}/rest: inside the CoCoder home;
//   - ${root:NAME} or ${root:NAME}/rest: inside the named root, a directory
//     declared in the roots map of the home config.yaml (the same name may
//     point at different directories on different machines);
//   - ~ or ~/rest: inside the user's home directory;
//   - an absolute path.
//
// Stored paths never contain ".." segments.
type Tokens struct {
	// Home is the absolute CoCoder home directory (${COCODER_HOME}).
	Home string
	// Roots maps a root name to its directory: absolute, or starting with
	// "~/" for the user's home.
	Roots map[string]string
	// UserHome is the user's home directory (~). Empty disables ~.
	UserHome string
	// RootsSource says where Roots is configured, for error messages
	// (e.g. the path of the home config.yaml). Optional.
	RootsSource string
}

// Expand turns a stored path into an absolute, cleaned path.
//
// It returns an errs.Invalid error for an unknown token, an unknown
// ${root:NAME}, a relative path, a ".." segment, a NUL byte or a path
// longer than 32 KiB; the message names the offending part and where roots
// are configured.
func (t Tokens) Expand(stored string) (string, error) {
	const op = "workspace.Tokens.Expand"
	if stored == "" {
		return "", errs.E(errs.Invalid, op, "empty path: a stored path must start with %s, ${root:NAME}, ~ or /", HomeToken)
	}
	if len(stored) > maxStoredPath {
		return "", errs.E(errs.Invalid, op, "path %q... is %d bytes, more than the %d KiB a stored path may have; no file system takes such a path: fix the file it came from", stored[:64], len(stored), maxStoredPath>>10)
	}
	if strings.ContainsRune(stored, 0) {
		return "", errs.E(errs.Invalid, op, "path %q contains a NUL byte", stored)
	}
	base, rest, err := t.splitToken(op, stored)
	if err != nil {
		return "", err
	}
	if hasDotDot(rest) {
		return "", errs.E(errs.Invalid, op, "path %q contains a \"..\" segment; store the path without it", stored)
	}
	if base == "" { // plain absolute path
		return filepath.Clean(rest), nil
	}
	if rest == "" {
		return base, nil
	}
	return filepath.Join(base, rest), nil
}

// splitToken separates the token prefix of stored, resolved to a directory,
// from the remainder. For a plain absolute path base is "" and rest is the
// path.
func (t Tokens) splitToken(op, stored string) (base, rest string, err error) {
	switch {
	case strings.HasPrefix(stored, "${"):
		end := strings.IndexByte(stored, '}')
		if end < 0 {
			return "", "", errs.E(errs.Invalid, op, "path %q has an unterminated token: write %s or ${root:NAME}", stored, HomeToken)
		}
		tok, after := stored[:end+1], stored[end+1:]
		if after != "" && after[0] != '/' {
			return "", "", errs.E(errs.Invalid, op, "path %q: a token must be followed by \"/\" or end the path", stored)
		}
		rest = strings.TrimPrefix(after, "/")
		if tok == HomeToken {
			if t.Home == "" || !filepath.IsAbs(t.Home) {
				return "", "", errs.E(errs.Invalid, op, "path %q uses %s but no absolute home directory is known", stored, HomeToken)
			}
			return filepath.Clean(t.Home), rest, nil
		}
		name, ok := strings.CutPrefix(strings.TrimSuffix(tok[2:], "}"), "root:")
		if !ok {
			return "", "", errs.E(errs.Invalid, op, "path %q uses unknown token %s; known tokens are %s and ${root:NAME}", stored, tok, HomeToken)
		}
		dir, err := t.root(op, name)
		if err != nil {
			return "", "", err
		}
		return dir, rest, nil
	case stored == "~" || strings.HasPrefix(stored, "~/"):
		if t.UserHome == "" || !filepath.IsAbs(t.UserHome) {
			return "", "", errs.E(errs.Invalid, op, "path %q uses ~ but the user's home directory is not known", stored)
		}
		return filepath.Clean(t.UserHome), strings.TrimPrefix(strings.TrimPrefix(stored, "~"), "/"), nil
	case filepath.IsAbs(stored):
		return "", stored, nil
	default:
		return "", "", errs.E(errs.Invalid, op, "path %q is relative; a stored path must start with %s, ${root:NAME}, ~ or /", stored, HomeToken)
	}
}

// root resolves a root name to its absolute directory.
func (t Tokens) root(op, name string) (string, error) {
	where := "the roots map of the home config.yaml"
	if t.RootsSource != "" {
		where = "the roots map in " + t.RootsSource
	}
	if !rootNameRE().MatchString(name) {
		return "", errs.E(errs.Invalid, op, "root name %q is not valid: use letters, digits, '_' and '-' (roots are declared in %s)", name, where)
	}
	dir, ok := t.Roots[name]
	if !ok {
		known := t.rootNames()
		list := "none are configured"
		if len(known) > 0 {
			list = "known roots: " + strings.Join(known, ", ")
		}
		return "", errs.E(errs.Invalid, op, "unknown root %q (%s); add it to %s, e.g. roots: {%s: /path/on/this/machine}", name, list, where, name)
	}
	abs, err := t.rootDir(dir)
	if err != nil {
		return "", errs.E(errs.Invalid, op, "root %q in %s: %v", name, where, err)
	}
	return abs, nil
}

// rootDir expands a configured root directory ("~/x" or absolute).
func (t Tokens) rootDir(dir string) (string, error) {
	switch {
	case dir == "~" || strings.HasPrefix(dir, "~/"):
		if t.UserHome == "" || !filepath.IsAbs(t.UserHome) {
			return "", fmt.Errorf("%q uses ~ but the user's home directory is not known", dir)
		}
		return filepath.Join(t.UserHome, strings.TrimPrefix(dir, "~")), nil
	case filepath.IsAbs(dir) && !strings.ContainsRune(dir, 0):
		return filepath.Clean(dir), nil
	default:
		return "", fmt.Errorf("%q must be an absolute path or start with ~/", dir)
	}
}

func (t Tokens) rootNames() []string {
	names := make([]string, 0, len(t.Roots))
	for n := range t.Roots {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Tokenize turns an absolute path into its portable stored form: the longest
// matching root wins (ties broken by name), else ${COCODER_HOME} if the path
// is inside the home, else ~ if it is inside the user's home. When nothing
// matches it returns the cleaned absolute path and a warning saying how to
// make it portable. A relative path is returned cleaned, with a warning.
// Roots that do not resolve are ignored.
func (t Tokens) Tokenize(abs string) (stored string, warning string) {
	if !filepath.IsAbs(abs) {
		return filepath.Clean(abs), fmt.Sprintf("path %q is not absolute; stored as given", abs)
	}
	p := filepath.Clean(abs)
	bestName, bestDir := "", ""
	for _, name := range t.rootNames() {
		if !rootNameRE().MatchString(name) {
			continue
		}
		dir, err := t.rootDir(t.Roots[name])
		if err != nil || !within(dir, p) {
			continue
		}
		if len(dir) > len(bestDir) {
			bestName, bestDir = name, dir
		}
	}
	if bestName != "" {
		return join("${root:"+bestName+"}", bestDir, p), ""
	}
	if t.Home != "" && filepath.IsAbs(t.Home) && within(filepath.Clean(t.Home), p) {
		return join(HomeToken, filepath.Clean(t.Home), p), ""
	}
	if t.UserHome != "" && filepath.IsAbs(t.UserHome) && within(filepath.Clean(t.UserHome), p) {
		return join("~", filepath.Clean(t.UserHome), p), ""
	}
	return p, fmt.Sprintf("stored absolute path %s because no token matched; declare a root that contains it (roots: in the home config.yaml) to make it portable across machines", p)
}

// join builds token + the part of p below dir.
func join(token, dir, p string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), string(filepath.Separator))
	if rel == "" {
		return token
	}
	return token + "/" + filepath.ToSlash(rel)
}

// within reports whether p is dir or below it, comparing whole segments.
func within(dir, p string) bool {
	if dir == p {
		return true
	}
	if dir == string(filepath.Separator) {
		return strings.HasPrefix(p, dir)
	}
	return strings.HasPrefix(p, dir+string(filepath.Separator))
}

// hasDotDot reports whether a slash-separated path has a ".." segment.
func hasDotDot(p string) bool {
	for seg := range strings.SplitSeq(filepath.ToSlash(p), "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}
