// Package fsx holds the file primitives every durable write in CoCoder goes
// through: atomic replace (temp file + fsync + rename + fsync of the
// directory) and synced appends. Nothing else in the module writes a file
// that matters by hand.
package fsx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile replaces path with data atomically: a reader sees the old file or
// the new one, never a torn mix, even if the process is killed mid-write. The
// temp file is created in the same directory with perm, written, fsynced and
// renamed over path; then the directory is fsynced so the rename survives a
// crash. On error the temp file is removed and path is unchanged.
func WriteFile(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory so that entries created or renamed in it are
// durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	// Some filesystems refuse fsync on directories; that is not a failure of
	// ours to report.
	if serr != nil && !errors.Is(serr, os.ErrInvalid) {
		return serr
	}
	return cerr
}

// AppendFile opens path for appending (creating it with perm), writes data in
// a single write call and fsyncs before returning. Callers pass whole records
// (one JSON line), so a crash leaves at most one torn record at the end.
func AppendFile(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// MkdirPrivate creates dir and its parents with mode 0700 and makes sure dir
// itself is 0700 and a real directory, not a symlink. It refuses (rather than
// fixes) a pre-existing directory with looser permissions.
func MkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (symlink or other file); refusing to use it", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s has permissions %#o; it must be 0700 (run: chmod 700 %s)", dir, perm, dir)
	}
	return nil
}
