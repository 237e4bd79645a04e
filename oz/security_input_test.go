package oz_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/run/ledger"
)

// Case 22: a body over 1 MiB gets 413 on every route that takes a body,
// and changes nothing.
func TestCase22BodyLimit(t *testing.T) {
	e := newEnv(t)
	id := e.register()
	runID, _ := e.fakeRun(id)
	before := e.effects()
	big := `{"path":"` + strings.Repeat("a", oz.MaxBodyBytes) + `"}`
	for _, rt := range apiRoutes(t) {
		if !unsafe(rt.method) || rt.method == "DELETE" {
			continue
		}
		path := strings.ReplaceAll(rt.path, "r-20260101T000000Z-aaaaaaaa", runID)
		path = strings.ReplaceAll(path, "/ws", "/"+id)
		r := e.call(rt.method, path, strings.NewReader(big), true)
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.status, "%s %s: %s", rt.method, path, r.body)
		assert.Equal(t, oz.ProblemContentType, r.header.Get("Content-Type"))
	}
	// Exactly at the limit is read (and then judged on its content).
	atLimit := `{"path":"` + strings.Repeat("a", oz.MaxBodyBytes-12) + `"}`
	require.Len(t, atLimit, oz.MaxBodyBytes-1)
	r := e.call("POST", "/api/v1/workspaces", strings.NewReader(atLimit), true)
	assert.Equal(t, http.StatusBadRequest, r.status)
	e.noEffects(before, "oversized bodies")
}

// Case 23: invalid JSON, unknown fields, wrong types and trailing data are
// 400 with a problem list naming the field.
func TestCase23StrictDecoding(t *testing.T) {
	e := newEnv(t)
	before := e.effects()
	for body, want := range map[string]string{
		`{"path": `:                     "syntax",
		`not json`:                      "syntax",
		`{"path": "/x", "extra": 1}`:    "unknown-field",
		`{"path": 7}`:                   "type",
		`{"path": "/x"} {"path": "/y"}`: "body",
		`{"path": "/x"} trailing`:       "body",
		`[]`:                            "type",
		``:                              "body",
		`{"Path": "/x", "path": "/x", "PATH": 1}`: "type",
	} {
		r := e.call("POST", "/api/v1/workspaces", strings.NewReader(body), true)
		require.Equal(t, http.StatusBadRequest, r.status, "body %q: %s", body, r.body)
		var p oz.Problem
		require.NoError(t, json.Unmarshal([]byte(r.body), &p), r.body)
		assert.Equal(t, "invalid", p.Code)
		require.NotEmpty(t, p.Problems, "body %q", body)
		assert.Equal(t, want, p.Problems[0].Code, "body %q: %s", body, r.body)
		assert.NotEmpty(t, p.Problems[0].Message)
	}
	r := e.call("POST", "/api/v1/workspaces", strings.NewReader(`{"path":"/x","nmae":"y"}`), true)
	assert.Contains(t, r.body, `"field":"nmae"`)
	r = e.call("POST", "/api/v1/runs", strings.NewReader(`{"workspace":1}`), true)
	assert.Contains(t, r.body, `"field":"workspace"`)
	e.noEffects(before, "bodies that do not decode")
}

// Case 24: a workspace path that is relative, has "..", is a symlink to
// elsewhere, lies inside the home or does not exist is 400, and nothing is
// registered (no audit line either).
func TestCase24WorkspacePaths(t *testing.T) {
	e := newEnv(t)
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(e.root, link))
	inHome := filepath.Join(e.home.Dir(), "repo")
	require.NoError(t, os.MkdirAll(filepath.Join(inHome, "cocoder"), 0o700))
	before := e.effects()
	for name, p := range map[string]string{
		"relative":     "relative/repo",
		"dot":          ".",
		"dotdot":       e.root + "/../" + filepath.Base(e.root),
		"symlink":      link,
		"inside home":  inHome,
		"missing":      filepath.Join(t.TempDir(), "missing"),
		"not a ws":     t.TempDir(),
		"nul":          e.root + "\x00",
		"empty":        "",
		"with newline": e.root + "\n",
	} {
		r := e.call("POST", "/api/v1/workspaces", jsonBody(t, map[string]string{"path": p}), true)
		assert.Equal(t, http.StatusBadRequest, r.status, "%s: %s", name, r.body)
		assert.Equal(t, oz.ProblemContentType, r.header.Get("Content-Type"), name)
	}
	e.noEffects(before, "bad workspace paths")
	ws, err := e.srv.Client.Workspaces(t.Context())
	require.NoError(t, err)
	assert.Empty(t, ws)
}

// Case 25: run ids, lane names and workspace ids with separators, "..",
// NUL or too long are 400 or 404, and never read a file outside the
// ledgers.
func TestCase25HostileIDs(t *testing.T) {
	e := newEnv(t)
	id := e.register()
	runID, _ := e.fakeRun(id)
	// A file an escape would find.
	secret := filepath.Join(e.home.Dir(), "runs", "SECRET")
	require.NoError(t, os.WriteFile(secret, []byte("escaped-file-content"), 0o600))
	before := e.effects()
	bad := []string{"..", "%2e%2e", "..%2F..%2Fsecrets", "a%2Fb", "a%00b", "%2Fetc%2Fpasswd", strings.Repeat("r", 300), "r-20260101T000000Z-aaaaaaaa%2F..", "SECRET", "..%5C..", "%0a"}
	for _, b := range bad {
		for _, path := range []string{
			"/api/v1/runs/" + b, "/api/v1/runs/" + b + "/lanes", "/api/v1/runs/" + b + "/events", "/api/v1/runs/" + b + "/stream",
			"/api/v1/runs/" + runID + "/lanes/" + b + "/output", "/api/v1/workspaces/" + b, "/api/v1/workspaces/" + b + "/priorities",
			"/api/v1/runs/" + runID + "/receipts/" + b, "/api/v1/schemas/" + b,
		} {
			r := e.call("GET", path, nil, true)
			assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotFound}, r.status, "%s: %s", path, r.body)
			assert.NotContains(t, r.body, "escaped-file-content", path)
		}
		r := e.call("POST", "/api/v1/runs/"+runID+"/lanes/"+b+"/send", jsonBody(t, map[string]string{"text": "hi"}), true)
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotFound}, r.status, "send to %s", b)
		r = e.call("POST", "/api/v1/runs/"+b+"/stop", nil, true)
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotFound}, r.status, "stop %s", b)
	}
	e.noEffects(before, "requests with hostile ids")
}

// Case 26: ledger file reads (receipts) are confined to the run's
// directory: "../../secrets/x" and symlinks out get 404.
func TestCase26LedgerFilesConfined(t *testing.T) {
	e := newEnv(t)
	id := e.register()
	runID, l := e.fakeRun(id)
	rdir := filepath.Join(l.Dir(), ledger.ReceiptsDir)
	testkit.PutFile(t, filepath.Join(rdir, "gate.json"), `{"gate":"ok"}`)
	store, err := e.home.Secrets()
	require.NoError(t, err)
	require.NoError(t, store.Set("x", []byte("confined-secret-value")))
	require.NoError(t, os.Symlink(store.Path("x"), filepath.Join(rdir, "link.txt")))
	require.NoError(t, os.Symlink(e.home.Dir(), filepath.Join(rdir, "dir")))

	r := e.call("GET", "/api/v1/runs/"+runID+"/receipts/gate.json", nil, true)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, `{"gate":"ok"}`, r.body)
	r = e.call("GET", "/api/v1/runs/"+runID+"/receipts", nil, true)
	assert.Contains(t, r.body, "gate.json")
	assert.NotContains(t, r.body, "link.txt", "symlinks are not listed")
	for _, p := range []string{
		"../../secrets/x", "..%2F..%2F..%2F..%2Fsecrets%2Fx", "link.txt", "dir%2Fsecrets%2Fx", "..", ".", "%2E%2E%2Fplan.json", "..%2Fevents.jsonl",
	} {
		r := e.call("GET", "/api/v1/runs/"+runID+"/receipts/"+p, nil, true)
		assert.Equal(t, http.StatusNotFound, r.status, "%s: %s", p, r.body)
		assert.NotContains(t, r.body, "confined-secret-value")
	}
}

// Case 27: an unknown method on a known path is 405 with Allow.
func TestCase27MethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	before := e.effects()
	for _, c := range []struct{ method, path, allow string }{
		{"PUT", "/api/v1/workspaces", "GET, HEAD, POST"},
		{"DELETE", "/api/v1/runs", "GET, HEAD, POST"},
		{"POST", "/api/v1/health", "GET, HEAD"},
		{"GET", "/api/v1/token/rotate", "POST"},
		{"PUT", "/api/v1/settings", "GET, HEAD, PATCH"},
	} {
		r := e.call(c.method, c.path, nil, true)
		assert.Equal(t, http.StatusMethodNotAllowed, r.status, "%s %s", c.method, c.path)
		assert.Equal(t, c.allow, r.header.Get("Allow"), "%s %s", c.method, c.path)
	}
	e.noEffects(before, "unknown methods")
	_ = bytes.MinRead
}
