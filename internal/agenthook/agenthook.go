// Package agenthook is the hook program of agent-CLI lanes and the reader
// of what it writes. A lane's CLI runs `cocoder agent hook --file F
// --event E` at each hook event its adapter declares (the engine writes
// the CLI's hook settings, see contract.HookRegistration); the program
// reads the event's JSON payload from standard input, keeps only what the
// engine needs — the event's name, for a notification its type and a
// trimmed, escaped message, and the time — and appends one JSON line to
// the lane's hook file in the ledger. The supervisor reads the new lines
// (Read) and records the lane's activity with the source vendor_hook.
//
// The program must never get in the CLI's way: it exits 0 whatever
// happens, writes nothing on standard output (which some CLIs read as the
// hook's answer), bounds what it reads and how long it waits, and drops a
// line rather than grow the file past MaxFile. Where it writes comes from
// its arguments, which the engine computes; nothing in the payload names
// a path. Prompt text and tool inputs are never copied.
package agenthook

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/textx"
)

// Limits of the hook program and the reader.
const (
	// MaxPayload bounds the bytes of a hook's payload that are parsed; a
	// larger payload (a tool input holding a whole file) is parsed as far
	// as this, which reaches the event's name in every CLI seen.
	MaxPayload = 1 << 20
	// MaxFile bounds a hook file: a line that would take it past this
	// size is dropped.
	MaxFile = 4 << 20
	// MaxLine bounds one line of the hook file.
	MaxLine = 1024
	// MaxMessage bounds a notification's message, in runes.
	MaxMessage = 200
	// readWait bounds the wait for the payload; the line is written
	// without it after that.
	readWait = 2 * time.Second
	// maxDrain bounds what is read and thrown away after the payload, so
	// the CLI's write to the program's standard input does not fail.
	maxDrain = 64 << 20
)

// Record is one line of a hook file.
type Record struct {
	// Time is when the hook ran (UTC).
	Time time.Time `json:"time"`
	// Event is the CLI's name of the hook event, e.g. "UserPromptSubmit".
	Event string `json:"event"`
	// Type is the event's type where it has one: a notification's type,
	// e.g. "permission_prompt".
	Type string `json:"type,omitempty"`
	// Message is a notification's message, at most MaxMessage runes,
	// control characters escaped.
	Message string `json:"message,omitempty"`
}

// The shapes of an event name and of a type, compiled on first use (every
// cocoder command links this package).
var (
	eventRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`) })
	typeRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`) })
)

// Clean returns r with what a hook file may hold: an event name of
// letters, digits and '_' (else empty), a type of the same kind (else
// empty), the message escaped onto one line and trimmed to MaxMessage
// runes, and the time in UTC.
func (r Record) Clean() Record {
	if !eventRE().MatchString(r.Event) {
		r.Event = ""
	}
	if !typeRE().MatchString(r.Type) {
		r.Type = ""
	}
	r.Message = trim(textx.OneLine(r.Message), MaxMessage)
	r.Time = r.Time.UTC()
	return r
}

func trim(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Config is what the hook program is told by its arguments.
type Config struct {
	// File is the absolute path of the lane's hook file.
	File string
	// Event, when set, is the event recorded (the payload's own name for
	// it is used otherwise).
	Event string
}

// Args returns the arguments of `cocoder agent hook` that make Main write
// for c. ParseArgs reads them back.
func (c Config) Args() []string {
	args := []string{"--file", c.File}
	if c.Event != "" {
		args = append(args, "--event", c.Event)
	}
	return args
}

// ParseArgs reads the arguments Args wrote.
func ParseArgs(args []string) (Config, error) {
	var c Config
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return c, fmt.Errorf("%s needs a value", args[i])
		}
		switch v := args[i+1]; args[i] {
		case "--file":
			c.File = v
		case "--event":
			c.Event = v
		default:
			return c, fmt.Errorf("unknown argument %q", args[i])
		}
	}
	switch {
	case c.File == "" || !filepath.IsAbs(c.File):
		return c, fmt.Errorf("--file %q must be an absolute path", c.File)
	case c.Event != "" && !eventRE().MatchString(c.Event):
		return c, fmt.Errorf("--event %q is not an event name", c.Event)
	}
	return c, nil
}

// Main runs the hook program for `cocoder agent hook ARGS` with the
// payload on in. It always returns 0: a hook that fails must not fail the
// CLI. Problems go to errOut, one line each.
func Main(ctx context.Context, args []string, in io.Reader, errOut io.Writer) int {
	cfg, err := ParseArgs(args)
	if err != nil {
		fmt.Fprintf(errOut, "cocoder agent hook: %v\n", err)
		return 0
	}
	rec := readPayload(ctx, in)
	if cfg.Event != "" {
		rec.Event = cfg.Event
	}
	rec.Time = time.Now()
	if err := Append(cfg.File, rec); err != nil {
		fmt.Fprintf(errOut, "cocoder agent hook: %v\n", err)
	}
	return 0
}

// readPayload parses the payload on in, waiting at most readWait, then
// drains what is left of in for a while longer so the CLI's write does not
// fail.
func readPayload(ctx context.Context, in io.Reader) Record {
	parsed := make(chan Record, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		r := bufio.NewReader(in)
		rec, _ := Parse(r)
		parsed <- rec
		_, _ = io.Copy(io.Discard, io.LimitReader(r, maxDrain))
	}()
	t := time.NewTimer(readWait)
	defer t.Stop()
	var rec Record
	select {
	case rec = <-parsed:
	case <-t.C:
		return rec
	case <-ctx.Done():
		return rec
	}
	select {
	case <-drained:
	case <-t.C:
	case <-ctx.Done():
	}
	return rec
}

// Parse reads a hook payload, a JSON object, from r (at most MaxPayload
// bytes) and returns the fields a Record keeps: hook_event_name,
// notification_type and message. Everything else, prompt text and tool
// inputs included, is skipped unread into anything. A payload cut off by
// the limit, or broken after some fields, gives the fields read so far
// with the error. The record is cleaned (Record.Clean) and has no time.
func Parse(r io.Reader) (Record, error) {
	var rec Record
	dec := json.NewDecoder(io.LimitReader(r, MaxPayload))
	err := func() error {
		if tok, err := dec.Token(); err != nil {
			return err
		} else if tok != json.Delim('{') {
			return errors.New("the payload is not a JSON object")
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			var dst *string
			switch key {
			case "hook_event_name":
				dst = &rec.Event
			case "notification_type":
				dst = &rec.Type
			case "message":
				dst = &rec.Message
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			if dst != nil && *dst == "" {
				_ = json.Unmarshal(raw, dst) // a value that is not a string is left out
			}
		}
		return nil
	}()
	return rec.Clean(), err
}

// ErrFull is returned by Append when the hook file has reached MaxFile.
var ErrFull = errors.New("the hook file is full")

// Append writes rec (cleaned) as one JSON line to the hook file at path,
// with a single write on a descriptor opened for appending, creating the
// file with mode 0600. It refuses a record without an event, a path that
// is not absolute, a hook file that is not a regular file of its own (a
// symlink, a hard link to another file, a FIFO), and a line that would take
// the file past MaxFile (ErrFull). The file is opened through its directory
// as a root, so nothing in that directory can lead the write outside it.
func Append(path string, rec Record) error {
	rec = rec.Clean()
	if rec.Event == "" {
		return errors.New("the hook has no event name; nothing written")
	}
	if !filepath.IsAbs(path) {
		return fmt.Errorf("hook file %q is not an absolute path", path)
	}
	line, err := encode(rec)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer root.Close()
	name := filepath.Base(path)
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	li, err := root.Lstat(name)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || !li.Mode().IsRegular() || !os.SameFile(fi, li) || links(fi) != 1 {
		return fmt.Errorf("%s is not a regular file of its own (%s); nothing written", path, fsx.KindOf(li.Mode()))
	}
	if fi.Size()+int64(len(line)) > MaxFile {
		return ErrFull
	}
	_, err = f.Write(line)
	return err
}

// encode is rec as one line of at most MaxLine bytes.
func encode(rec Record) ([]byte, error) {
	for {
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		if len(b) < MaxLine || rec.Message == "" {
			return append(b, '\n'), nil
		}
		rec.Message = "" // only the message can be long
	}
}

// links is the number of hard links to the file fi describes (1 when the
// system does not say).
func links(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// maxRead bounds what one Read call reads.
const maxRead = 256 << 10

// Read returns the records of the hook file at path that start at or
// after offset, and the offset to read from next: after the last complete
// line read (a line still being written is left for the next call). At
// most 256 KiB are read per call. The file is untrusted (the lane can
// write it): it is opened as a regular file inside its directory only, a
// line longer than MaxLine or one that is not a record is skipped, and
// every record is cleaned. A file shorter than offset (replaced) is read
// from its start. A missing file is no records and no error.
func Read(path string, offset int64) ([]Record, int64, error) {
	f, err := fsx.OpenIn(filepath.Dir(path), path)
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return nil, offset, nil
		}
		return nil, offset, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, offset, err
	}
	if fi.Size() < offset {
		offset = 0
	}
	if fi.Size() == offset {
		return nil, offset, nil
	}
	buf := make([]byte, min(fi.Size()-offset, maxRead))
	n, err := f.ReadAt(buf, offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, offset, err
	}
	buf = buf[:n]
	end := bytes.LastIndexByte(buf, '\n')
	if end < 0 {
		if len(buf) == maxRead { // one line longer than a whole read: skip it
			return nil, offset + int64(len(buf)), nil
		}
		return nil, offset, nil
	}
	var out []Record
	for line := range bytes.Lines(buf[:end+1]) {
		if len(line) > MaxLine {
			continue
		}
		var rec Record
		if json.Unmarshal(line, &rec) != nil {
			continue
		}
		if rec = rec.Clean(); rec.Event != "" {
			out = append(out, rec)
		}
	}
	return out, offset + int64(end) + 1, nil
}
