package run

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestShown checks what Logs prints again when a transcript grows: only
// the new lines, also once the view is cut to the transcript's end.
func TestShown(t *testing.T) {
	tests := []struct {
		name           string
		printed, lines []string
		want           int
	}{
		{"First", nil, []string{"a"}, 0},
		{"Grown", []string{"a", "b"}, []string{"a", "b", "c"}, 2},
		{"LastLineChanged", []string{"a", "b"}, []string{"a", "b2", "c"}, 1},
		{"MovedOn", []string{"a", "b", "c", "d"}, []string{"c", "d", "e"}, 2},
		{"AllNew", []string{"a", "b"}, []string{"x", "y"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, shown(tc.printed, tc.lines))
		})
	}
}
