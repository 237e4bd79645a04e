package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/flock"
	"github.com/cocoder/cocoder/internal/fsx"
)

// maxEventLine bounds one event line. Events are small (a handle, a
// reason); anything bigger is refused when written and reported as damage
// when read.
const maxEventLine = 1 << 20

// reserved are the ledger's own files, which WriteFile may not replace.
var reserved = []string{StatusFile, EventsFile, LockFile, TornFile}

// Options configure a Ledger. The zero Options is usable.
type Options struct {
	// Redact, when set, is applied to every byte the ledger writes (event
	// lines, run.json, files written with WriteFile), so secrets never
	// reach the ledger. It must return valid JSON when given JSON (a
	// redactor that replaces secret values with a placeholder does). It is
	// called with the ledger's lock held and must not call back into it.
	Redact func([]byte) []byte
	// Now is the clock that stamps events; nil means time.Now. Tests use
	// it to get deterministic times.
	Now func() time.Time
}

// Ledger is a run's ledger directory opened for writing. Exactly one
// process holds it (the lock file) and appends; any process may read a
// ledger at any time with ReadEvents and ReadStatus. A Ledger is safe for
// concurrent use.
type Ledger struct {
	dir    string
	cfg    Options
	report OpenReport

	mu     sync.Mutex
	lock   *flock.Lock
	status contract.RunStatus
	// doc is what run.json holds: the status after the last event that
	// changed more than lastSeq and updatedAt (see statusDoc).
	doc contract.RunStatus
}

// OpenReport says what Open found and repaired.
type OpenReport struct {
	// Torn describes a torn last line that was moved to events.torn, or nil.
	Torn *TornLineError
	// StatusRewritten is true when run.json disagreed with the events (or
	// was missing) and was rewritten from them.
	StatusRewritten bool
}

// Create creates the ledger directory dir for the run described by
// st, takes its lock and records run.created. dir's last element must be
// st.RunID; its parent is created (0700) if missing. st.State defaults to
// planned; lanes without a state start as planned. LastSeq, CreatedAt and
// UpdatedAt are set from the first event.
//
// It returns errs.Invalid for a bad run id, workspace id, lane name or
// state (nothing is created), and errs.Conflict when dir already exists: a
// run id names one run.
func Create(dir string, st contract.RunStatus, opts Options) (*Ledger, error) {
	const op = "ledger.Create"
	if !contract.ValidRunID(st.RunID) {
		return nil, errs.E(errs.Invalid, op, "run id %q is not valid: make one with run.NewRunID", st.RunID)
	}
	if filepath.Base(dir) != st.RunID {
		return nil, errs.E(errs.Invalid, op, "ledger directory %s must be named after the run id %s (use Dir)", dir, st.RunID)
	}
	if !contract.ValidWorkspaceID(st.WorkspaceID) {
		return nil, errs.E(errs.Invalid, op, "workspace id %q is not valid: use letters, digits, '.', '_' and '-'", st.WorkspaceID)
	}
	if st.State == "" {
		st.State = contract.StatePlanned
	}
	if !st.State.Valid() {
		return nil, errs.E(errs.Invalid, op, "state %q is not a run state (one of %v)", st.State, contract.RunStates)
	}
	for name := range st.Lanes {
		if !contract.ValidLaneName(name) {
			return nil, errs.E(errs.Invalid, op, "lane name %q is not valid: use letters, digits, '_' and '-' in dot-separated parts", name)
		}
	}
	if err := fsx.MkdirPrivate(filepath.Dir(dir)); err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot prepare the runs directory")
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, errs.E(errs.Conflict, op, "ledger directory %s already exists: each run id is used once", dir)
		}
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot create the ledger directory")
	}
	l, err := newLedger(dir, opts)
	if err == nil {
		st.Version, st.LastSeq = contract.CurrentVersion, 0
		st.CreatedAt, st.UpdatedAt = time.Time{}, time.Time{}
		_, err = l.Append(MustEvent(EventRunCreated, "", RunCreatedData{Status: st}))
	}
	if err != nil {
		if l != nil {
			_ = l.Close()
		}
		_ = os.RemoveAll(dir)
		return nil, errs.Wrap(errs.CodeOf(err), op, err, "cannot create the ledger of run %s", st.RunID)
	}
	return l, nil
}

// Open opens an existing ledger for appending: it takes the lock,
// moves a torn last line (a write cut short by a crash) to events.torn and
// records ledger.repaired, replays the events and rewrites run.json if it
// disagrees with them. Report tells what was found.
//
// It returns errs.NotFound when dir is not a ledger, errs.Conflict when
// another process holds the lock, and errs.Invalid when the events are
// damaged beyond a torn last line.
func Open(dir string, opts Options) (*Ledger, error) {
	const op = "ledger.Open"
	if fi, err := os.Lstat(filepath.Join(dir, EventsFile)); err != nil || !fi.Mode().IsRegular() {
		return nil, errs.E(errs.NotFound, op, "%s is not a run ledger (no regular %s in it)", dir, EventsFile)
	}
	l, err := newLedger(dir, opts)
	if err != nil {
		return nil, err
	}
	if err := l.recover(); err != nil {
		_ = l.Close()
		return nil, err
	}
	return l, nil
}

// newLedger takes the lock of dir and records this process in the lock
// file.
func newLedger(dir string, cfg Options) (*Ledger, error) {
	const op = "ledger.Open"
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lockPath := filepath.Join(dir, LockFile)
	lk, err := flock.TryLock(lockPath)
	if errors.Is(err, flock.ErrLocked) {
		holder := "another process"
		if b, rerr := os.ReadFile(lockPath); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = fmt.Sprintf("process %d", pid)
			}
		}
		return nil, errs.E(errs.Conflict, op, "ledger %s is held by %s: only the process supervising the run appends (read it with ReadEvents instead)", dir, holder)
	}
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot lock ledger %s", dir)
	}
	// The pid is informational (for the message above); a failure to
	// record it does not matter.
	if f := lk.File(); f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Ledger{dir: dir, cfg: cfg, lock: lk}, nil
}

// recover runs the crash recovery of Open with the lock held.
func (l *Ledger) recover() error {
	const op = "ledger.Open"
	// Temp files of an interrupted run.json rewrite.
	if tmps, _ := filepath.Glob(filepath.Join(l.dir, "."+StatusFile+".tmp-*")); len(tmps) > 0 {
		for _, t := range tmps {
			_ = os.Remove(t)
		}
	}
	path := filepath.Join(l.dir, EventsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot read %s", path)
	}
	events, torn, err := parseEvents(data)
	if err != nil {
		return errs.Wrap(errs.Invalid, op, err, "ledger %s is damaged", l.dir)
	}
	if len(events) == 0 {
		return errs.E(errs.Invalid, op, "ledger %s has no %s event: its creation was interrupted; remove the directory and start the run again", l.dir, EventRunCreated)
	}
	st, doc, err := replayDoc(events)
	if err != nil {
		return errs.Wrap(errs.Invalid, op, err, "ledger %s is damaged", l.dir)
	}
	l.status, l.doc = st, doc
	if torn != nil {
		if err := l.moveTorn(path, data, torn); err != nil {
			return err
		}
		l.report.Torn = torn
		// ledger.repaired changes nothing run.json shows, so Append does
		// not rewrite it; it is checked below like any other.
		if _, err := l.Append(MustEvent(EventLedgerRepaired, "", LedgerRepairedData{Offset: torn.Offset, Bytes: torn.Bytes, MovedTo: TornFile})); err != nil {
			return err
		}
	}
	want, err := l.encodeStatus(l.doc)
	if err != nil {
		return err
	}
	have, rerr := os.ReadFile(filepath.Join(l.dir, StatusFile))
	if rerr != nil || !bytes.Equal(have, want) {
		if err := fsx.WriteFile(filepath.Join(l.dir, StatusFile), want, 0o600); err != nil {
			return errs.Wrap(errs.Unavailable, op, err, "cannot rewrite %s", StatusFile)
		}
		l.report.StatusRewritten = true
	}
	return nil
}

// moveTorn appends the torn bytes to events.torn (kept as evidence), then
// cuts them off events.jsonl so the next event starts on a fresh line.
func (l *Ledger) moveTorn(path string, data []byte, torn *TornLineError) error {
	const op = "ledger.Open"
	frag := data[torn.Offset:]
	rec := append(append([]byte(nil), frag...), '\n')
	if err := fsx.AppendFile(filepath.Join(l.dir, TornFile), rec, 0o600); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot save the torn line to %s", TornFile)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot open %s to cut the torn line", path)
	}
	err = f.Truncate(torn.Offset)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot cut the torn line off %s", path)
	}
	return nil
}

// Dir returns the ledger directory.
func (l *Ledger) Dir() string { return l.dir }

// Report tells what Open found and repaired; it is empty for a
// ledger made by Create.
func (l *Ledger) Report() OpenReport { return l.report }

// Status returns a copy of the current status document.
func (l *Ledger) Status() contract.RunStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	return cloneStatus(l.status)
}

// Append records ev: it assigns the next seq and the current time (UTC),
// checks the event against the run (a run.state event must follow the
// status table), writes it as one line in one write and fsyncs before
// returning, then, when the event changed the status beyond lastSeq and
// updatedAt, rewrites run.json atomically (see statusDoc). The returned
// event is exactly what was written (after redaction).
//
// A run.state event may leave Data.From empty; it is filled in. Errors:
// errs.Invalid for a malformed event (bad type, lane name or data),
// errs.Conflict for a transition the status table forbids or a closed
// ledger, errs.Unavailable when the disk refuses the write. If the event
// was written but run.json could not be rewritten, the returned event has
// its Seq set and the error says so; Open repairs run.json later.
func (l *Ledger) Append(ev contract.Event) (contract.Event, error) {
	written, err := l.AppendAll([]contract.Event{ev})
	if len(written) == 0 {
		return contract.Event{}, err
	}
	return written[0], err
}

// AppendAll records evs in order as Append does, with one write and one
// fsync for all of them (a group commit): either every event is recorded
// or, when one is refused, none is. The engine uses it when several
// events are ready at the same moment, such as the lanes of a start.
func (l *Ledger) AppendAll(evs []contract.Event) ([]contract.Event, error) {
	const op = "ledger.Ledger.Append"
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lock == nil {
		return nil, errs.E(errs.Conflict, op, "ledger %s is closed", l.dir)
	}
	st, doc := l.status, l.doc
	var buf []byte
	written := make([]contract.Event, 0, len(evs))
	for _, ev := range evs {
		line, w, next, err := l.prepare(op, st, ev)
		if err != nil {
			return nil, err
		}
		buf = append(append(buf, line...), '\n')
		written = append(written, w)
		if !sameDoc(doc, next) {
			doc = next
		}
		st = next
	}
	if len(written) == 0 {
		return nil, nil
	}
	if err := fsx.AppendFile(filepath.Join(l.dir, EventsFile), buf, 0o600); err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot append to %s", filepath.Join(l.dir, EventsFile))
	}
	l.status = st
	if doc.LastSeq == l.doc.LastSeq {
		return written, nil // nothing run.json shows changed
	}
	b, err := l.encodeStatus(doc)
	if err == nil {
		err = fsx.WriteDerived(filepath.Join(l.dir, StatusFile), b, 0o600)
	}
	if err != nil {
		// l.doc stays as it was, so the next Append tries again.
		return written, errs.Wrap(errs.Unavailable, op, err, "event %d was recorded but %s could not be rewritten (reopening the ledger repairs it)", st.LastSeq, StatusFile)
	}
	l.doc = doc
	return written, nil
}

// prepare checks ev against the status st, assigns its seq and time, and
// returns its redacted line, the event as a replay will read it, and the
// status after it.
func (l *Ledger) prepare(op string, st contract.RunStatus, ev contract.Event) ([]byte, contract.Event, contract.RunStatus, error) {
	fail := func(err error) ([]byte, contract.Event, contract.RunStatus, error) {
		return nil, contract.Event{}, st, err
	}
	if !eventTypePattern().MatchString(ev.Type) {
		return fail(errs.E(errs.Invalid, op, "event type %q is not valid: use dotted lowercase words such as lane.started", ev.Type))
	}
	if ev.Lane != "" && !contract.ValidLaneName(ev.Lane) {
		return fail(errs.E(errs.Invalid, op, "lane name %q is not valid", ev.Lane))
	}
	if ev.Type == EventRunState {
		var d RunStateData
		if err := DecodeData(ev, &d); err != nil {
			return fail(err)
		}
		if err := Transition(st.State, d.To); err != nil {
			return fail(err)
		}
		if d.From == "" {
			ev.Data = maps.Clone(ev.Data)
			ev.Data["from"] = string(st.State)
		}
	}
	ev.Seq = st.LastSeq + 1
	ev.Time = l.cfg.Now().UTC().Round(0)

	line, err := json.Marshal(ev)
	if err != nil {
		return fail(errs.Wrap(errs.Invalid, op, err, "event %s does not encode as JSON", ev.Type))
	}
	line = l.redact(line)
	// Decode what will be on disk, so that the status and the returned
	// event are what a later replay sees.
	var written contract.Event
	if err := json.Unmarshal(line, &written); err != nil || written.Seq != ev.Seq || written.Type != ev.Type {
		return fail(errs.E(errs.Internal, op, "the redactor turned event %s into something that is not the same JSON event; fix the redactor", ev.Type))
	}
	if len(line)+1 > maxEventLine {
		return fail(errs.E(errs.Invalid, op, "event %s is %d bytes; events are limited to %d bytes: put large content in a file with Ledger.WriteFile and refer to it", ev.Type, len(line), maxEventLine))
	}
	next, err := apply(st, written)
	if err != nil {
		return fail(errs.Wrap(errs.CodeOf(err), op, err, "event refused"))
	}
	return line, written, next, nil
}

// SetState records a run.state event moving the run to state to, with a
// reason. It returns errs.Conflict when the status table forbids the move.
func (l *Ledger) SetState(to contract.RunState, reason string) (contract.Event, error) {
	return l.Append(MustEvent(EventRunState, "", RunStateData{To: to, Reason: reason}))
}

// Path returns the absolute path of rel inside the ledger directory, or an
// errs.Invalid error when rel is not a local path (absolute, "..", empty).
// It does not touch the file system.
func (l *Ledger) Path(rel string) (string, error) {
	if !filepath.IsLocal(rel) {
		return "", errs.E(errs.Invalid, "ledger.Ledger.Path", "%q is not a path inside the ledger: use a relative path without '..'", rel)
	}
	return filepath.Join(l.dir, rel), nil
}

// WriteFile writes data (after redaction) to rel inside the ledger
// directory atomically, creating parent directories (0700) as needed. It is
// for snapshots, the startup packet, prompts and the like.
//
// rel must be a local path (no "..", not absolute) and may not name the
// ledger's own files (run.json, events.jsonl, lock, events.torn). The write
// is confined to the ledger directory even if a lane has planted a symlink
// in it: parents are resolved inside the directory (os.Root) and the final
// rename replaces a link rather than following it. Errors: errs.Invalid for
// a bad rel, errs.Unavailable when the write fails.
func (l *Ledger) WriteFile(rel string, data []byte) error {
	const op = "ledger.Ledger.WriteFile"
	if !filepath.IsLocal(rel) {
		return errs.E(errs.Invalid, op, "%q is not a path inside the ledger: use a relative path without '..'", rel)
	}
	rel = filepath.Clean(rel)
	for _, r := range reserved {
		if rel == r {
			return errs.E(errs.Invalid, op, "%s is the ledger's own file; write it through Append", rel)
		}
	}
	l.mu.Lock()
	closed := l.lock == nil
	l.mu.Unlock()
	if closed {
		return errs.E(errs.Conflict, op, "ledger %s is closed", l.dir)
	}
	if err := fsx.WriteFileIn(l.dir, rel, l.redact(data), 0o600); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot write %s in ledger %s", rel, l.dir)
	}
	return nil
}

// Close releases the lock. Appends after Close fail. It is safe to call
// more than once.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.lock.Release()
	l.lock = nil
	return err
}

func (l *Ledger) redact(b []byte) []byte {
	if l.cfg.Redact == nil {
		return b
	}
	return l.cfg.Redact(b)
}

// encodeStatus renders run.json.
func (l *Ledger) encodeStatus(st contract.RunStatus) ([]byte, error) {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "ledger.Ledger", err, "cannot encode %s", StatusFile)
	}
	return l.redact(append(b, '\n')), nil
}

// cloneStatus copies st deeply enough that the copy shares nothing mutable
// with st.
func cloneStatus(st contract.RunStatus) contract.RunStatus {
	if st.Lanes == nil {
		return st
	}
	lanes := make(map[string]contract.LaneStatus, len(st.Lanes))
	for k, v := range st.Lanes {
		if v.Handle != nil {
			h := *v.Handle
			h.Ref = maps.Clone(h.Ref)
			v.Handle = &h
		}
		if v.ExitCode != nil {
			c := *v.ExitCode
			v.ExitCode = &c
		}
		lanes[k] = v
	}
	st.Lanes = lanes
	return st
}
