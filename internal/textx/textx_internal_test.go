package textx

import "testing"

// TestSqueezeBlank: runs of blank rows become one; other lines, and
// single blank lines between them, stay as they are.
func TestSqueezeBlank(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"a":                         "a",
		"a\nb":                      "a\nb",
		"a\n\nb":                    "a\n\nb",
		"a\n\n\n\n  \n\t\nb":        "a\n\nb",
		"\n\n\na\n\n\nPane is dead": "\na\n\nPane is dead",
		"a\n  \n\n":                 "a\n  ",
	} {
		if got := SqueezeBlank(in); got != want {
			t.Errorf("SqueezeBlank(%q) = %q, want %q", in, got, want)
		}
	}
}
