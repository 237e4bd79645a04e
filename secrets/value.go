package secrets

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
)

// Redacted is the text that stands in for a secret wherever one would be
// printed: by every formatting and encoding method of [Value], and by the
// [Redactor] in place of each masked stretch of a stream.
const Redacted = "[redacted]"

// Value holds a secret in memory. It is opaque on purpose: fmt (every verb,
// including %#v, %q and %x), encoding/json, encoding/xml, YAML encoders that
// honour encoding.TextMarshaler and log/slog all print [Redacted] instead of
// the text. [Value.Reveal] is the only way to get the text out, so every
// place that does can be found with a search.
//
// The secret sits behind a pointer, so even a Value kept in an unexported
// struct field, which fmt prints by reflection without calling its methods,
// shows up as an address and not as the text. The zero Value is empty.
type Value struct {
	p *string
}

// NewValue wraps s as a secret.
func NewValue(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{p: &s}
}

// Reveal returns the secret text. Call it only where the text must leave the
// process, such as a child process's environment (see [Env.Environ]).
func (v Value) Reveal() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

// IsZero reports whether v is empty.
func (v Value) IsZero() bool { return v.p == nil || *v.p == "" }

// Equal reports whether candidate is the secret. It compares SHA-256 digests
// with crypto/subtle, so the time taken does not reveal how much of the
// candidate matches. Use it to check a presented token.
func (v Value) Equal(candidate string) bool {
	want := sha256.Sum256([]byte(v.Reveal()))
	got := sha256.Sum256([]byte(candidate))
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

// String returns [Redacted].
func (Value) String() string { return Redacted }

// GoString returns [Redacted], for %#v.
func (Value) GoString() string { return Redacted }

// Format writes [Redacted] whatever the verb and flags.
func (Value) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, Redacted) }

// MarshalJSON encodes the value as the JSON string "[redacted]".
func (Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText encodes the value as [Redacted].
func (Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue makes log/slog record [Redacted].
func (Value) LogValue() slog.Value { return slog.StringValue(Redacted) }

var (
	_ fmt.Formatter  = Value{}
	_ fmt.Stringer   = Value{}
	_ fmt.GoStringer = Value{}
	_ slog.LogValuer = Value{}
)
