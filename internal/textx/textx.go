package textx

import (
	"slices"
	"strings"
)

// appendNew appends the values not yet in list.
func AppendNew(list []string, values ...string) []string {
	for _, v := range values {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

func FirstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// squeezeBlank turns every run of blank lines in s into one blank line:
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

// lastLines drops trailing blank lines and keeps the last n lines (all when
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
