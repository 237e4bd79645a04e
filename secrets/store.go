package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
)

// MaxValueSize is the largest secret accepted, in bytes. Secrets travel as
// environment variables, which are small; a larger input is almost certainly
// the wrong file.
const MaxValueSize = 1 << 20

// staleTempAge is how old a leftover temporary file from an interrupted write
// must be before [Open] removes it. A younger one may belong to a write in
// progress in another process.
const staleTempAge = time.Hour

// Store is a directory of secrets, one file per secret, named after it. A
// Store holds no state besides its path, so several processes may use the
// same directory at once: every write replaces a whole file atomically.
type Store struct {
	dir string
}

// Info describes one stored secret without its value.
type Info struct {
	// Name is the secret's name, as used in ${secret:NAME}.
	Name string `json:"name"`
	// Size is the length of the value in bytes.
	Size int64 `json:"size"`
	// ModTime is when the value was last set.
	ModTime time.Time `json:"modTime"`
	// Problem is empty for a usable secret. Otherwise it says why the entry
	// is refused (a symlink, loose permissions, a name that is not valid)
	// and how to fix it.
	Problem string `json:"problem,omitempty"`
}

// Open opens the secret store in dir, creating the directory (mode 0700) if
// it is missing. An existing dir that is a symlink, not a directory, owned by
// another user or open to group or others is refused with an errs.Invalid
// error that names the fix; it is never changed. Open also removes temporary
// files left more than an hour ago by interrupted writes.
func Open(dir string) (*Store, error) {
	const op = "secrets.Open"
	if dir == "" {
		return nil, errs.E(errs.Invalid, op, "no directory given for the secret store")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, op, err, "cannot resolve the secret store path %s", dir)
	}
	if _, err := os.Lstat(abs); errors.Is(err, fs.ErrNotExist) {
		if err := fsx.MkdirPrivate(abs); err != nil {
			return nil, errs.Wrap(errs.Unavailable, op, err, "cannot create the secret store %s", abs)
		}
	}
	s := &Store{dir: abs}
	if err := s.checkDir(op); err != nil {
		return nil, err
	}
	s.sweepTemps(time.Now())
	return s, nil
}

// Dir returns the absolute path of the store's directory.
func (s *Store) Dir() string { return s.dir }

// Path returns the file that holds (or would hold) the secret name. It does
// not check the name.
func (s *Store) Path(name string) string { return filepath.Join(s.dir, name) }

// Set stores value under name, replacing any previous value atomically. The
// file is written 0600. The name must pass [ValidName] and must not start with
// the reserved prefix "token." (see [Store.Token]). The value must be 1 to
// [MaxValueSize] bytes without NUL bytes, since it is meant for an environment
// variable. An existing entry that is a symlink, not a regular file or has
// loose permissions is refused and left as it is. Errors are errs.Invalid for
// bad input or an unsafe entry and errs.Internal when the write fails.
func (s *Store) Set(name string, value []byte) error {
	const op = "secrets.Set"
	if err := ValidName(name); err != nil {
		return err
	}
	if IsTokenName(name) {
		return errs.E(errs.Invalid, op, "secret name %q uses the prefix %q, which is reserved for generated tokens; choose another name", name, tokenPrefix)
	}
	if err := checkValue(op, name, value); err != nil {
		return err
	}
	return s.write(op, name, value)
}

// write replaces the entry name with value after checking the directory and
// any existing entry.
func (s *Store) write(op, name string, value []byte) error {
	if err := s.checkDir(op); err != nil {
		return err
	}
	path := s.Path(name)
	if fi, err := os.Lstat(path); err == nil {
		if err := checkFile(op, path, fi); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(errs.Internal, op, err, "cannot inspect %s", path)
	}
	if err := fsx.WriteFile(path, value, 0o600); err != nil {
		return errs.Wrap(errs.Internal, op, err, "cannot write secret %q to %s", name, path)
	}
	return nil
}

// checkValue applies the rules every stored value must meet. Its messages
// give sizes and positions, never content.
func checkValue(op, what string, value []byte) error {
	switch {
	case len(value) == 0:
		return errs.E(errs.Invalid, op, "the value for %s is empty", what)
	case len(value) > MaxValueSize:
		return errs.E(errs.Invalid, op, "the value for %s is %d bytes; the limit is %d", what, len(value), MaxValueSize)
	}
	if i := bytes.IndexByte(value, 0); i >= 0 {
		return errs.E(errs.Invalid, op, "the value for %s contains a NUL byte at offset %d; secrets become environment variables, which cannot hold NUL", what, i)
	}
	return nil
}

// Get returns the secret name. It returns errs.NotFound if there is no such
// secret, and errs.Invalid if the name is not valid or the entry is a symlink,
// not a regular file, not owned by the current user or readable by others.
func (s *Store) Get(name string) (Value, error) {
	const op = "secrets.Get"
	if err := ValidName(name); err != nil {
		return Value{}, err
	}
	b, err := s.read(op, name)
	if err != nil {
		return Value{}, err
	}
	return NewValue(string(b)), nil
}

// read returns the content of entry name after the directory and file
// checks. The file is opened without following symlinks and checked on the
// open descriptor, so it cannot be swapped between check and read.
func (s *Store) read(op, name string) ([]byte, error) {
	if err := s.checkDir(op); err != nil {
		return nil, err
	}
	path := s.Path(name)
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errs.E(errs.NotFound, op, "secret %q is not in the secret store %s: store it there first", name, s.dir)
	case errors.Is(err, syscall.ELOOP):
		return nil, errs.E(errs.Invalid, op, "%s is a symlink; secrets are never read through symlinks; remove it (rm %s) and set the secret again", path, path)
	case err != nil:
		return nil, errs.Wrap(errs.Internal, op, err, "cannot open secret %q", name)
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "cannot inspect %s", path)
	}
	if err := checkFile(op, path, fi); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxValueSize+1))
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "cannot read secret %q", name)
	}
	if len(b) > MaxValueSize {
		return nil, errs.E(errs.Invalid, op, "%s is larger than %d bytes; it is not a secret CoCoder wrote", path, MaxValueSize)
	}
	return b, nil
}

// List returns every entry of the store, sorted by name, without values.
// Entries that [Store.Get] would refuse are listed with their Problem set,
// so one bad file does not hide the others. Hidden files (temporary files of
// writes in progress, the lock file) are skipped.
func (s *Store) List() ([]Info, error) {
	const op = "secrets.List"
	if err := s.checkDir(op); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "cannot read the secret store %s", s.dir)
	}
	infos := make([]Info, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		fi, err := os.Lstat(s.Path(name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since ReadDir
		}
		if err != nil {
			return nil, errs.Wrap(errs.Internal, op, err, "cannot inspect %s", s.Path(name))
		}
		info := Info{Name: name, Size: fi.Size(), ModTime: fi.ModTime()}
		if err := ValidName(name); err != nil {
			info.Problem = fmt.Sprintf("the file name is not a valid secret name; rename or remove %s", s.Path(name))
		} else if err := checkFile(op, s.Path(name), fi); err != nil {
			info.Problem = problemText(err)
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// Remove deletes the secret name. It returns errs.NotFound if there is no such
// secret, and errs.Invalid for an invalid name or an entry that is a symlink
// or not a regular file (those are left for the user to inspect). Tokens can
// be removed too; [Store.Token] creates a new one on its next call.
func (s *Store) Remove(name string) error {
	const op = "secrets.Remove"
	if err := ValidName(name); err != nil {
		return err
	}
	if err := s.checkDir(op); err != nil {
		return err
	}
	path := s.Path(name)
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errs.E(errs.NotFound, op, "secret %q not found in %s", name, s.dir)
	case err != nil:
		return errs.Wrap(errs.Internal, op, err, "cannot inspect %s", path)
	case !fi.Mode().IsRegular():
		return errs.E(errs.Invalid, op, "%s is %s, not a file CoCoder wrote; inspect it and remove it yourself", path, describeMode(fi.Mode()))
	}
	if err := os.Remove(path); err != nil {
		return errs.Wrap(errs.Internal, op, err, "cannot remove secret %q", name)
	}
	if err := fsx.SyncDir(s.dir); err != nil {
		return errs.Wrap(errs.Internal, op, err, "removed %s but could not sync %s", path, s.dir)
	}
	return nil
}

// problemText is the message of an *errs.Error without its operation prefix.
func problemText(err error) string {
	if e, ok := errors.AsType[*errs.Error](err); ok {
		return e.Message
	}
	return err.Error()
}

// checkDir verifies that the store directory is still a private directory of
// the current user. It runs before every operation, so a directory changed
// after Open is caught.
func (s *Store) checkDir(op string) error {
	fi, err := os.Lstat(s.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errs.E(errs.NotFound, op, "the secret store %s does not exist", s.dir)
	case err != nil:
		return errs.Wrap(errs.Internal, op, err, "cannot inspect the secret store %s", s.dir)
	case fi.Mode()&fs.ModeSymlink != 0:
		return errs.E(errs.Invalid, op, "the secret store %s is a symlink; it must be a real directory (remove the link and run again to create it)", s.dir)
	case !fi.IsDir():
		return errs.E(errs.Invalid, op, "the secret store %s is %s, not a directory; move it away and run again", s.dir, describeMode(fi.Mode()))
	}
	if err := checkOwner(op, s.dir, fi); err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return errs.E(errs.Invalid, op, "the secret store %s has permissions %#o; it must be 0700 (run: chmod 700 %s)", s.dir, perm, s.dir)
	}
	return nil
}

// checkFile verifies that fi (from Lstat or an open descriptor) describes a
// regular file of the current user with no group or other permissions.
func checkFile(op, path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return errs.E(errs.Invalid, op, "%s is %s, not a regular file; CoCoder does not follow or replace it; inspect it and remove it yourself", path, describeMode(fi.Mode()))
	}
	if err := checkOwner(op, path, fi); err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return errs.E(errs.Invalid, op, "%s has permissions %#o; secret files must be 0600 (run: chmod 600 %s)", path, perm, path)
	}
	return nil
}

// checkOwner refuses a file that belongs to another user.
func checkOwner(op, path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Geteuid(); int(st.Uid) != uid {
		return errs.E(errs.Invalid, op, "%s is owned by uid %d, not by you (uid %d); CoCoder only uses secrets you own", path, st.Uid, uid)
	}
	return nil
}

// describeMode names a file type for error messages.
func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// sweepTemps removes temporary files that interrupted atomic writes left
// behind (fsx names them ".NAME.tmp-DIGITS") once they are older than
// staleTempAge. Failures are ignored: the files are hidden from List and
// harmless apart from the space they take.
func (s *Store) sweepTemps(now time.Time) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !isTempName(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < staleTempAge {
			continue
		}
		_ = os.Remove(filepath.Join(s.dir, e.Name()))
	}
}

// isTempName reports whether name has the shape of an fsx temporary file.
func isTempName(name string) bool {
	if !strings.HasPrefix(name, ".") {
		return false
	}
	i := strings.LastIndex(name, ".tmp-")
	if i <= 0 {
		return false
	}
	digits := name[i+len(".tmp-"):]
	if digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
