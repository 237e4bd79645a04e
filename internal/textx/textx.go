// Package textx holds small text helpers the run packages share: picking
// the first non-empty value, appending without duplicates, and trimming
// what a terminal pane shows to its meaningful lines.
package textx

import (
	"slices"
	"strings"
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
