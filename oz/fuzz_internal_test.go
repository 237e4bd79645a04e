package oz

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/workspace"
)

// FuzzDecodeBody: the strict request decoder never panics, accepts only a
// single JSON object that fits the type, and reports every refusal as a
// problem list.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{"path":"/x","name":"y"}`, `{"path":1}`, `{} {}`, `[`, `{"extra":true}`, "", `{"path":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req struct {
			Path string `json:"path"`
			Name string `json:"name,omitempty"`
		}
		err := decodeJSON(data, &req, false)
		if err == nil {
			return
		}
		p := problemOf(err, nil)
		if p.Status != http.StatusBadRequest || len(p.Problems) == 0 {
			t.Fatalf("refusal of %q is %d with %d problems", data, p.Status, len(p.Problems))
		}
	})
}

// FuzzReadFrames: the client's event-stream parser never panics or
// hangs, and every frame it yields carries at most the bytes it was given.
func FuzzReadFrames(f *testing.F) {
	f.Add([]byte("id: 3\nevent: event\ndata: {\"seq\":3}\n\n: keep-alive\n\n"))
	f.Add([]byte("event: status\ndata: {}\n\nevent: output\ndata: {\"text\":\"x\"}\n\n"))
	f.Add([]byte("id: x\ndata: \n\n\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ch := make(chan Frame, 1024)
		readFrames(context.Background(), bytes.NewReader(data), ch)
		close(ch)
		for fr := range ch {
			if len(fr.Data) > len(data) {
				t.Fatalf("frame data longer than the input")
			}
		}
	})
}

// FuzzGuard: whatever Host, Origin, Sec-Fetch-Site and path a request
// carries, the checks before the handler never panic, and a request
// without the token never reaches an /api route other than health.
func FuzzGuard(f *testing.F) {
	f.Add("127.0.0.1:80", "", "", "/api/v1/workspaces")
	f.Add("evil.example:80", "http://evil.example", "cross-site", "/")
	f.Add("[::1]:80", "null", "same-origin", "/api/v1/../v1/health")
	home, err := workspace.OpenHome(context.Background(), f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(Config{Home: home})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	reached := false
	for i := range s.routes {
		if s.routes[i].path != healthPath {
			s.routes[i].h = func(*Server, http.ResponseWriter, *http.Request) error { reached = true; return nil }
		}
	}
	h, err := s.buildHandler()
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, host, origin, site, path string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t?#") {
			return
		}
		if _, err := url.ParseRequestURI(path); err != nil {
			return
		}
		req := httptest.NewRequest("GET", "http://127.0.0.1"+path, nil)
		req.Host = host
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, local))
		req.RemoteAddr = "127.0.0.1:5555"
		reached = false
		s.limiter = newFailLimiter(s.now, s.log) // no 429 from earlier inputs
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if reached && strings.HasPrefix(req.URL.Path, "/api/") {
			t.Fatalf("an unauthenticated request reached %s", req.URL.Path)
		}
	})
}
