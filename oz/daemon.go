package oz

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/flock"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/workspace"
)

// The daemon's files in the home's oz/ directory.
const (
	// DaemonFile records the running daemon's pid and port (DaemonInfo).
	DaemonFile = "daemon.json"
	// DaemonLockFile is held (flock) by the running daemon for its whole
	// life, so a second daemon for the same home is refused and a crashed
	// one leaves no lock behind.
	DaemonLockFile = "daemon.lock"
)

// DaemonInfo is what DaemonFile records of a running daemon.
type DaemonInfo struct {
	// PID is the daemon's process id.
	PID int `json:"pid"`
	// Addr is the address it listens on, e.g. "127.0.0.1:7878".
	Addr string `json:"addr"`
	// Port is Addr's port.
	Port int `json:"port"`
	// StartedAt is when it started.
	StartedAt time.Time `json:"startedAt"`
	// Version is the version of its build.
	Version string `json:"version,omitempty"`
}

// URL is the daemon's base URL.
func (d DaemonInfo) URL() string { return "http://" + d.Addr }

// DaemonClaim is a daemon's hold on its home: the lock, and the info file
// it publishes once it listens.
type DaemonClaim struct {
	home *workspace.Home
	lock *flock.Lock
}

// ClaimDaemon takes the home's daemon lock. It refuses (errs.Conflict,
// naming the pid and port) when another daemon holds it. A DaemonFile left
// by a daemon that died is stale: it is removed, after checking that its
// process is gone, and the claim succeeds.
func ClaimDaemon(home *workspace.Home) (*DaemonClaim, error) {
	const op = "oz.ClaimDaemon"
	lock, err := flock.TryLock(filepath.Join(home.OzDir(), DaemonLockFile))
	if errors.Is(err, flock.ErrLocked) {
		info, _ := readDaemonFile(home)
		return nil, errs.E(errs.Conflict, op, "an Oz daemon already runs for the home %s (pid %d, %s); stop it with `cocoder oz stop`", home.Dir(), info.PID, info.Addr)
	}
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot lock %s", filepath.Join(home.OzDir(), DaemonLockFile))
	}
	// Nobody holds the lock, so any DaemonFile is stale. Its pid is only
	// logged by callers; a live process with that pid is another program
	// that reused the number (a daemon always holds the lock).
	if err := os.Remove(filepath.Join(home.OzDir(), DaemonFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		_ = lock.Release()
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot remove the stale %s", DaemonFile)
	}
	return &DaemonClaim{home: home, lock: lock}, nil
}

// Publish writes DaemonFile (atomically, 0600) for clients to find.
func (c *DaemonClaim) Publish(info DaemonInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return errs.Wrap(errs.Internal, "oz.Publish", err, "encoding %s", DaemonFile)
	}
	if err := fsx.WriteFile(filepath.Join(c.home.OzDir(), DaemonFile), append(b, '\n'), 0o600); err != nil {
		return errs.Wrap(errs.Unavailable, "oz.Publish", err, "cannot write %s", DaemonFile)
	}
	return nil
}

// Release removes DaemonFile and drops the lock. It is safe to call more
// than once.
func (c *DaemonClaim) Release() error {
	if c.lock == nil {
		return nil
	}
	err := os.Remove(filepath.Join(c.home.OzDir(), DaemonFile))
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if rerr := c.lock.Release(); err == nil {
		err = rerr
	}
	c.lock = nil
	return err
}

// ReadDaemon returns the daemon running for home. It returns errs.NotFound
// when none runs (a stale DaemonFile of a dead daemon counts as none).
func ReadDaemon(home *workspace.Home) (DaemonInfo, error) {
	const op = "oz.ReadDaemon"
	info, err := readDaemonFile(home)
	if err != nil {
		return info, err
	}
	// The daemon holds the lock: if we can take it, the daemon is gone.
	if l, err := flock.TryLock(filepath.Join(home.OzDir(), DaemonLockFile)); err == nil {
		_ = l.Release()
		return DaemonInfo{}, errs.E(errs.NotFound, op, "no Oz daemon runs for the home %s (its last one, pid %d, is gone); start one with `cocoder oz start`", home.Dir(), info.PID)
	}
	return info, nil
}

func readDaemonFile(home *workspace.Home) (DaemonInfo, error) {
	const op = "oz.ReadDaemon"
	var info DaemonInfo
	b, err := os.ReadFile(filepath.Join(home.OzDir(), DaemonFile))
	if errors.Is(err, fs.ErrNotExist) {
		return info, errs.E(errs.NotFound, op, "no Oz daemon runs for the home %s; start one with `cocoder oz start`", home.Dir())
	}
	if err != nil {
		return info, errs.Wrap(errs.Unavailable, op, err, "cannot read %s", DaemonFile)
	}
	if err := json.Unmarshal(b, &info); err != nil || info.PID <= 0 || info.Port <= 0 || info.Port > 65535 {
		return DaemonInfo{}, errs.E(errs.Invalid, op, "%s is damaged; stop the daemon (or remove the file if none runs)", filepath.Join(home.OzDir(), DaemonFile))
	}
	host, port, err := net.SplitHostPort(info.Addr)
	if err != nil || port != strconv.Itoa(info.Port) || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		return DaemonInfo{}, errs.E(errs.Invalid, op, "%s names %q, not a loopback address", DaemonFile, info.Addr)
	}
	return info, nil
}

// ProcessAlive reports whether a process with this pid exists.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Dial returns a Client for the daemon running for home, authenticated
// with the home's Oz token.
func Dial(home *workspace.Home) (*Client, DaemonInfo, error) {
	info, err := ReadDaemon(home)
	if err != nil {
		return nil, info, err
	}
	store, err := home.Secrets()
	if err != nil {
		return nil, info, err
	}
	tok, err := store.Token(TokenName)
	if err != nil {
		return nil, info, err
	}
	c, err := NewClient(info.URL(), tok, nil)
	return c, info, err
}

// RotateToken replaces the Oz token of home when no server of this
// process holds it (`cocoder oz token --rotate` with no daemon running):
// it records the rotation in the audit log first, then writes the new
// token. A running server notices the new file within a second and ends
// its dashboard sessions.
func RotateToken(home *workspace.Home, actor string) error {
	a, err := openAudit(home.OzDir(), time.Now)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.record(actor, "token.rotate", TokenName); err != nil {
		return err
	}
	store, err := home.Secrets()
	if err != nil {
		return err
	}
	_, err = store.RotateToken(TokenName)
	return err
}

// TokenPath returns the path of home's Oz token file.
func TokenPath(home *workspace.Home) string {
	return filepath.Join(home.SecretsDir(), "token."+TokenName)
}
