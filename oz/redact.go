package oz

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/cocoder/cocoder/secrets"
)

// outbound masks every secret Oz knows in what it sends: the token and
// every value of the home's secret store (reread whenever the store
// changes). Responses, stream frames and problem details all pass through
// it. The common case (no secret in the
// text) costs one substring search per needle.
type outbound struct {
	mu      sync.Mutex
	s       *Server
	values  []secrets.Value
	needles [][]byte
	stamp   string
	tokenAt string
}

// set returns the current values and needles, reloading them when stale.
func (o *outbound) set() ([]secrets.Value, [][]byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	tok := o.s.token.current(o.s.now())
	// Every write to the store renames a file into its directory, which
	// changes the directory's time: reread the values then.
	stamp := fileStamp(o.s.cfg.Home.SecretsDir())
	if o.needles != nil && stamp == o.stamp && tok.Equal(o.tokenAt) {
		return o.values, o.needles
	}
	vals := []secrets.Value{tok}
	if store, err := o.s.cfg.Home.Secrets(); err == nil {
		if infos, err := store.List(); err == nil {
			for _, in := range infos {
				if v, err := store.Get(in.Name); err == nil && len(v.Reveal()) >= secrets.MinRedactLen {
					vals = append(vals, v)
				}
			}
		}
	}
	var needles [][]byte
	for _, v := range vals {
		needles = append(needles, needlesOf(v.Reveal())...)
	}
	o.values, o.needles, o.stamp, o.tokenAt = vals, needles, stamp, tok.Reveal()
	return vals, needles
}

// needlesOf returns the forms a secret can take in output: as is, and
// inside a JSON string with and without HTML escaping.
func needlesOf(v string) [][]byte {
	out := [][]byte{[]byte(v)}
	j, _ := json.Marshal(v)
	out = append(out, bytes.Trim(j, `"`))
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	out = append(out, bytes.Trim(bytes.TrimSpace(b.Bytes()), `"`))
	return out
}

// bytes masks the known secrets in b.
func (o *outbound) bytes(b []byte) []byte {
	vals, needles := o.set()
	for _, n := range needles {
		if len(n) > 0 && bytes.Contains(b, n) {
			return secrets.RedactFunc(vals...)(b)
		}
	}
	return b
}

// string masks the known secrets in s.
func (o *outbound) string(s string) string {
	vals, needles := o.set()
	for _, n := range needles {
		if len(n) > 0 && strings.Contains(s, string(n)) {
			return secrets.RedactString(s, vals...)
		}
	}
	return s
}
