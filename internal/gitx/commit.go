package gitx

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/textx"
)

// CommitRequest is what [Commit] commits.
type CommitRequest struct {
	// Root is the top of the work tree (absolute).
	Root string
	// Files are exactly the paths to commit, relative to Root and
	// slash-separated: added, modified and deleted files; for a rename,
	// both its source and its destination.
	Files []string
	// Message is the subject, optionally followed by a blank line and a
	// body.
	Message string
	// Trailers are appended as "Key: value" lines in a final paragraph of
	// the message, in this order.
	Trailers [][2]string
	// Env is git's environment (see the package doc). Set the identity
	// through GIT_AUTHOR_NAME, GIT_AUTHOR_EMAIL, GIT_COMMITTER_NAME and
	// GIT_COMMITTER_EMAIL unless git's config has one.
	Env []string
}

// Commit stages exactly req.Files and commits them, and returns the new
// commit's full SHA. It works in a repository with no commit yet too.
//
// It refuses with errs.Conflict, naming the paths, when anything other
// than req.Files is already staged (the commit would carry it) or a path
// is unmerged, and with errs.Invalid, changing nothing, when a path is
// absolute, empty, has an empty, "." or ".." segment, a control character
// or a trailing slash, lies inside a .git directory, goes through a
// symbolic link (which could lead outside Root), or has nothing to commit
// (unchanged, or ignored by git). Unstaged and untracked work on other
// paths is left as it is. Hooks do not run (see the package doc): the
// engine's verify gate is the check. When git fails after staging, the listed files stay staged and a
// retry with the same Files proceeds.
func Commit(ctx context.Context, req CommitRequest) (string, error) {
	const op = "gitx.Commit"
	if err := checkTop(op, req.Root); err != nil {
		return "", err
	}
	msg, err := commitMessage(req.Message, req.Trailers)
	if err != nil {
		return "", errs.Wrap(errs.Invalid, op, err, "commit message")
	}
	if len(req.Files) == 0 {
		return "", errs.E(errs.Invalid, op, "no files to commit")
	}
	files := slices.Clone(req.Files)
	slices.Sort(files)
	files = slices.Compact(files)
	for _, f := range files {
		if err := checkPath(req.Root, f); err != nil {
			return "", errs.Wrap(errs.Invalid, op, err, "path %q", f)
		}
	}

	changes, err := Status(ctx, req.Root, req.Env)
	if err != nil {
		return "", err
	}
	want := make(map[string]bool, len(files))
	for _, f := range files {
		want[f] = true
	}
	var others, unmerged []string
	for _, c := range changes {
		switch {
		case c.Unmerged():
			unmerged = append(unmerged, c.Path)
		case c.Staged() && !want[c.Path]:
			others = append(others, c.Path)
		case c.Index == 'R' && !want[c.OrigPath]:
			others = append(others, c.OrigPath)
		}
	}
	if len(unmerged) > 0 {
		return "", errs.E(errs.Conflict, op, "the work tree has unmerged paths (%s): resolve the merge first", quoteList(unmerged))
	}
	if len(others) > 0 {
		return "", errs.E(errs.Conflict, op, "other changes are already staged (%s): a commit would carry them; commit or unstage them (git restore --staged) first", quoteList(others))
	}
	changed := pathSet(changes)
	var none []string
	for _, f := range files {
		if !changed[f] {
			none = append(none, f)
		}
	}
	if len(none) > 0 {
		return "", errs.E(errs.Invalid, op, "nothing to commit for %s: unchanged, or ignored by git", quoteList(none))
	}

	c := call{op: op, root: req.Root, env: req.Env}
	if add := unstaged(changes, want); len(add) > 0 {
		c.stdin = []byte(strings.Join(add, "\x00") + "\x00")
		if _, err := c.run(ctx, "add", "--all", "--pathspec-from-file=-", "--pathspec-file-nul"); err != nil {
			return "", err
		}
	}
	c.stdin = []byte(msg)
	if _, err := c.run(ctx, "commit", "--quiet", "--no-verify", "--cleanup=whitespace", "--file=-"); err != nil {
		return "", err
	}
	return Head(ctx, req.Root, req.Env)
}

// unstaged returns the paths of want whose work-tree state is not staged
// yet (a path the index already has right, such as the source of a staged
// rename, is left out: git add would not find it).
func unstaged(changes []Change, want map[string]bool) []string {
	var add []string
	for _, c := range changes {
		if c.WorkTree == '.' {
			continue
		}
		if want[c.Path] {
			add = append(add, c.Path)
		}
		if c.WorkTree == 'R' && want[c.OrigPath] {
			add = append(add, c.OrigPath)
		}
	}
	return add
}

// commitMessage returns message with trailers appended as a last
// paragraph, or why it cannot.
func commitMessage(message string, trailers [][2]string) (string, error) {
	msg := strings.TrimRight(message, " \t\r\n")
	if strings.TrimSpace(msg) == "" {
		return "", errors.New("the message is empty: give a subject line")
	}
	if strings.ContainsRune(msg, 0) {
		return "", errors.New("the message has a NUL byte")
	}
	if len(trailers) > 0 {
		msg += "\n"
	}
	for _, t := range trailers {
		if !validTrailerKey(t[0]) {
			return "", errors.New("trailer key " + textx.OneLine(t[0]) + " is not letters, digits and dashes")
		}
		if strings.TrimSpace(t[1]) == "" || strings.ContainsFunc(t[1], unicode.IsControl) {
			return "", errors.New("trailer " + t[0] + " has an empty value or a control character")
		}
		msg += "\n" + t[0] + ": " + t[1]
	}
	return msg + "\n", nil
}

// validTrailerKey reports whether k is a trailer key this package writes
// and searches for: ASCII letters, digits and dashes, starting with a
// letter.
func validTrailerKey(k string) bool {
	if k == "" || !isLetter(k[0]|0x20, "abcdefghijklmnopqrstuvwxyz") {
		return false
	}
	return isDigits(strings.ToLower(k), "abcdefghijklmnopqrstuvwxyz0123456789-", 1, 200)
}

// checkPath refuses a path Commit must not stage: see [Commit].
func checkPath(root, p string) error {
	switch {
	case p == "":
		return errors.New("is empty")
	case !utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl):
		return errors.New("has a control character or is not UTF-8")
	case strings.HasPrefix(p, "/") || filepath.IsAbs(p) || filepath.VolumeName(filepath.FromSlash(p)) != "":
		return errors.New("is absolute; give it relative to the top of the work tree")
	case strings.HasSuffix(p, "/"):
		return errors.New("ends with a slash; list the files, not a directory")
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		switch {
		case s == "" || s == "." || s == "..":
			return errors.New(`has an empty, "." or ".." segment`)
		case strings.EqualFold(s, ".git"):
			return errors.New("is inside a .git directory")
		}
	}
	// Every parent must be a real directory below root (or be missing, for
	// a deletion): git refuses paths beyond a symbolic link, and one could
	// lead outside root.
	for i := 1; i < len(segs); i++ {
		dir := path.Join(segs[:i]...)
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(dir)))
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
			return nil
		case err != nil:
			return err
		case fi.Mode().Type() == fs.ModeSymlink:
			where := "inside the work tree"
			if dest, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(dir))); err != nil || !within(root, dest) {
				where = "leading outside the work tree"
			}
			return errors.New("goes through the symbolic link " + textx.OneLine(dir) + " (" + where + "); commit the real path")
		case !fi.IsDir():
			return nil
		}
	}
	return nil
}

// within reports whether p is dir or below it, symlinks in dir resolved.
func within(dir, p string) bool {
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	rel, err := filepath.Rel(dir, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// quoteList returns paths as a comma-separated list of quoted strings, at
// most ten of them.
func quoteList(paths []string) string {
	var b strings.Builder
	for i, p := range paths {
		if i == 10 {
			b.WriteString(", and " + strconv.Itoa(len(paths)-10) + " more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(p))
	}
	return b.String()
}

// FindTrailer returns the newest of the last n commits reachable from
// HEAD whose message has the trailer "key: value" (key compared without
// regard to case, value exactly), so a caller can tell whether a commit it
// meant to make was made before a crash. In a repository with no commit
// yet it finds nothing.
func FindTrailer(ctx context.Context, root, key, value string, n int, env []string) (sha string, found bool, err error) {
	const op = "gitx.FindTrailer"
	switch {
	case !validTrailerKey(key):
		return "", false, errs.E(errs.Invalid, op, "trailer key %q is not letters, digits and dashes", key)
	case strings.TrimSpace(value) != value || value == "" || strings.ContainsFunc(value, unicode.IsControl):
		return "", false, errs.E(errs.Invalid, op, "trailer value %q: give a non-empty value without surrounding spaces or control characters", value)
	case n <= 0:
		return "", false, errs.E(errs.Invalid, op, "search depth %d: give a positive number of commits", n)
	}
	head, err := Head(ctx, root, env)
	if err != nil || head == "" {
		return "", false, err
	}
	c := call{op: op, root: root, env: env}
	out, err := c.run(ctx, "log", "-z", "--max-count="+strconv.Itoa(n),
		"--format=%H%n%(trailers:key="+key+",valueonly,unfold)", head, "--")
	if err != nil {
		return "", false, err
	}
	for rec := range strings.SplitSeq(string(out), "\x00") {
		sha, values, _ := strings.Cut(rec, "\n")
		for v := range strings.SplitSeq(values, "\n") {
			if strings.TrimSpace(v) == value {
				return sha, true, nil
			}
		}
	}
	return "", false, nil
}
