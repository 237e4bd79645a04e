package host

import (
	"strings"
	"testing"
	"unicode/utf8"
)

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
