package secrets

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/cocoder/cocoder/internal/errs"
)

// MinRedactLen is the shortest value a [Redactor] masks, in bytes. Shorter
// values are ignored: masking every "ab" or "1" in a transcript would destroy
// it while protecting nothing, since a secret that short can be guessed.
// Keep real secrets longer than this.
const MinRedactLen = 4

// shrinkCap is the buffer capacity above which the Redactor gives memory
// back after a large write.
const shrinkCap = 64 << 10

// Redactor is an io.Writer that masks known secret values in the stream
// written through it and passes everything else on unchanged to the
// underlying writer.
//
// Every byte that belongs to an occurrence of any value is masked, even when
// occurrences overlap or one value contains another, and each run of masked
// bytes becomes one [Redacted]. The result does not depend on how the stream
// is split into writes: a value split across two or more writes is still
// masked. To achieve that the Redactor holds back the end of the stream that
// could be the start of a value, never more than the longest value's length
// minus one byte, until later bytes decide it or [Redactor.Flush] ends the
// stream.
//
// Besides each value itself, the Redactor masks the value as it appears
// inside a JSON string (quotes, backslashes and control characters escaped,
// with or without HTML escaping), so JSON ledgers are covered too. Values shorter than
// [MinRedactLen] are ignored. A value the terminal breaks with a line wrap or
// a colour code is not recognized.
//
// A Redactor is safe for concurrent use; writes are serialized. It matches
// with one automaton per value (Knuth–Morris–Pratt), so each byte costs time
// proportional to the number of values, whatever their length.
type Redactor struct {
	mu     sync.Mutex
	w      io.Writer
	pats   []pattern
	pend   []byte // bytes received but not yet written or masked
	cover  []bool // cover[i]: pend[i] belongs to an occurrence of a value
	inMask bool   // the last thing written was a mask that pend[0] may extend
	out    []byte // scratch for the output of one call
	err    error  // first error of the underlying writer, returned from then on
	closed bool
}

// pattern is one value to mask with its matching state.
type pattern struct {
	b     []byte
	fail  []int // fail[i]: length of the longest proper border of b[:i+1]
	state int   // length of the longest prefix of b that ends the stream so far
}

// NewRedactor returns a Redactor that writes to w with every value in values
// masked. Call [Redactor.Close] (or [Redactor.Flush]) at the end of the stream
// so the held-back tail is written.
func NewRedactor(w io.Writer, values ...Value) *Redactor {
	r := &Redactor{w: w}
	seen := map[string]bool{}
	add := func(s string) {
		if len(s) < MinRedactLen || seen[s] {
			return
		}
		seen[s] = true
		r.pats = append(r.pats, newPattern(s))
	}
	for _, v := range values {
		s := v.Reveal()
		add(s)
		add(jsonEscaped(s, true))
		add(jsonEscaped(s, false))
	}
	return r
}

func newPattern(s string) pattern {
	b := []byte(s)
	fail := make([]int, len(b))
	for i, k := 1, 0; i < len(b); i++ {
		for k > 0 && b[i] != b[k] {
			k = fail[k-1]
		}
		if b[i] == b[k] {
			k++
		}
		fail[i] = k
	}
	return pattern{b: b, fail: fail}
}

// step feeds one byte to the automaton and reports whether a whole
// occurrence of the value ends with it.
func (p *pattern) step(c byte) bool {
	q := p.state
	for q > 0 && p.b[q] != c {
		q = p.fail[q-1]
	}
	if p.b[q] == c {
		q++
	}
	if q == len(p.b) {
		p.state = p.fail[q-1]
		return true
	}
	p.state = q
	return false
}

// jsonEscaped returns s as encoding/json writes it inside a string, without
// the quotes, with or without the escaping of HTML characters that
// json.Marshal applies by default.
func jsonEscaped(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(s); err != nil || b.Len() < 3 {
		return s
	}
	return string(b.Bytes()[1 : b.Len()-2]) // drop the quotes and Encode's newline
}

// Write masks p and writes what is decided to the underlying writer. It
// returns len(p) when everything was accepted (part of it may be held back
// until the next call). After the underlying writer fails, Write returns that
// error and accepts nothing more.
func (r *Redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable("secrets.Redactor.Write"); err != nil {
		return 0, err
	}
	if len(r.pats) == 0 {
		return r.pass(p)
	}
	base := len(r.pend)
	r.pend = append(r.pend, p...)
	r.cover = slices.Grow(r.cover, len(p))[:len(r.pend)]
	clear(r.cover[base:])
	longest := 0
	for i := range r.pats {
		pat := &r.pats[i]
		for j := 0; j < len(p); j++ {
			if pat.state == 0 {
				// Skip to the next byte that can start the value.
				k := bytes.IndexByte(p[j:], pat.b[0])
				if k < 0 {
					break
				}
				j += k
			}
			if pat.step(p[j]) {
				end := base + j + 1
				// An occurrence that starts before pend began also covers
				// bytes already written as part of a mask; see emit.
				for k := max(end-len(pat.b), 0); k < end; k++ {
					r.cover[k] = true
				}
			}
		}
		longest = max(longest, pat.state)
	}
	// A future occurrence can only start inside the last `longest` bytes,
	// where some value's prefix ends the stream. Bytes before that are
	// decided; covered bytes are decided wherever they are.
	if err := r.emit(len(r.pend) - longest); err != nil {
		return 0, err
	}
	return len(p), nil
}

// emit writes the decided prefix of pend: masks for covered runs, plain bytes
// before undecided, and stops at the first byte that is neither covered nor
// before undecided. It keeps the rest.
//
// Why a mask can safely be extended later: an occurrence that starts at an
// already written position s was a partial match when that position was
// written, so undecided was at most s then, and every byte from s on was
// written only because it was covered, as part of the mask still open.
func (r *Redactor) emit(undecided int) error {
	out := r.out[:0]
	i := 0
	for ; i < len(r.pend); i++ {
		if r.cover[i] {
			if !r.inMask {
				out = append(out, Redacted...)
				r.inMask = true
			}
			continue
		}
		if i >= undecided {
			break
		}
		out = append(out, r.pend[i])
		r.inMask = false
	}
	n := copy(r.pend, r.pend[i:])
	r.pend = r.pend[:n]
	copy(r.cover, r.cover[i:])
	r.cover = r.cover[:n]
	if cap(r.pend) > shrinkCap && n < shrinkCap/4 {
		r.pend = slices.Clip(slices.Clone(r.pend))
		r.cover = slices.Clip(slices.Clone(r.cover))
	}
	r.out = out[:0]
	if cap(r.out) > shrinkCap {
		r.out = nil
	}
	return r.send(out)
}

// Flush ends the stream: it writes the held-back tail (masked where a value
// is complete) and resets the matching, so a value split across a Flush is
// not recognized. Call it at the end of the stream, or where the caller
// knows no value can straddle (the end of a whole record).
func (r *Redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.usable("secrets.Redactor.Flush"); err != nil {
		return err
	}
	return r.flush()
}

func (r *Redactor) flush() error {
	err := r.emit(len(r.pend))
	r.inMask = false
	for i := range r.pats {
		r.pats[i].state = 0
	}
	return err
}

// Close flushes the stream and makes further writes fail. It does not close
// the underlying writer. Calling it again returns nil.
func (r *Redactor) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	var err error
	if r.err == nil {
		err = r.flush()
	}
	r.closed = true
	return err
}

func (r *Redactor) usable(op string) error {
	if r.closed {
		return errs.E(errs.Invalid, op, "the redactor is closed")
	}
	return r.err
}

// pass writes p unchanged, for a Redactor without values.
func (r *Redactor) pass(p []byte) (int, error) {
	n, err := r.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

func (r *Redactor) send(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, err := r.pass(b)
	return err
}

// RedactString returns s with every value masked as a [Redactor] would.
func RedactString(s string, values ...Value) string {
	var b strings.Builder
	r := NewRedactor(&b, values...)
	_, _ = io.WriteString(r, s)
	_ = r.Close()
	return b.String()
}

// RedactFunc returns a function that masks values in one self-contained
// piece of text (such as a capture of a terminal pane), for hooks of the
// form func([]byte) []byte. Each call stands alone: no state carries over.
func RedactFunc(values ...Value) func([]byte) []byte {
	return func(b []byte) []byte {
		var out bytes.Buffer
		r := NewRedactor(&out, values...)
		_, _ = r.Write(b)
		_ = r.Close()
		return out.Bytes()
	}
}
