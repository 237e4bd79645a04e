package prompt

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScanSessionLog feeds arbitrary text to the session-log reader: it
// never panics, keeps at most the capped number of entries and lines, and
// returns entries newest first.
func FuzzScanSessionLog(f *testing.F) {
	f.Add("# Log\n\n## 2026-11-03 — c\n\n- c\n\n## 2026-11-01 — a\n\n- a\n", 2, 5, 200)
	f.Add("## 2026-11-01\n## 2026-11-02\n## 2026-11-03\n", 1, 1, 10)
	f.Add("```\n## 2026-01-01 in a fence\n```\nfree text\n", 3, 60, 8192)
	f.Add("## 2026-13-45 not a date\n## 2026-02-30\n\r\n\x00\xff", 3, 60, 8192)
	f.Add(strings.Repeat("x", 70000)+"\n## 2026-01-01\n", 3, 60, 8192)
	f.Fuzz(func(t *testing.T, text string, entries, lines, bytes int) {
		caps := PacketCaps{SessionEntries: 1 + fuzzAbs(entries)%5, SessionLines: 1 + fuzzAbs(lines)%80, SessionBytes: 1 + fuzzAbs(bytes)%10000}
		newest, head, err := scanSessionLog(strings.NewReader(text), caps)
		if err != nil {
			t.Fatal(err)
		}
		if len(newest) > caps.SessionEntries {
			t.Fatalf("%d entries, cap %d", len(newest), caps.SessionEntries)
		}
		if len(head) > caps.SessionLines {
			t.Fatalf("%d head lines, cap %d", len(head), caps.SessionLines)
		}
		for i, e := range newest {
			if len(e.lines) > caps.SessionLines || e.bytes > caps.SessionBytes {
				t.Fatalf("entry %d holds %d lines, %d bytes; caps %+v", i, len(e.lines), e.bytes, caps)
			}
			if i > 0 && e.date > newest[i-1].date && newest[0].date < newest[len(newest)-1].date {
				t.Fatalf("entries are not newest first: %s after %s", e.date, newest[i-1].date)
			}
		}
	})
}

// FuzzCapText checks that capText respects both caps and cuts only at a
// line end or a rune boundary.
func FuzzCapText(f *testing.F) {
	f.Add("a\nb\nc", 2, 100)
	f.Add("héllo wörld", 1, 4)
	f.Add("", 1, 1)
	f.Fuzz(func(t *testing.T, text string, lines, bytes int) {
		maxLines, maxBytes := 1+fuzzAbs(lines)%50, 1+fuzzAbs(bytes)%5000
		out, cut := capText(text, maxLines, maxBytes)
		if len(out) > maxBytes || strings.Count(out, "\n") >= maxLines {
			t.Fatalf("capText(%q, %d, %d) = %q", text, maxLines, maxBytes, out)
		}
		if !strings.HasPrefix(text, out) {
			t.Fatalf("%q is not a prefix of %q", out, text)
		}
		if !cut && out != text {
			t.Fatalf("cut %q to %q without saying so", text, out)
		}
		if utf8.ValidString(text) && !utf8.ValidString(out) {
			t.Fatalf("cut inside a rune: %q", out)
		}
	})
}

func fuzzAbs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}
