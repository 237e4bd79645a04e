package gitx

import (
	"context"
	"strings"

	"github.com/cocoder/cocoder/internal/errs"
)

// Change is one path git reports as changed in the work tree or the index.
type Change struct {
	// Path is the path relative to the top of the work tree,
	// slash-separated, exactly as git prints it with -z (never quoted).
	// It names a file, except for an untracked nested repository, which
	// git reports as one directory path ending in "/".
	Path string
	// OrigPath is the source of a rename or copy, else "".
	OrigPath string
	// Index and WorkTree are git's XY status letters: '.' unchanged, 'M'
	// modified, 'T' type changed, 'A' added, 'D' deleted, 'R' renamed, 'C'
	// copied, 'U' updated but unmerged; both are '?' for an untracked
	// path and '!' for an ignored one.
	Index, WorkTree byte
}

// Untracked reports whether git does not track the path (and does not
// ignore it).
func (c Change) Untracked() bool { return c.Index == '?' }

// Ignored reports whether the path is untracked and ignored by git.
func (c Change) Ignored() bool { return c.Index == '!' }

// Staged reports whether the index differs from HEAD at this path.
func (c Change) Staged() bool { return c.Index != '.' && c.Index != '?' && c.Index != '!' }

// Deleted reports whether the path is gone from the index or the work tree.
func (c Change) Deleted() bool { return c.Index == 'D' || c.WorkTree == 'D' }

// Unmerged reports whether the path has unresolved merge conflicts.
func (c Change) Unmerged() bool { return unmergedXY[[2]byte{c.Index, c.WorkTree}] }

// unmergedXY are the XY pairs of an unmerged ("u") entry.
var unmergedXY = map[[2]byte]bool{
	{'D', 'D'}: true, {'A', 'U'}: true, {'U', 'D'}: true, {'U', 'A'}: true,
	{'D', 'U'}: true, {'A', 'A'}: true, {'U', 'U'}: true,
}

// Status lists what changed in the work tree at root, untracked files one
// by one (never a directory) and renames detected:
// `git status --porcelain=v2 -z --untracked-files=all --find-renames`. It
// takes no lock a concurrent git command would trip over.
func Status(ctx context.Context, root string, env []string) ([]Change, error) {
	const op = "gitx.Status"
	if err := checkTop(op, root); err != nil {
		return nil, err
	}
	c := call{op: op, root: root, env: env, extra: []string{"GIT_OPTIONAL_LOCKS=0"}}
	out, err := c.run(ctx, "status", "--porcelain=v2", "-z", "--untracked-files=all", "--find-renames", "--ignored=no")
	if err != nil {
		return nil, err
	}
	return ParseStatus(out)
}

// The number of space-separated fields before the path in each kind of
// porcelain v2 entry, the kind letter included.
const (
	ordinaryFields = 8  // 1 XY sub mH mI mW hH hI
	renameFields   = 9  // 2 XY sub mH mI mW hH hI Xscore
	unmergedFields = 10 // u XY sub m1 m2 m3 mW h1 h2 h3
)

// ParseStatus parses the output of `git status --porcelain=v2 -z`:
// ordinary ("1"), renamed or copied ("2", followed by the origin path as
// its own NUL-terminated field), unmerged ("u"), untracked ("?") and
// ignored ("!") entries; header lines ("# ...") are skipped. Every field
// is checked (status letters, submodule state, modes, object names,
// scores), so anything that is not such output is refused with an
// errs.Invalid error naming the entry; it never panics.
func ParseStatus(out []byte) ([]Change, error) {
	const op = "gitx.ParseStatus"
	if len(out) == 0 {
		return nil, nil
	}
	if out[len(out)-1] != 0 {
		return nil, errs.E(errs.Invalid, op, "status output does not end with a NUL (was it made with -z?)")
	}
	fields := strings.Split(string(out[:len(out)-1]), "\x00")
	var changes []Change
	for i := 0; i < len(fields); i++ {
		e := fields[i]
		bad := func(why string) error {
			if len(e) > 80 {
				e = e[:80] + "..."
			}
			return errs.E(errs.Invalid, op, "status entry %d %q: %s", i+1, e, why)
		}
		if e == "" {
			return nil, bad("empty entry")
		}
		switch e[0] {
		case '#':
			if !strings.HasPrefix(e, "# ") {
				return nil, bad("malformed header")
			}
		case '?', '!':
			if len(e) < 3 || e[1] != ' ' {
				return nil, bad("no path")
			}
			changes = append(changes, Change{Path: e[2:], Index: e[0], WorkTree: e[0]})
		case '1', '2', 'u':
			n := ordinaryFields
			if e[0] == '2' {
				n = renameFields
			} else if e[0] == 'u' {
				n = unmergedFields
			}
			parts := strings.SplitN(e, " ", n+1)
			if len(parts) != n+1 || parts[n] == "" {
				return nil, bad("too few fields or no path")
			}
			c := Change{Path: parts[n]}
			if why := checkEntry(parts[:n], &c); why != "" {
				return nil, bad(why)
			}
			if e[0] == '2' {
				i++
				if i == len(fields) || fields[i] == "" {
					return nil, bad("no origin path after a rename or copy")
				}
				c.OrigPath = fields[i]
			}
			changes = append(changes, c)
		default:
			return nil, bad("unknown entry kind")
		}
	}
	return changes, nil
}

// checkEntry checks the fields before the path of a "1", "2" or "u" entry
// (kind letter first), sets c's status letters, and returns why the fields
// are malformed, or "".
func checkEntry(f []string, c *Change) string {
	kind := f[0]
	if len(f[1]) != 2 {
		return "status letters are not two characters"
	}
	c.Index, c.WorkTree = f[1][0], f[1][1]
	switch {
	case kind == "u" && !c.Unmerged():
		return "not an unmerged status pair"
	case kind == "1" && !(isLetter(c.Index, ".MTAD") && isLetter(c.WorkTree, ".MTAD")):
		return "bad status letters for a changed entry"
	case kind == "2" && !(isLetter(c.Index, ".MTADRC") && isLetter(c.WorkTree, ".MTADRC") &&
		(isLetter(c.Index, "RC") || isLetter(c.WorkTree, "RC"))):
		return "bad status letters for a renamed or copied entry"
	case c.Index == '.' && c.WorkTree == '.':
		return "status letters say nothing changed"
	}
	if !validSub(f[2]) {
		return "bad submodule state"
	}
	modes, names := 3, 2 // "1" and "2": mH mI mW, hH hI
	if kind == "u" {
		modes, names = 4, 3 // m1 m2 m3 mW, h1 h2 h3
	}
	for _, m := range f[3 : 3+modes] {
		if !isDigits(m, "01234567", 6, 6) {
			return "bad file mode"
		}
	}
	for _, h := range f[3+modes : 3+modes+names] {
		if !(isDigits(h, "0123456789abcdef", 40, 40) || isDigits(h, "0123456789abcdef", 64, 64)) {
			return "bad object name"
		}
	}
	if kind == "2" {
		s := f[len(f)-1]
		if s == "" || !isLetter(s[0], "RC") || !isDigits(s[1:], "0123456789", 1, 3) {
			return "bad rename or copy score"
		}
	}
	return ""
}

// validSub reports whether s is a submodule state: "N..." or "S" and three
// flags.
func validSub(s string) bool {
	return s == "N..." || (len(s) == 4 && s[0] == 'S' && isLetter(s[1], "C.") && isLetter(s[2], "M.") && isLetter(s[3], "U."))
}

func isLetter(b byte, set string) bool { return strings.IndexByte(set, b) >= 0 }

// isDigits reports whether s has between lo and hi bytes, all from set.
func isDigits(s, set string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i], set) {
			return false
		}
	}
	return true
}

// pathSet returns the paths of changes, the sources of renames included.
func pathSet(changes []Change) map[string]bool {
	set := make(map[string]bool, len(changes))
	for _, c := range changes {
		set[c.Path] = true
		if c.Index == 'R' || c.WorkTree == 'R' {
			set[c.OrigPath] = true
		}
	}
	return set
}
