package secrets

import (
	"path/filepath"
	"strings"

	"github.com/cocoder/cocoder/internal/errs"
)

// Kind says where a reference's value comes from.
type Kind string

// The reference kinds.
const (
	// KindEnv reads an environment variable of the CoCoder process:
	// ${env:NAME}.
	KindEnv Kind = "env"
	// KindFile reads a file relative to the resolver's base directory:
	// ${file:PATH}.
	KindFile Kind = "file"
	// KindSecret reads a secret from the store: ${secret:NAME}.
	KindSecret Kind = "secret"
)

// maxRefLen bounds the length of a reference, so that a pasted document is
// not taken for one.
const maxRefLen = 4096

// Ref is a parsed secret reference such as ${secret:openai}.
type Ref struct {
	// Kind is where the value comes from.
	Kind Kind
	// Target is the environment variable name, the relative file path or
	// the secret name.
	Target string
}

// String returns the reference in its written form, ${kind:target}.
func (r Ref) String() string { return "${" + string(r.Kind) + ":" + r.Target + "}" }

// IsRef reports whether s is written as a reference: it starts with "${" and
// ends with "}". It does not say whether the reference is valid; [ParseRef]
// does. Any other string is literal text.
func IsRef(s string) bool {
	return len(s) >= 3 && strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}")
}

// ParseRef parses a whole-string reference: ${env:NAME}, ${file:PATH} or
// ${secret:NAME}. NAME for env is a portable environment variable name
// (letters, digits and '_', not starting with a digit); NAME for secret
// follows [ValidName]; PATH is a relative path that stays inside the base
// directory (no leading '/', no ".." step) without control characters or
// braces. Every failure is an errs.Invalid that names the rule broken.
// A string that is not reference-shaped is not quoted back in the error,
// since it may be a value pasted where a reference belongs.
func ParseRef(s string) (Ref, error) {
	const op = "secrets.ParseRef"
	if !IsRef(s) {
		return Ref{}, errs.E(errs.Invalid, op, "the text is not a secret reference; write ${env:NAME}, ${file:PATH} or ${secret:NAME}")
	}
	if len(s) > maxRefLen {
		return Ref{}, errs.E(errs.Invalid, op, "reference is %d bytes long; the limit is %d", len(s), maxRefLen)
	}
	kind, target, ok := strings.Cut(s[2:len(s)-1], ":")
	if !ok {
		return Ref{}, errs.E(errs.Invalid, op, "reference %q has no ':'; write ${env:NAME}, ${file:PATH} or ${secret:NAME}", s)
	}
	r := Ref{Kind: Kind(kind), Target: target}
	if target == "" {
		return Ref{}, errs.E(errs.Invalid, op, "reference %q has an empty target after ':'", s)
	}
	switch r.Kind {
	case KindEnv:
		if !validEnvName(target) {
			return Ref{}, errs.E(errs.Invalid, op, "reference %q: %q is not an environment variable name (letters, digits and '_', not starting with a digit)", s, target)
		}
	case KindSecret:
		if err := ValidName(target); err != nil {
			return Ref{}, errs.E(errs.Invalid, op, "reference %q: %s", s, problemText(err))
		}
	case KindFile:
		if strings.ContainsFunc(target, func(c rune) bool { return c < 0x20 || c == 0x7f || c == '{' || c == '}' }) {
			return Ref{}, errs.E(errs.Invalid, op, "reference %q: the path contains a control character or a brace", s)
		}
		if !filepath.IsLocal(target) {
			return Ref{}, errs.E(errs.Invalid, op, "reference %q: the path must be relative and stay inside the base directory (no leading '/', no '..' step)", s)
		}
	default:
		return Ref{}, errs.E(errs.Invalid, op, "reference %q has unknown kind %q; use env, file or secret", s, kind)
	}
	return r, nil
}

// validEnvName reports whether s is a portable environment variable name.
func validEnvName(s string) bool {
	if s == "" || len(s) > 256 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
