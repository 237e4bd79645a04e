package secrets

import (
	"strings"

	"github.com/cocoder/cocoder/internal/errs"
)

// MaxNameLen is the longest secret name accepted.
const MaxNameLen = 128

// tokenPrefix marks the store entries written by [Store.Token] and
// [Store.RotateToken]; [Store.Set] refuses names that start with it.
const tokenPrefix = "token."

// IsTokenName reports whether name is (or, on a case-insensitive file
// system, would be the same file as) a generated token's entry: it starts
// with "token." in any case. No reference resolves such a name and Set
// refuses it, so a token (Oz's) never reaches a lane.
func IsTokenName(name string) bool {
	return len(name) >= len(tokenPrefix) && strings.EqualFold(name[:len(tokenPrefix)], tokenPrefix)
}

// ValidName reports whether name can name a secret. A name is 1 to
// [MaxNameLen] characters from A-Z, a-z, 0-9, '_', '-' and '.', does not start
// with '.' or '-', and does not contain "..". Names are file names in the store,
// so path separators, NUL and every other character are refused. The error
// is an errs.Invalid that says which rule the name breaks.
func ValidName(name string) error {
	const op = "secrets.ValidName"
	switch {
	case name == "":
		return errs.E(errs.Invalid, op, "secret name is empty; use letters, digits, '_', '-' or '.'")
	case len(name) > MaxNameLen:
		return errs.E(errs.Invalid, op, "secret name is %d characters long; the limit is %d", len(name), MaxNameLen)
	case name[0] == '.' || name[0] == '-':
		return errs.E(errs.Invalid, op, "secret name %q starts with %q; start it with a letter, digit or '_'", printableName(name), name[0])
	case strings.Contains(name, ".."):
		return errs.E(errs.Invalid, op, "secret name %q contains \"..\"; remove it", printableName(name))
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return errs.E(errs.Invalid, op, "secret name %q contains %q at byte %d; use only letters, digits, '_', '-' and '.'",
				printableName(name), name[i], i)
		}
	}
	return nil
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// printableName shortens a rejected name for an error message so that a
// pasted value (the usual mistake) is not echoed in full.
func printableName(name string) string {
	const keep = 16
	if len(name) <= keep {
		return name
	}
	return name[:keep] + "..."
}
