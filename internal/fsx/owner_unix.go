//go:build unix

package fsx

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"github.com/cocoder/cocoder/internal/errs"
)

// CheckTrusted refuses a file or directory whose content decides what
// CoCoder runs (the home, its config.yaml, workspaces.yaml) when another
// user could have written it: owned by another user than this process's,
// or writable by group or others. A missing path is fine. The error is
// errs.Invalid and names the path and the fix.
func CheckTrusted(path string) error {
	const op = "fsx.CheckTrusted"
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return errs.Wrap(errs.Internal, op, err, "cannot inspect %s", path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return errs.E(errs.Invalid, op, "%s is owned by another user (uid %d), who could decide what it makes CoCoder run; it is refused: make it yours (chown) after checking its content", path, st.Uid)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return errs.E(errs.Invalid, op, "%s is writable by other users (mode %#o), who could change what it makes CoCoder run; it is refused: chmod go-w %s", path, perm, path)
	}
	return nil
}
