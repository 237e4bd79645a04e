package oz

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/cocoder/cocoder/secrets"
)

// redactRefresh is how often the outbound redaction set rereads the
// home's secret store.
const redactRefresh = 5 * time.Second

// outbound masks every secret Oz knows in what it sends: the token and
// every value of the home's secret store. Responses, stream frames and
// problem details all pass through it. The common case (no secret in the
// text) costs one substring search per needle.
type outbound struct {
	mu      sync.Mutex
	s       *Server
	values  []secrets.Value
	needles [][]byte
	loaded  time.Time
	tokenAt string
}

// set returns the current values and needles, reloading them when stale.
func (o *outbound) set() ([]secrets.Value, [][]byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.s.now()
	tok := o.s.token.current(now)
	if o.needles != nil && now.Sub(o.loaded) < redactRefresh && tok.Equal(o.tokenAt) {
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
	o.values, o.needles, o.loaded, o.tokenAt = vals, needles, now, tok.Reveal()
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
