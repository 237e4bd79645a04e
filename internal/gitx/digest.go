package gitx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/textx"
)

// LinkPrefix starts the digest of a symbolic link, which is its target.
const LinkPrefix = "link:"

// Digest returns what each of paths (relative to root, slash-separated)
// holds now, as a string that changes when the content changes: the hex
// SHA-256 of a regular file's bytes, [LinkPrefix] and the target of a
// symbolic link (never followed), or "" for a path that does not exist. A
// directory or any other kind of file is an errs.Invalid error naming the
// path, and so is a path that is not local or that leads outside root
// through a symbolic link: files are opened through [os.Root], and only
// after Lstat says they are regular files, so a FIFO or a device is never
// opened.
func Digest(root string, paths []string) (map[string]string, error) {
	const op = "gitx.Digest"
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, op, err, "opening work tree %s", root)
	}
	defer r.Close()
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		d, err := digestOne(r, p)
		if err != nil {
			return nil, errs.Wrap(errs.CodeOf(err), op, err, "%s", textx.OneLine(p))
		}
		out[p] = d
	}
	return out, nil
}

// digestOne returns the digest of one path below r.
func digestOne(r *os.Root, p string) (string, error) {
	name := filepath.FromSlash(p)
	if p == "" || !filepath.IsLocal(name) {
		return "", errs.E(errs.Invalid, "", "not a path inside the work tree")
	}
	fi, err := r.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return "", nil
	case err != nil:
		return "", errs.Wrap(errs.Invalid, "", err, "")
	}
	switch mode := fi.Mode(); {
	case mode.Type() == fs.ModeSymlink:
		target, err := r.Readlink(name)
		if err != nil {
			return "", errs.Wrap(errs.Internal, "", err, "")
		}
		return LinkPrefix + target, nil
	case mode.IsDir():
		return "", errs.E(errs.Invalid, "", "is a directory, not a file")
	case !mode.IsRegular():
		return "", errs.E(errs.Invalid, "", "is not a regular file or symbolic link (%s)", mode.Type())
	}
	// Non-blocking, so that a FIFO swapped in since the Lstat cannot hang
	// the open; the Stat after it refuses anything but the file Lstat saw.
	f, err := r.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", errs.Wrap(errs.Internal, "", err, "")
	}
	defer f.Close()
	if now, err := f.Stat(); err != nil || !os.SameFile(fi, now) || !now.Mode().IsRegular() {
		return "", errs.E(errs.Conflict, "", "changed while being read")
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", errs.Wrap(errs.Internal, "", err, "")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
