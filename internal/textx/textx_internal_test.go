package textx

import (
	"strings"
	"testing"
	"unicode/utf8"
)

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

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":           "plain text",
		"two\nlines":           `two\nlines`,
		"\x1b]52;c;aGk=\x07":   `\x1b]52;c;aGk=\a`,
		"tab\there":            `tab\there`,
		"c1 \u009b2J":          `c1 \u009b2J`,
		"bad \xff byte":        `bad \xff byte`,
		"ünïcode ❯\u00a0ok":    "ünïcode ❯\u00a0ok",
		"real \uFFFD replaced": "real \uFFFD replaced",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrintable(t *testing.T) {
	if got, want := Printable("a\n\tb\x1b[2J\r"), "a\n\tb\\x1b[2J\\r"; got != want {
		t.Errorf("Printable = %q, want %q", got, want)
	}
}

func FuzzOneLine(f *testing.F) {
	f.Add("a\nb\x1b[2J\x9b\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := OneLine(s)
		if strings.ContainsFunc(out, isControl) {
			t.Fatalf("OneLine(%q) = %q keeps a control character", s, out)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("OneLine(%q) = %q is not valid UTF-8", s, out)
		}
		if p := Printable(s); strings.ContainsFunc(p, func(r rune) bool { return isControl(r) && r != '\n' && r != '\t' }) {
			t.Fatalf("Printable(%q) = %q keeps a control character", s, p)
		}
	})
}
