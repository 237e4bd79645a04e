package secrets_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/secrets"
)

// oracle masks values in s the slow, obvious way: mark every byte of every
// occurrence of every pattern, then replace each marked run with one mask.
// It builds the JSON variants itself, independently of the package.
func oracle(s string, values ...string) string {
	var pats []string
	for _, v := range values {
		pats = append(pats, v, jsonInner(v, true), jsonInner(v, false))
	}
	covered := make([]bool, len(s))
	for _, p := range pats {
		if len(p) < secrets.MinRedactLen {
			continue
		}
		for i := 0; i+len(p) <= len(s); i++ {
			if s[i:i+len(p)] == p {
				for k := i; k < i+len(p); k++ {
					covered[k] = true
				}
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if !covered[i] {
			b.WriteByte(s[i])
			continue
		}
		if i == 0 || !covered[i-1] {
			b.WriteString(secrets.Redacted)
		}
	}
	return b.String()
}

func jsonInner(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

func values(ss ...string) []secrets.Value {
	out := make([]secrets.Value, len(ss))
	for i, s := range ss {
		out[i] = secrets.NewValue(s)
	}
	return out
}

// streamed writes input through a Redactor in the given chunk sizes (the rest
// in one last write) and returns the output.
func streamed(t testing.TB, input string, sizes []int, vals ...string) string {
	t.Helper()
	var out bytes.Buffer
	r := secrets.NewRedactor(&out, values(vals...)...)
	rest := []byte(input)
	for _, n := range sizes {
		n = min(n, len(rest))
		w, err := r.Write(rest[:n])
		if err != nil || w != n {
			t.Fatalf("Write returned %d, %v; want %d, nil", w, err, n)
		}
		rest = rest[n:]
	}
	if _, err := r.Write(rest); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// leaks reports a value (long enough to be masked) that still appears in
// out. Values that share characters with the mask text are skipped, since the
// mask itself could spell them.
func leaks(out string, vals ...string) (string, bool) {
	for _, v := range vals {
		if len(v) < secrets.MinRedactLen || strings.ContainsAny(v, "[]") || strings.Contains(secrets.Redacted, v) {
			continue
		}
		if strings.Contains(out, v) {
			return v, true
		}
	}
	return "", false
}

func TestRedactString(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		values []string
		want   string
	}{
		{"NoValues", "plain text", nil, "plain text"},
		{"Single", "key=sk-12345 end", []string{"sk-12345"}, "key=[redacted] end"},
		{"EveryOccurrence", "ab sk-12345 cd sk-12345", []string{"sk-12345"}, "ab [redacted] cd [redacted]"},
		{"Adjacent", "sk-12345sk-12345", []string{"sk-12345"}, "[redacted]"},
		{"OverlappingSelf", "aaaaaa", []string{"aaaa"}, "[redacted]"},
		{"OverlappingTwo", "xxabcdefyy", []string{"abcd", "cdef"}, "xx[redacted]yy"},
		{"OneInsideAnother", "1 secret-long 2 long", []string{"secret-long", "long"}, "1 [redacted] 2 [redacted]"},
		{"PrefixOfAnother", "abcdXabcdefg", []string{"abcd", "abcdefg"}, "[redacted]X[redacted]"},
		{"ShortValueIgnored", "abc abc", []string{"abc"}, "abc abc"},
		{"EmptyValueIgnored", "text", []string{""}, "text"},
		{"PartialAtEnd", "token sk-123", []string{"sk-12345"}, "token sk-123"},
		{"JSONEscaped", `{"k":"p\"w\\d<>"}`, []string{`p"w\d<>`}, `{"k":"[redacted]"}`},
		{"JSONEscapedHTML", `{"k":"p\u003cw\u003e"}`, []string{`p<w>`}, `{"k":"[redacted]"}`},
		{"Newline", "line1\nsecret\nvalue\n", []string{"secret\nvalue"}, "line1\n[redacted]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := secrets.RedactString(tt.input, values(tt.values...)...)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, oracle(tt.input, tt.values...), got, "oracle")
			for n := 1; n <= len(tt.input); n++ {
				sizes := make([]int, len(tt.input)/n)
				for i := range sizes {
					sizes[i] = n
				}
				assert.Equal(t, tt.want, streamed(t, tt.input, sizes, tt.values...), "chunks of %d", n)
			}
		})
	}
}

// TestRedactorProperty checks, for many random value sets, inputs and write
// boundaries, that the streamed output equals the one-shot oracle and that
// no value survives. The alphabets are tiny so values overlap and share
// prefixes often.
func TestRedactorProperty(t *testing.T) {
	seed := uint64(20261124)
	rng := rand.New(rand.NewPCG(seed, seed))
	alphabets := []string{"ab", "abc", "aab", "xyz01"}
	iterations := 3000
	if testing.Short() {
		iterations = 300
	}
	for it := range iterations {
		alpha := alphabets[rng.IntN(len(alphabets))]
		randStr := func(n int) string {
			b := make([]byte, n)
			for i := range b {
				b[i] = alpha[rng.IntN(len(alpha))]
			}
			return string(b)
		}
		vals := make([]string, 1+rng.IntN(4))
		for i := range vals {
			vals[i] = randStr(1 + rng.IntN(12))
		}
		var in strings.Builder
		for in.Len() < rng.IntN(300) {
			if rng.IntN(3) == 0 {
				in.WriteString(vals[rng.IntN(len(vals))])
			} else {
				in.WriteString(randStr(1 + rng.IntN(6)))
			}
		}
		input := in.String()
		var sizes []int
		for total := 0; total < len(input); {
			n := rng.IntN(8) // zero-length writes included
			if rng.IntN(10) == 0 {
				n = rng.IntN(64)
			}
			sizes = append(sizes, n)
			total += n
		}
		want := oracle(input, vals...)
		got := streamed(t, input, sizes, vals...)
		if got != want {
			t.Fatalf("iteration %d (seed %d): values %q, input %q, writes %v:\n got  %q\n want %q", it, seed, vals, input, sizes, got, want)
		}
		if v, ok := leaks(got, vals...); ok {
			t.Fatalf("iteration %d (seed %d): value %q leaked in %q", it, seed, v, got)
		}
	}
}

func FuzzRedactor(f *testing.F) {
	f.Add([]byte("key sk-12345 and sk-12345"), "sk-12345", "", uint64(1))
	f.Add([]byte("xxabcdefyy"), "abcd", "cdef", uint64(7))
	f.Add([]byte("aaaaaaaaa"), "aaaa", "aaa", uint64(3))
	f.Add([]byte(`{"k":"p\"w\\d"}`), `p"w\d`, "abc", uint64(42))
	f.Fuzz(func(t *testing.T, input []byte, v1, v2 string, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 0))
		var sizes []int
		for total := 0; total < len(input); {
			n := rng.IntN(9)
			sizes = append(sizes, n)
			total += n
		}
		got := streamed(t, string(input), sizes, v1, v2)
		if want := oracle(string(input), v1, v2); got != want {
			t.Fatalf("values %q %q, writes %v:\n got  %q\n want %q", v1, v2, sizes, got, want)
		}
		if v, ok := leaks(got, v1, v2); ok {
			t.Fatalf("value %q leaked in %q", v, got)
		}
	})
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestRedactorErrors(t *testing.T) {
	t.Run("UnderlyingErrorIsSticky", func(t *testing.T) {
		r := secrets.NewRedactor(&failWriter{n: 1}, secrets.NewValue("sk-12345"))
		_, err := r.Write([]byte("first "))
		require.NoError(t, err)
		_, err = r.Write([]byte("second "))
		require.EqualError(t, err, "disk full")
		_, err = r.Write([]byte("third"))
		require.EqualError(t, err, "disk full")
		require.EqualError(t, r.Flush(), "disk full")
	})
	t.Run("WriteAfterClose", func(t *testing.T) {
		var out bytes.Buffer
		r := secrets.NewRedactor(&out, secrets.NewValue("sk-12345"))
		_, err := r.Write([]byte("sk-123"))
		require.NoError(t, err)
		require.NoError(t, r.Close())
		require.NoError(t, r.Close(), "second Close")
		assert.Equal(t, "sk-123", out.String(), "Close wrote the held-back tail")
		_, err = r.Write([]byte("45"))
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("NoValuesPassesThrough", func(t *testing.T) {
		var out bytes.Buffer
		r := secrets.NewRedactor(&out)
		n, err := r.Write([]byte("abc"))
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		assert.Equal(t, "abc", out.String(), "nothing held back")
	})
	t.Run("FlushEndsTheStream", func(t *testing.T) {
		var out bytes.Buffer
		r := secrets.NewRedactor(&out, secrets.NewValue("sk-12345"))
		_, _ = io.WriteString(r, "a sk-12345 sk-1")
		require.NoError(t, r.Flush())
		assert.Equal(t, "a [redacted] sk-1", out.String())
		_, _ = io.WriteString(r, " sk-12345")
		require.NoError(t, r.Close())
		assert.Equal(t, "a [redacted] sk-1 [redacted]", out.String())
	})
}

func TestRedactorConcurrentWriters(t *testing.T) {
	var out bytes.Buffer
	secret := "canary-0123456789"
	r := secrets.NewRedactor(&out, secrets.NewValue(secret))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				_, _ = io.WriteString(r, "line with "+secret+"\n")
			}
		})
	}
	wg.Wait()
	require.NoError(t, r.Close())
	assert.NotContains(t, out.String(), secret)
	assert.Equal(t, 8*200, strings.Count(out.String(), "line with [redacted]\n"))
}

func TestRedactFunc(t *testing.T) {
	f := secrets.RedactFunc(secrets.NewValue("sk-12345"))
	assert.Equal(t, "pane: [redacted]\n", string(f([]byte("pane: sk-12345\n"))))
	assert.Equal(t, "sk-1234", string(f([]byte("sk-1234"))), "calls do not share state")
}

func BenchmarkRedactor(b *testing.B) {
	vals := values("sk-proj-0123456789abcdefghijklmnop", "ghp_abcdefghijklmnopqrstuvwxyz012345", "AKIAIOSFODNN7EXAMPLE")
	line := []byte("2026-11-24T10:00:00Z lane bob: running go test ./... ok github.com/cocoder/cocoder/run 1.2s\n")
	for _, size := range []int{16, 4096} {
		chunk := bytes.Repeat(line, size/len(line)+1)[:size]
		b.Run("chunk="+strconv.Itoa(size), func(b *testing.B) {
			r := secrets.NewRedactor(io.Discard, vals...)
			b.SetBytes(int64(len(chunk)))
			for b.Loop() {
				_, _ = r.Write(chunk)
			}
		})
	}
}
