// Package textx holds small text helpers the run packages share: picking
// the first non-empty value, appending without duplicates, and trimming
// what a terminal pane shows to its meaningful lines.
package textx

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AppendNew appends the values not yet in list.
func AppendNew(list []string, values ...string) []string {
	for _, v := range values {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// FirstNonEmpty returns the first of values that is not empty, or "".
func FirstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// SqueezeBlank turns every run of blank lines in s into one blank line:
// a pane's screen is padded with empty rows (between a program's last
// output and tmux's "Pane is dead" line, say) that mean nothing in a
// transcript.
func SqueezeBlank(s string) string {
	var out []string
	prevBlank := false
	for l := range strings.SplitSeq(s, "\n") {
		blank := strings.TrimSpace(l) == ""
		if !blank || !prevBlank {
			out = append(out, l)
		}
		prevBlank = blank
	}
	return strings.Join(out, "\n")
}

// LastLines drops trailing blank lines and keeps the last n lines (all when
// n <= 0).
func LastLines(s string, n int) string {
	ls := strings.Split(s, "\n")
	for len(ls) > 0 && strings.TrimSpace(ls[len(ls)-1]) == "" {
		ls = ls[:len(ls)-1]
	}
	if n > 0 && len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// OneLine returns s with every control character (newlines and tabs
// included, escape sequences' ESC first of all) written as a visible Go
// escape such as \n or \x1b, so text from an agent or a repository can be
// printed on one terminal line without acting on the terminal. Invalid
// UTF-8 bytes are written as \xNN too.
func OneLine(s string) string { return escape(s, false) }

// Printable is OneLine for text of several lines: newlines and tabs are
// kept, every other control character is escaped.
func Printable(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	bad := func(r rune) bool { return isControl(r) && !(keepLines && (r == '\n' || r == '\t')) }
	if !strings.ContainsFunc(s, bad) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case bad(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isControl reports whether r is a C0 or C1 control character or DEL.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
}
