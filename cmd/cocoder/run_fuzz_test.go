package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cocoder/cocoder/contract"
	runpkg "github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/ledger"
)

// FuzzProgressLine renders events whose data has any shape, as a
// subscriber receives them: it never panics, and every line is one line
// free of control characters, whatever the event's strings hold.
func FuzzProgressLine(f *testing.F) {
	f.Add(`{"seq":1,"time":"2026-11-24T14:03:12Z","type":"lane.started","lane":"lead","data":{"handle":{"pane":"%1","pid":12}}}`)
	f.Add(`{"type":"lane.exited","lane":"w","data":{"exitCode":"three","reason":7}}`)
	f.Add(`{"type":"run.state","data":{"to":["x"],"reason":{"a":1}}}`)
	f.Add(`{"type":"lane.started","data":{"handle":"nope"}}`)
	f.Add(`{"type":"lane.timeout","lane":"x","data":null}`)
	f.Add(`{"type":"lane.killed","lane":"x","data":{"reason":"bye\n\u001b]52;c;aGk=\u0007"}}`)
	f.Add(`{"type":"lane.prompt.failed","lane":"x","data":{"reason":"dialog\r\nNo, exit"}}`)
	f.Add(`{"type":"lane.attention","lane":"x","data":{"dialog":"perm\u001b[2J","fix":"answer\nit","source":"pane_output"}}`)
	f.Add(`{"type":"lane.attention.cleared","lane":"x","data":{"dialog":"trust","source":"pane_output","during":"work"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var ev contract.Event
		if json.Unmarshal([]byte(s), &ev) != nil {
			return
		}
		payload, err := ledger.Payload(ev)
		if err != nil {
			return // the engine publishes only data that decodes
		}
		line := progressLine(runpkg.RunEvent{Event: ev, Payload: payload})
		if strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }) {
			t.Fatalf("progress line %q holds a control character", line)
		}
	})
}

// FuzzShellQuote checks that shellQuote's output, read back the way a
// POSIX shell reads words and single quotes, gives the argv again.
func FuzzShellQuote(f *testing.F) {
	f.Add("tmux\x00-L\x00cocoder-abc\x00attach-session\x00-t\x00=r-1")
	f.Add("a b\x00it's\x00\x00;\x00$(x)\x00`y`")
	f.Add("\x00'\x00''\x00\\")
	f.Fuzz(func(t *testing.T, joined string) {
		if !utf8.ValidString(joined) {
			return
		}
		argv := strings.Split(joined, "\x00")
		got, ok := shellWords(shellQuote(argv))
		if !ok || !slices.Equal(got, argv) {
			t.Fatalf("shellQuote(%q) = %q reads back as %q", argv, shellQuote(argv), got)
		}
	})
}

// shellWords splits s into words as a POSIX shell would, for the subset
// shellQuote produces: plain words and single-quoted parts.
func shellWords(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, false
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, true
}
