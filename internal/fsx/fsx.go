// Package fsx holds the file primitives every durable write in CoCoder goes
// through: atomic replace (temp file + fsync + rename + fsync of the
// directory) and synced appends. Nothing else in the module writes a file
// that matters by hand.
package fsx

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile replaces path with data atomically: a reader sees the old file or
// the new one, never a torn mix, even if the process is killed mid-write. It
// is WriteFileIn on path's directory.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return WriteFileIn(filepath.Dir(path), filepath.Base(path), data, perm)
}

// WriteFileIn replaces dir/rel with data atomically: a temp file beside the
// target is created with perm, written, fsynced and renamed over rel, then
// the directory is fsynced so the rename survives a crash. Every step goes
// through an os.Root opened on dir, so no parent of rel may lead outside
// dir however the tree was tampered with, and a symlink at rel is replaced
// rather than written through. Missing parents of rel are created 0700. On
// error the temp file is removed and the target is unchanged.
func WriteFileIn(dir, rel string, data []byte, perm fs.FileMode) error {
	return writeFileIn(dir, rel, data, perm, true)
}

// WriteDerived replaces path with data atomically, like WriteFile, but
// without the fsyncs: readers never see a torn file, but after a power
// loss the file may be the old version or empty. It is for documents that
// are rebuilt from a durable source whenever they disagree with it, such
// as a ledger's run.json, which is a replay of its fsynced events.
func WriteDerived(path string, data []byte, perm fs.FileMode) error {
	return writeFileIn(filepath.Dir(path), filepath.Base(path), data, perm, false)
}

func writeFileIn(dir, rel string, data []byte, perm fs.FileMode, durable bool) (err error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	parent := filepath.Dir(rel)
	if parent != "." {
		if err := root.MkdirAll(parent, 0o700); err != nil {
			return err
		}
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(parent, "."+filepath.Base(rel)+".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = root.Remove(tmp)
		}
	}()
	// The umask may have narrowed perm at creation; set it exactly.
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if durable {
		if err = f.Sync(); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = root.Rename(tmp, rel); err != nil {
		return err
	}
	if !durable {
		return nil
	}
	d, err := root.Open(parent)
	if err != nil {
		return err
	}
	return syncClose(d)
}

// SyncDir fsyncs a directory so that entries created or renamed in it are
// durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return syncClose(d)
}

// syncClose fsyncs and closes an open directory. Some filesystems refuse
// fsync on directories; that is not a failure to report.
func syncClose(d *os.File) error {
	serr := d.Sync()
	cerr := d.Close()
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

// CapReader returns a reader that passes r through for up to max bytes
// and then fails with tooLarge() instead of reading further: for text
// files that are streamed rather than read whole, so that a huge file,
// or a symlink to a device that never ends, is refused instead of read
// forever. A file of exactly max bytes reads to its end.
func CapReader(r io.Reader, max int64, tooLarge func() error) io.Reader {
	return &capReader{r: r, left: max + 1, tooLarge: tooLarge}
}

type capReader struct {
	r        io.Reader
	left     int64
	tooLarge func() error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, c.tooLarge()
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left <= 0 {
		// The byte past max proves the stream too long; it is not passed.
		return n - 1, c.tooLarge()
	}
	return n, err
}
