package ledger

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// complete line is not a valid event, seq does not increase or a line is
// longer than the 1 MiB an event may have: that is damage no crash of the
// writer can cause. The file is streamed a line at a time, so memory
// grows with the events returned, never with one line or with the file.
func ReadEvents(dir string) (events []contract.Event, torn *TornLineError, err error) {
	f, err := os.Open(filepath.Join(dir, EventsFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, errs.E(errs.NotFound, "ledger.ReadEvents", "%s is not a run ledger (no %s in it)", dir, EventsFile)
		}
		return nil, nil, errs.Wrap(errs.Unavailable, "ledger.ReadEvents", err, "cannot read the events of %s", dir)
	}
	defer f.Close()
	events, torn, err = scanEvents(f)
	if rerr, ok := errors.AsType[readError](err); ok {
		return nil, nil, errs.Wrap(errs.Unavailable, "ledger.ReadEvents", rerr.err, "cannot read the events of %s", dir)
	}
	if err != nil {
		return nil, nil, errs.Wrap(errs.Invalid, "ledger.ReadEvents", err, "ledger %s is damaged", dir)
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
		return contract.RunStatus{}, torn, errs.Wrap(errs.Invalid, "ledger.ReadStatus", err, "ledger %s is damaged", dir)
	}
	return st, torn, nil
}

// readError is a failure to read the events file, as opposed to damage
// in what was read.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }

// parseEvents decodes the content of an events file (see scanEvents).
func parseEvents(data []byte) ([]contract.Event, *TornLineError, error) {
	return scanEvents(bytes.NewReader(data))
}

// scanEvents decodes an events file streamed from r, holding at most one
// line of maxEventLine bytes besides the events. Unknown fields are
// ignored, so a ledger written by a newer cocoder stays readable. A line
// longer than maxEventLine is damage whether or not it ends: the writer
// refuses such events, so even a torn one cannot be that long.
func scanEvents(r io.Reader) ([]contract.Event, *TornLineError, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		events []contract.Event
		last   int64
		off    int64
		buf    []byte
	)
	for line := 1; ; line++ {
		raw, complete, err := readEventLine(br, buf[:0])
		buf = raw
		if err != nil {
			return nil, nil, readError{err}
		}
		if len(raw)+1 > maxEventLine {
			return nil, nil, fmt.Errorf("%s line %d is more than the %d bytes an event may have", EventsFile, line, maxEventLine)
		}
		if !complete {
			if len(raw) > 0 {
				return events, &TornLineError{Line: line, Offset: off, Bytes: len(raw)}, nil
			}
			return events, nil, nil
		}
		off += int64(len(raw)) + 1
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
}

// readEventLine appends the next line of br to buf, without its newline.
// complete is false at the end of the input: raw is then the torn rest,
// if any. It stops reading once the line reaches maxEventLine bytes, so the
// caller sees an over-long line without holding all of it.
func readEventLine(br *bufio.Reader, buf []byte) (raw []byte, complete bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			return append(buf, chunk[:len(chunk)-1]...), true, nil
		case err == io.EOF:
			return append(buf, chunk...), false, nil
		case err != bufio.ErrBufferFull:
			return nil, false, err
		}
		if buf = append(buf, chunk...); len(buf) >= maxEventLine {
			return buf, false, nil
		}
	}
}
