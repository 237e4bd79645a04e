package secrets

import (
	"io"
	"math/rand/v2"
	"testing"
)

// TestRedactorHoldsBackLittle checks the bound the Redactor promises: after
// any write it keeps at most the longest value's length minus one byte.
func TestRedactorHoldsBackLittle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for it := range 500 {
		vals := []Value{NewValue("abab"), NewValue("abababba"), NewValue("bbbbbbbbbbbb")}
		r := NewRedactor(io.Discard, vals...)
		longest := 0
		for _, p := range r.pats {
			longest = max(longest, len(p.b))
		}
		for range 50 {
			chunk := make([]byte, rng.IntN(20))
			for i := range chunk {
				chunk[i] = "ab"[rng.IntN(2)]
			}
			if _, err := r.Write(chunk); err != nil {
				t.Fatal(err)
			}
			if len(r.pend) > longest-1 {
				t.Fatalf("iteration %d: %d bytes held back; the bound is %d", it, len(r.pend), longest-1)
			}
		}
	}
}

func TestJSONEscapedVariants(t *testing.T) {
	tests := []struct {
		name, in, html, plain string
	}{
		{"Plain", "abcd", "abcd", "abcd"},
		{"Quote", `a"b`, `a\"b`, `a\"b`},
		{"HTML", "<a&b>", `\u003ca\u0026b\u003e`, "<a&b>"},
		{"Control", "a\tb\n", `a\tb\n`, `a\tb\n`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jsonEscaped(tt.in, true); got != tt.html {
				t.Errorf("html: got %q, want %q", got, tt.html)
			}
			if got := jsonEscaped(tt.in, false); got != tt.plain {
				t.Errorf("plain: got %q, want %q", got, tt.plain)
			}
		})
	}
}
