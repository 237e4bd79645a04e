package oz_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/oz/oztest"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/cocoder/cocoder/workspace"
)

// env is a test's world: a home, a scaffolded workspace in a fresh git
// repository, a PATH with only git (so every lane falls back to the demo
// agent, played by this test binary), and an Oz server over it.
type env struct {
	t    testing.TB
	home *workspace.Home
	root string
	bin  string
	srv  *oztest.Server
	logs *syncBuffer
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv builds the world and starts Oz with cfg (Home, Run and Logger
// are filled in).
func newEnv(t testing.TB, mod ...func(*oz.Config)) *env {
	t.Helper()
	e := &env{t: t, logs: &syncBuffer{}}
	home, err := workspace.OpenHome(t.Context(), t.TempDir())
	require.NoError(t, err)
	e.home = home
	e.root = t.TempDir()
	git(t, e.root, "init", "-q", "-b", "main")
	_, err = workspace.Init(t.Context(), e.root, workspace.InitOptions{Home: home})
	require.NoError(t, err)
	git(t, e.root, "add", "-A")
	git(t, e.root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "scaffold")
	e.bin = t.TempDir()
	e.link("git")
	cfg := oz.Config{
		Home:   home,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Run: run.Options{
			HostKind: host.KindExec,
			Self:     testkit.Self(t),
			Getenv:   e.getenv,
		},
	}
	for _, m := range mod {
		m(&cfg)
	}
	e.srv = oztest.Start(t, cfg)
	return e
}

func (e *env) getenv(k string) string {
	switch k {
	case "PATH":
		return e.bin
	case "HOME", "LANG", "TMUX_TMPDIR":
		return os.Getenv(k)
	}
	return ""
}

// link puts programs of this machine into the lanes' PATH.
func (e *env) link(names ...string) {
	e.t.Helper()
	for _, n := range names {
		p, err := exec.LookPath(n)
		require.NoError(e.t, err, "%s is needed by this test", n)
		require.NoError(e.t, os.Symlink(p, filepath.Join(e.bin, n)))
	}
}

// write puts a file into the workspace.
func (e *env) write(rel, content string) {
	e.t.Helper()
	testkit.PutFile(e.t, filepath.Join(e.root, rel), content)
}

// register registers the workspace over the API and returns its id.
func (e *env) register() string {
	e.t.Helper()
	v, err := e.srv.Client.RegisterWorkspace(context.Background(), e.root, "")
	require.NoError(e.t, err)
	return v.ID
}

// resp is an HTTP answer read in full.
type resp struct {
	status int
	header http.Header
	body   string
}

// call sends a raw request to the server with the given headers; "Host"
// in headers sets the Host header. The token is sent only when auth.
func (e *env) call(method, path string, body io.Reader, auth bool, headers ...string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, "http://"+e.srv.Addr+path, body)
	require.NoError(e.t, err)
	if auth {
		req.Header.Set("Authorization", "Bearer "+e.srv.Token.Reveal())
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

// jsonBody encodes v as a request body.
func jsonBody(t testing.TB, v any) io.Reader {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return bytes.NewReader(b)
}

// effects is a snapshot of everything a refused request must not change:
// the audit log, the registry, the configuration files, the run ledgers
// and the processes started as lanes.
func (e *env) effects() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for _, dir := range []string{e.home.Dir(), filepath.Join(e.root, "cocoder")} {
		require.NoError(e.t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || strings.HasSuffix(p, ".lock") || strings.HasSuffix(p, "daemon.lock") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			sum := sha256.Sum256(b)
			out[p] = hex.EncodeToString(sum[:])
			return nil
		}))
	}
	return out
}

// noEffects asserts that nothing changed since before.
func (e *env) noEffects(before map[string]string, what string) {
	e.t.Helper()
	require.Equal(e.t, before, e.effects(), "%s changed state", what)
}

// auditLines returns the audit log's lines.
func (e *env) auditLines() []oz.AuditEntry {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.home.OzDir(), oz.AuditFile))
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(e.t, err)
	var out []oz.AuditEntry
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var a oz.AuditEntry
		require.NoError(e.t, json.Unmarshal([]byte(l), &a), "audit line %q", l)
		out = append(out, a)
	}
	return out
}

func git(t testing.TB, dir string, args ...string) {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

// apiRoute is a route of the API as the tests enumerate it, from the
// OpenAPI document (which a test keeps equal to the route table).
type apiRoute struct {
	method, path, access string
}

// apiRoutes lists every /api route with sample path values filled in.
func apiRoutes(t testing.TB) []apiRoute {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Access string `json:"x-oz-access"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(oz.OpenAPI(), &doc))
	r := strings.NewReplacer("{workspace}", "ws", "{run}", "r-20260101T000000Z-aaaaaaaa", "{lane}", "writer", "{name}", "x.json", "{kind}", "route")
	var out []apiRoute
	for p, ops := range doc.Paths {
		for m, op := range ops {
			out = append(out, apiRoute{method: strings.ToUpper(m), path: r.Replace(p), access: op.Access})
		}
	}
	return out
}

// unsafe reports whether a method changes state.
func unsafe(m string) bool { return m != http.MethodGet && m != http.MethodHead }

// login redeems a fresh login link and returns the session cookie as a
// Cookie header value.
func (e *env) login() string {
	e.t.Helper()
	link, err := e.srv.Client.LoginLink(context.Background())
	require.NoError(e.t, err)
	path := strings.TrimPrefix(link.URL, "http://"+e.srv.Addr)
	r := e.call("GET", path, nil, false, "Sec-Fetch-Site", "none")
	require.Equal(e.t, http.StatusSeeOther, r.status, r.body)
	c := r.header.Get("Set-Cookie")
	require.NotEmpty(e.t, c)
	return strings.SplitN(c, ";", 2)[0]
}

// csrf returns the CSRF token of the session with this cookie.
func (e *env) csrf(cookie string) string {
	e.t.Helper()
	r := e.call("GET", "/api/v1/session", nil, false, "Cookie", cookie, "Sec-Fetch-Site", "same-origin")
	require.Equal(e.t, http.StatusOK, r.status, r.body)
	var s oz.SessionInfo
	require.NoError(e.t, json.Unmarshal([]byte(r.body), &s))
	return s.CSRFToken
}

// origin is the server's own origin.
func (e *env) origin() string { return "http://" + e.srv.Addr }

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeRun creates the ledger of a run of workspace wsID with one planned
// lane, writer, without starting anything, and returns its id and ledger
// (closed when the test ends).
func (e *env) fakeRun(wsID string) (string, *ledger.Ledger) {
	e.t.Helper()
	id := testkit.NewRunID()
	dir, err := ledger.Dir(e.home.Dir(), wsID, id)
	require.NoError(e.t, err)
	l, err := ledger.Create(dir, contract.RunStatus{RunID: id, WorkspaceID: wsID, Priority: "try-cocoder",
		Lanes: map[string]contract.LaneStatus{"writer": {Persona: "writer", Adapter: "demo"}}}, ledger.Options{})
	require.NoError(e.t, err)
	e.t.Cleanup(func() { _ = l.Close() })
	return id, l
}

// wait pauses between polls.
func (e *env) wait() { time.Sleep(100 * time.Millisecond) }
