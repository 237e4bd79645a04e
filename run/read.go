package run

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// TornLineError reports a torn last line in events.jsonl: bytes after the
// last newline, left by a writer that died mid-write (or a disk that lost
// the end of a write). Such a line was never acknowledged, so readers
// ignore it; it is reported, never fatal.
type TornLineError struct {
	// Line is the 1-based line number of the torn line.
	Line int
	// Offset is the byte offset where the torn line starts.
	Offset int64
	// Bytes is the torn line's length.
	Bytes int
}

// Error describes the torn line.
func (e *TornLineError) Error() string {
	return fmt.Sprintf("%s line %d is torn (%d bytes at offset %d without a newline, left by an interrupted write): it was ignored", EventsFile, e.Line, e.Bytes, e.Offset)
}

// ReadEvents reads a ledger's events. Any process may call it at any time,
// also while the run's supervisor appends. A torn last line is skipped and
// described by torn (nil when there is none); it is not an error. err is an
// errs.NotFound error when dir has no events file, and errs.Invalid when a
// complete line is not a valid event or seq does not increase: that is
// damage no crash of the writer can cause.
func ReadEvents(dir string) (events []contract.Event, torn *TornLineError, err error) {
	data, err := os.ReadFile(filepath.Join(dir, EventsFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, errs.E(errs.NotFound, "run.ReadEvents", "%s is not a run ledger (no %s in it)", dir, EventsFile)
		}
		return nil, nil, errs.Wrap(errs.Unavailable, "run.ReadEvents", err, "cannot read the events of %s", dir)
	}
	events, torn, err = parseEvents(data)
	if err != nil {
		return nil, nil, errs.Wrap(errs.Invalid, "run.ReadEvents", err, "ledger %s is damaged", dir)
	}
	return events, torn, nil
}

// ReadStatus returns a ledger's status, derived by replaying its events
// (run.json is only a cache of that), with the torn-line report of
// ReadEvents. It never writes.
func ReadStatus(dir string) (contract.RunStatus, *TornLineError, error) {
	events, torn, err := ReadEvents(dir)
	if err != nil {
		return contract.RunStatus{}, nil, err
	}
	st, err := Replay(events)
	if err != nil {
		return contract.RunStatus{}, torn, errs.Wrap(errs.Invalid, "run.ReadStatus", err, "ledger %s is damaged", dir)
	}
	return st, torn, nil
}

// parseEvents decodes the content of an events file. Unknown fields are
// ignored, so a ledger written by a newer cocoder stays readable.
func parseEvents(data []byte) ([]contract.Event, *TornLineError, error) {
	var events []contract.Event
	var last int64
	line := 0
	for off := 0; off < len(data); {
		line++
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return events, &TornLineError{Line: line, Offset: int64(off), Bytes: len(data) - off}, nil
		}
		raw := data[off : off+i]
		off += i + 1
		if len(raw)+1 > maxEventLine {
			return nil, nil, fmt.Errorf("%s line %d is %d bytes, more than the %d an event may have", EventsFile, line, len(raw), maxEventLine)
		}
		var ev contract.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, nil, fmt.Errorf("%s line %d is not a JSON event: %v", EventsFile, line, err)
		}
		switch {
		case ev.Seq <= last:
			return nil, nil, fmt.Errorf("%s line %d has seq %d after seq %d; seq must increase", EventsFile, line, ev.Seq, last)
		case !eventTypePattern().MatchString(ev.Type):
			return nil, nil, fmt.Errorf("%s line %d has event type %q, which is not valid", EventsFile, line, ev.Type)
		case ev.Time.IsZero():
			return nil, nil, fmt.Errorf("%s line %d has no time", EventsFile, line)
		}
		last = ev.Seq
		events = append(events, ev)
	}
	return events, nil, nil
}
