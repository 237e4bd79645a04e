package run

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseEvents feeds arbitrary bytes to the events parser: it must not
// panic, must report a torn line exactly when the data does not end with a
// newline, and what it accepts must have increasing seq and replay without
// panicking.
func FuzzParseEvents(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte(`{"seq":1,"time":"2026-11-24T14:03:12Z","type":"run.created","data":{"status":{"runId":"r-20261124T140312Z-7k3f6q2a","workspaceId":"ws"}}}` + "\n"))
	f.Add([]byte(`{"seq":1,"time":"2026-11-24T14:03:12Z","type":"run.created"}` + "\n" + `{"seq":2,"time":"2026-11-24T14:03:13Z","type":"run.state","data":{"to":"ready"}}` + "\n{\"se"))
	f.Add([]byte("garbage\n"))
	f.Add([]byte(`{"seq":2,"time":"2026-11-24T14:03:12Z","type":"lane.started","lane":"a","data":{"handle":1}}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, torn, err := parseEvents(data)
		if err != nil {
			return
		}
		complete := len(data) == 0 || data[len(data)-1] == '\n'
		if complete != (torn == nil) {
			t.Fatalf("torn report %v for data ending %q", torn, data[max(0, len(data)-3):])
		}
		if torn != nil && int(torn.Offset)+torn.Bytes != len(data) {
			t.Fatalf("torn line %+v does not reach the end (%d bytes)", torn, len(data))
		}
		for i := 1; i < len(events); i++ {
			if events[i].Seq <= events[i-1].Seq {
				t.Fatalf("seq %d after %d", events[i].Seq, events[i-1].Seq)
			}
		}
		_, _ = Replay(events)
	})
}

// FuzzCleanPaste checks that cleaned text holds no control character but
// newline and tab, no trailing newline, no CR, and that cleaning twice
// changes nothing.
func FuzzCleanPaste(f *testing.F) {
	for _, s := range []string{"", "hello", "a\r\nb\rc\n\n", "x\x1b[201~y", "\x1b]0;title\x07", "tab\tok", "ünï\u0085c\u009bode"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := cleanPaste(s)
		if cleanPaste(c) != c {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, c, cleanPaste(c))
		}
		if strings.HasSuffix(c, "\n") || strings.ContainsAny(c, "\r\x1b\x00\x7f") {
			t.Fatalf("cleaned %q to %q", s, c)
		}
		for _, r := range c {
			if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control character %U left in %q", r, c)
			}
		}
		if utf8.ValidString(s) && !utf8.ValidString(c) {
			t.Fatalf("cleaning broke UTF-8: %q", c)
		}
		p := probeOf(c)
		if utf8.RuneCountInString(p) > probeRunes || strings.Contains(p, "\n") {
			t.Fatalf("probe %q of %q", p, c)
		}
	})
}

// tmuxParse models how tmux's command parser reads one argument given on
// its command line: a trailing ";" ends the command unless escaped as
// "\;", which becomes ";".
func tmuxParse(a string) (arg string, ends bool) {
	if !strings.HasSuffix(a, ";") {
		return a, false
	}
	a = a[:len(a)-1]
	if strings.HasSuffix(a, `\`) {
		return a[:len(a)-1] + ";", false
	}
	return a, true
}

// FuzzTmuxArg checks that every argument, once escaped, reaches tmux as
// itself and never ends a command.
func FuzzTmuxArg(f *testing.F) {
	for _, s := range []string{"", ";", "a;", `a\;`, `a\\;`, "a ; b", "#{pane_id}", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ends := tmuxParse(tmuxArg(s))
		if ends || got != s {
			t.Fatalf("argument %q reaches tmux as %q (ends command: %v)", s, got, ends)
		}
		if strings.Count(tmuxFormat(s), "#")%2 != 0 {
			t.Fatalf("format escape of %q left a lone #", s)
		}
	})
}

// FuzzIDs checks that every accepted id is a plain path segment and that a
// ledger path built from accepted ids stays under the home.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{"r-20261124T140312Z-7k3f6q2a", "writer", "verifiers.primary", "..", "a/b", "$(id)", "ws-1", ".hidden"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, ws, id string) {
		for _, s := range []string{ws, id} {
			if ValidLaneName(s) || ValidWorkspaceID(s) || ValidRunID(s) {
				if !filepath.IsLocal(s) || strings.ContainsAny(s, "/\\;$`\n\x00 #:") || s == "." {
					t.Fatalf("accepted %q, which is not a plain path segment", s)
				}
			}
		}
		dir, err := LedgerDir("/home", ws, id)
		if err == nil && !strings.HasPrefix(dir, "/home/runs/") {
			t.Fatalf("ledger dir %q escapes the home", dir)
		}
		if ValidRunID(id) && !bytes.Equal([]byte(NewRunID(mustTime(t, id)))[:18], []byte(id)[:18]) {
			t.Fatalf("run id %q does not round-trip its time", id)
		}
	})
}

func mustTime(t *testing.T, id string) time.Time {
	t.Helper()
	tm, ok := RunIDTime(id)
	if !ok {
		t.Fatalf("RunIDTime(%q) failed for a valid id", id)
	}
	return tm
}
