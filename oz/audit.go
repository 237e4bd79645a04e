package oz

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
)

// AuditFile is the audit log's name in the home's oz/ directory.
const AuditFile = "audit.jsonl"

// AuditEntry is one line of the audit log: an action Oz was asked to carry
// out, written and fsynced before it is carried out.
type AuditEntry struct {
	// Time is when the action was allowed (UTC).
	Time time.Time `json:"time"`
	// Action names it: workspace.register, workspace.update,
	// workspace.unregister, run.launch, run.stop, run.send, run.resume,
	// settings.update, token.rotate, login.link.
	Action string `json:"action"`
	// Actor is who asked: "token" (a client holding the token),
	// "session:<label>" (a dashboard session) or the name a caller of the
	// Go API gave.
	Actor string `json:"actor"`
	// Target is what the action is about: a workspace id or path, a run
	// id, a settings key.
	Target string `json:"target"`
	// Outcome is "allowed": every check passed and the action is being
	// carried out. Its result is in the run's ledger or the response.
	Outcome string `json:"outcome"`
}

// auditLog is the append-only audit log, held open with O_APPEND so
// every line is one write at the end of the file, also with other
// processes appending.
type auditLog struct {
	mu   sync.Mutex
	path string
	f    *os.File
	now  func() time.Time
	// synced, when set (tests), runs after each line is on disk.
	synced func(AuditEntry)
}

// openAudit opens (creating, 0600) the audit log in dir. A symlink,
// a non-regular file or one readable by others is refused.
func openAudit(dir string, now func() time.Time) (*auditLog, error) {
	const op = "oz.audit"
	path := filepath.Join(dir, AuditFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, errs.E(errs.Invalid, op, "the audit log %s is a symlink; remove it", path)
		}
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot open the audit log %s", path)
	}
	fi, err := f.Stat()
	if err == nil && (!fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 != 0) {
		_ = f.Close()
		return nil, errs.E(errs.Invalid, op, "the audit log %s must be a regular file with mode 0600 (fix it with: chmod 600 %s)", path, path)
	}
	if err != nil {
		_ = f.Close()
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot open the audit log %s", path)
	}
	return &auditLog{path: path, f: f, now: now}, nil
}

// record appends one entry and fsyncs it. When it fails the caller must
// not carry out the action.
func (a *auditLog) record(actor, action, target string) error {
	const op = "oz.audit"
	entry := AuditEntry{Time: a.now().UTC(), Action: action, Actor: actor, Target: target, Outcome: "allowed"}
	line, err := json.Marshal(entry)
	if err != nil {
		return errs.Wrap(errs.Internal, op, err, "encoding an audit line")
	}
	line = append(line, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return errs.E(errs.Unavailable, op, "the audit log is closed (the server is shutting down); the action was not carried out")
	}
	if _, err := a.f.Write(line); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot write the audit log %s, so the action was not carried out", a.path)
	}
	if err := a.f.Sync(); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot flush the audit log %s to disk, so the action was not carried out", a.path)
	}
	if a.synced != nil {
		a.synced(entry)
	}
	return nil
}

// tail returns the last n entries (at most the last 1 MiB of the file).
func (a *auditLog) tail(n int) ([]AuditEntry, error) {
	b, err := fsx.ReadTail(a.path, 1<<20)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return []AuditEntry{}, nil
		}
		return nil, errs.Wrap(errs.Unavailable, "oz.audit", err, "cannot read the audit log %s", a.path)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	out := make([]AuditEntry, 0, len(lines))
	for _, l := range lines {
		var e AuditEntry
		if len(l) == 0 || json.Unmarshal(l, &e) != nil {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

func (a *auditLog) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return nil
	}
	err := a.f.Close()
	a.f = nil
	return err
}
