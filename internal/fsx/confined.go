package fsx

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/cocoder/cocoder/internal/errs"
)

// The readers below are how CoCoder reads files it does not own: a
// workspace's governance tree (a repository cloned from someone else may
// put anything there) and paths a user typed. Two rules hold for every one
// of them:
//
//   - Only a regular file is read. Its type is checked before it is opened
//     (a FIFO would block the open forever, a device could never end) and
//     again on the opened descriptor, which is opened non-blocking so that
//     a file swapped for a FIFO in between cannot hang the reader either.
//   - The "In" readers open through an os.Root on a directory: a symlink
//     may lead anywhere inside that directory, never out of it (nor may an
//     absolute symlink, wherever it points), whichever part of the path it
//     is.
//
// Errors are *errs.Error values that name the file: errs.NotFound for a
// missing one, errs.Invalid for one refused by these rules (with the fix),
// errs.Internal for anything else.

const readFlags = os.O_RDONLY | syscall.O_NONBLOCK

// OpenRegular opens path for reading when it is a regular file (symlinks
// followed), refusing a directory, FIFO, device or socket without blocking.
func OpenRegular(path string) (*os.File, error) {
	const op = "fsx.OpenRegular"
	fi, err := os.Stat(path)
	if err != nil {
		return nil, refusal(op, path, "", err)
	}
	if err := mustBeRegular(op, path, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, readFlags, 0)
	if err != nil {
		return nil, refusal(op, path, "", err)
	}
	return checkOpened(op, path, f)
}

// OpenIn opens path, a file inside the directory root (both absolute, or
// both relative to the working directory), for reading through an os.Root on root. It must be a
// regular file; a path that leaves root, lexically or through a symlink, is
// refused.
func OpenIn(root, path string) (*os.File, error) {
	const op = "fsx.OpenIn"
	r, rel, err := openRoot(op, root, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return OpenRegularIn(r, rel)
}

// OpenRegularIn opens name, relative to r, for reading when it is a regular
// file inside r (see OpenIn).
func OpenRegularIn(r *os.Root, name string) (*os.File, error) {
	const op = "fsx.OpenIn"
	display := filepath.Join(r.Name(), name)
	fi, err := r.Stat(name)
	if err != nil {
		return nil, refusal(op, display, r.Name(), err)
	}
	if err := mustBeRegular(op, display, fi); err != nil {
		return nil, err
	}
	f, err := r.OpenFile(name, readFlags, 0)
	if err != nil {
		return nil, refusal(op, display, r.Name(), err)
	}
	return checkOpened(op, display, f)
}

// ReadFileIn reads the regular file path inside root whole (see OpenIn),
// refusing one larger than max bytes with tooLarge().
func ReadFileIn(root, path string, max int64, tooLarge func() error) ([]byte, error) {
	f, err := OpenIn(root, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCapped(f, max, tooLarge)
}

// ReadRegular reads the regular file at path whole (see OpenRegular),
// refusing one larger than max bytes with tooLarge().
func ReadRegular(path string, max int64, tooLarge func() error) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCapped(f, max, tooLarge)
}

// readCapped reads an opened regular file whole, up to max bytes.
func readCapped(f *os.File, max int64, tooLarge func() error) ([]byte, error) {
	size := max
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	if size > max {
		return nil, tooLarge()
	}
	var buf bytes.Buffer
	buf.Grow(int(size) + 2*bytes.MinRead) // the byte past the limit, then room to see the end
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, errs.Wrap(errs.Internal, "fsx.ReadFile", err, "cannot read %s", f.Name())
	}
	if int64(buf.Len()) > max {
		return nil, tooLarge()
	}
	return buf.Bytes(), nil
}

// ReadDirIn lists the directory path inside root (named as for OpenIn)
// through an os.Root on root, sorted by name. The entries describe
// themselves as they are (a symlink is a symlink): open each through OpenIn
// to read it.
func ReadDirIn(root, path string) ([]fs.DirEntry, error) {
	const op = "fsx.ReadDirIn"
	r, err := RootIn(root, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	entries, err := fs.ReadDir(r.FS(), ".")
	if err != nil {
		return nil, refusal(op, r.Name(), root, err)
	}
	return entries, nil
}

// StatIn describes path inside root (symlinks inside root followed; one
// leading out is refused, see OpenIn).
func StatIn(root, path string) (fs.FileInfo, error) {
	const op = "fsx.StatIn"
	r, rel, err := openRoot(op, root, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	fi, err := r.Stat(rel)
	if err != nil {
		return nil, refusal(op, filepath.Join(root, rel), root, err)
	}
	return fi, nil
}

// RootIn opens the directory path inside root (named as for OpenIn) as an *os.Root reached through an os.Root on root, so that neither
// path nor anything later opened below it can lead out of root. The caller
// closes it.
func RootIn(root, path string) (*os.Root, error) {
	const op = "fsx.RootIn"
	r, rel, err := openRoot(op, root, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if rel == "." {
		return os.OpenRoot(root)
	}
	display := filepath.Join(root, rel)
	fi, err := r.Stat(rel)
	if err != nil {
		return nil, refusal(op, display, root, err)
	}
	if !fi.IsDir() {
		return nil, errs.E(errs.Invalid, op, "%s is %s, not a directory", display, KindOf(fi.Mode()))
	}
	sub, err := r.OpenRoot(rel)
	if err != nil {
		return nil, refusal(op, filepath.Join(root, rel), root, err)
	}
	return sub, nil
}

// openRoot opens root and returns path relative to it, refusing a path
// that lies outside root lexically.
func openRoot(op, root, path string) (*os.Root, string, error) {
	rel, err := filepath.Rel(root, path)
	if err != nil || (!filepath.IsLocal(rel) && rel != ".") {
		return nil, "", errs.E(errs.Invalid, op, "%s lies outside %s, which is refused: name a file inside it", path, root)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, "", refusal(op, root, "", err)
	}
	return r, rel, nil
}

// checkOpened checks the opened descriptor once more (the path may have
// been swapped since it was checked) and returns it in blocking mode.
func checkOpened(op, display string, f *os.File) (*os.File, error) {
	fi, err := f.Stat()
	if err == nil {
		err = mustBeRegular(op, display, fi)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// mustBeRegular refuses everything but a regular file, naming what it is.
func mustBeRegular(op, display string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	return errs.E(errs.Invalid, op, "%s is %s, not a regular file, and is refused: replace it with a regular file", display, KindOf(fi.Mode()))
}

// KindOf names a file's type for messages: "a directory", "a named pipe
// (FIFO)", "a device", "a socket", "a symlink", "a regular file".
func KindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsRegular():
		return "a regular file"
	}
	return "an irregular file"
}

// errPathEscapes is the message os.Root gives a path that leads out of it
// (the error value itself is not exported; TestOpenInRefusesEscapes pins
// the text).
const errPathEscapes = "path escapes from parent"

// refusal turns an error from stat, open or readdir into an *errs.Error
// naming display; root, when not empty, is the directory the path had to
// stay in.
func refusal(op, display, root string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errs.E(errs.NotFound, op, "%s does not exist", display)
	case root != "" && errors.As(err, &pe) && pe.Err.Error() == errPathEscapes:
		return errs.E(errs.Invalid, op, "%s leads outside %s through a symlink (or is an absolute symlink), which is refused: replace the link with the file itself", display, root)
	case errors.Is(err, syscall.ENOTDIR):
		return errs.E(errs.Invalid, op, "%s passes through something that is not a directory", display)
	case errors.Is(err, syscall.ELOOP):
		return errs.E(errs.Invalid, op, "%s is a loop of symlinks, which is refused: replace the link with the file itself", display)
	}
	return errs.Wrap(errs.Internal, op, err, "cannot open %s", display)
}
