package oz_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/workspace"
)

// The Oz cases of the security model (docs/security.md, "Oz"), one test
// per case, named after its number. Every refusal also checks that the
// request changed nothing.

// Case 1: the default listen address is 127.0.0.1 on the configured port,
// and only a loopback socket is opened.
func TestCase01DefaultListenIsLoopback(t *testing.T) {
	assert.Equal(t, "127.0.0.1:7878", oz.ListenAddress("", 0))
	assert.Equal(t, "127.0.0.1:9123", oz.ListenAddress("", 9123))
	ln, err := oz.Listen(oz.ListenAddress("", -1), false)
	require.NoError(t, err)
	defer ln.Close()
	addr := ln.Addr().(*net.TCPAddr)
	assert.Equal(t, "127.0.0.1", addr.IP.String())
	assert.NotZero(t, addr.Port)

	ln2, err := oz.Listen("localhost:0", false)
	require.NoError(t, err)
	defer ln2.Close()
	assert.True(t, ln2.Addr().(*net.TCPAddr).IP.IsLoopback(), "localhost is taken as 127.0.0.1")
}

// Case 2: a wildcard or non-loopback address is refused before anything
// is opened, by Listen and by Serve, unless the embedder opts out.
func TestCase02NonLoopbackRefused(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", ":0", "192.0.2.7:0", "10.1.2.3:0", "example.com:0"} {
		_, err := oz.Listen(addr, false)
		require.Error(t, err, addr)
		assert.ErrorIs(t, err, errs.ErrInvalid, addr)
		assert.Contains(t, err.Error(), "loopback only", addr)
	}
	home, err := workspace.OpenHome(context.Background(), t.TempDir())
	require.NoError(t, err)
	srv, err := oz.New(oz.Config{Home: home})
	require.NoError(t, err)
	defer srv.Shutdown(context.Background())
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	require.NoError(t, err)
	defer ln.Close()
	err = srv.Serve(context.Background(), ln)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "loopback only")
	assert.Contains(t, err.Error(), "AllowRemote")

	// The explicit opt-out.
	ln3, err := oz.Listen("0.0.0.0:0", true)
	require.NoError(t, err)
	ln3.Close()
}

// Case 3: a port in use is a clear error naming the port.
func TestCase03PortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	_, err = oz.Listen("127.0.0.1:"+port, false)
	require.Error(t, err)
	assert.ErrorIs(t, err, errs.ErrConflict)
	assert.Contains(t, err.Error(), "port "+port)
	assert.Contains(t, err.Error(), "already in use")
	assert.Contains(t, err.Error(), "cocoder oz status")
}

// Case 4: Serve's server has header, read, write and idle timeouts and a
// header size limit: a slowloris client that never finishes its headers
// is cut off, and oversized headers are refused.
func TestCase04ServerTimeouts(t *testing.T) {
	e := newEnv(t, func(c *oz.Config) {
		c.ReadHeaderTimeout = 300 * time.Millisecond
		c.ReadTimeout = 600 * time.Millisecond
		c.IdleTimeout = 600 * time.Millisecond
	})
	conn, err := net.Dial("tcp", e.srv.Addr)
	require.NoError(t, err)
	defer conn.Close()
	start := time.Now()
	_, err = conn.Write([]byte("GET /api/v1/health HTTP/1.1\r\nHost: " + e.srv.Addr + "\r\nX-Slow: "))
	require.NoError(t, err)
	// Trickle a byte now and then, never ending the headers.
	cut := false
	for time.Since(start) < 5*time.Second {
		if _, err := conn.Write([]byte("a")); err != nil {
			cut = true
			break
		}
		_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		buf := make([]byte, 512)
		n, rerr := conn.Read(buf)
		if n > 0 || rerr != nil && !isTimeout(rerr) {
			cut = true
			break
		}
	}
	assert.True(t, cut, "the slow client was not cut off")
	assert.Less(t, time.Since(start), 3*time.Second)

	// A slow body is cut off by ReadTimeout.
	conn2, err := net.Dial("tcp", e.srv.Addr)
	require.NoError(t, err)
	defer conn2.Close()
	_, err = conn2.Write([]byte("POST /api/v1/workspaces HTTP/1.1\r\nHost: " + e.srv.Addr + "\r\nAuthorization: Bearer " + e.srv.Token.Reveal() + "\r\nContent-Length: 100\r\n\r\n{"))
	require.NoError(t, err)
	_ = conn2.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn2), nil)
	if err == nil {
		assert.GreaterOrEqual(t, res.StatusCode, 400, "a body that never arrives fails")
		res.Body.Close()
	}
	assert.Empty(t, e.auditLines(), "nothing was registered")

	// Headers over MaxHeaderBytes.
	r := e.call("GET", "/api/v1/health", nil, false, "X-Big", strings.Repeat("a", oz.MaxHeaderBytes+4096))
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, r.status)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Case 5: an /api request without a token is 401 on every route, with a
// body that names no check, and changes nothing.
func TestCase05NoToken(t *testing.T) {
	e := newEnv(t)
	before := e.effects()
	for _, rt := range apiRoutes(t) {
		r := e.call(rt.method, rt.path, strings.NewReader("{}"), false)
		if rt.access == "public" {
			assert.Equal(t, http.StatusOK, r.status, "%s %s", rt.method, rt.path)
			continue
		}
		assert.Equal(t, http.StatusUnauthorized, r.status, "%s %s", rt.method, rt.path)
		assert.Equal(t, oz.ProblemContentType, r.header.Get("Content-Type"))
		assert.Contains(t, r.body, `"detail":"authentication required"`)
		assert.NotContains(t, r.body, "token")
		assert.Equal(t, `Bearer realm="oz"`, r.header.Get("WWW-Authenticate"))
	}
	// Unknown /api paths too: no route discovery without the token.
	assert.Equal(t, http.StatusUnauthorized, e.call("GET", "/api/v1/nope", nil, false).status)
	assert.Equal(t, http.StatusUnauthorized, e.call("GET", "/api/v2/workspaces", nil, false).status)
	e.noEffects(before, "unauthenticated requests")
}

// Case 6: a wrong token, one of the wrong length and the token with a
// trailing newline are all 401. (The comparison is of SHA-256 digests
// with crypto/subtle: secrets.Value.Equal, tested in package secrets.)
func TestCase06WrongToken(t *testing.T) {
	e := newEnv(t)
	tok := e.srv.Token.Reveal()
	before := e.effects()
	for name, bad := range map[string]string{
		"wrong":            strings.Repeat("0", len(tok)),
		"one char off":     tok[:len(tok)-1] + string(tok[len(tok)-1]^1),
		"short":            tok[:len(tok)/2],
		"long":             tok + "00",
		"trailing newline": tok + "\n",
		"empty":            "",
		"other scheme":     "",
	} {
		header := "Bearer " + bad
		if name == "other scheme" {
			header = "Basic " + tok
		}
		req, err := http.NewRequest("POST", "http://"+e.srv.Addr+"/api/v1/workspaces", jsonBody(t, map[string]string{"path": e.root}))
		require.NoError(t, err)
		req.Header["Authorization"] = []string{header}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			// net/http refuses to send a header value with a newline.
			assert.Contains(t, name, "newline")
			continue
		}
		res.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, name)
	}
	// Two Authorization headers, one of them right, are refused.
	r := e.call("GET", "/api/v1/workspaces", nil, false, "Authorization", "Bearer "+tok, "Authorization", "Bearer x")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	e.noEffects(before, "requests with a wrong token")
}

// Case 7: the token in a query string never authenticates an API call.
func TestCase07TokenInQuery(t *testing.T) {
	e := newEnv(t)
	tok := e.srv.Token.Reveal()
	before := e.effects()
	for _, q := range []string{"token", "access_token", "auth", "key", "api_key"} {
		r := e.call("GET", "/api/v1/workspaces?"+q+"="+tok, nil, false)
		assert.Equal(t, http.StatusUnauthorized, r.status, q)
		r = e.call("POST", "/api/v1/workspaces?"+q+"="+tok, jsonBody(t, map[string]string{"path": e.root}), false)
		assert.Equal(t, http.StatusUnauthorized, r.status, q)
	}
	e.noEffects(before, "requests with the token in the query")
	assert.NotContains(t, e.logs.String(), tok, "the token reached the log")
}

// Case 8: health answers 200 without a token, with no secret and no path.
func TestCase08HealthWithoutToken(t *testing.T) {
	e := newEnv(t)
	r := e.call("GET", "/api/v1/health", nil, false)
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, `"status":"ok"`)
	assert.NotContains(t, r.body, e.srv.Token.Reveal())
	assert.NotContains(t, r.body, "/")
	assert.NotContains(t, r.body, e.home.Dir())
}

// Case 9: the token file is created 0600 in a 0700 directory; a token file
// with loose permissions or a symlink is refused at start.
func TestCase09TokenFilePermissions(t *testing.T) {
	e := newEnv(t)
	store, err := e.home.Secrets()
	require.NoError(t, err)
	path := store.Path("token." + oz.TokenName)
	assert.Contains(t, filepath.Base(path), "token")
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.True(t, fi.Mode().IsRegular())
	di, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())
	assert.True(t, strings.HasPrefix(path, e.home.Dir()), "the token is in the home zone")

	require.NoError(t, os.Chmod(path, 0o644))
	_, err = oz.New(oz.Config{Home: e.home})
	require.Error(t, err, "a world-readable token file")
	assert.ErrorIs(t, err, errs.ErrInvalid)
	require.NoError(t, os.Chmod(path, 0o600))

	real := filepath.Join(t.TempDir(), "elsewhere")
	require.NoError(t, os.WriteFile(real, []byte(strings.Repeat("ab", 32)), 0o600))
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Symlink(real, path))
	_, err = oz.New(oz.Config{Home: e.home})
	require.Error(t, err, "a symlinked token file")
	assert.ErrorIs(t, err, errs.ErrInvalid)
}

// Case 10: rotating the token invalidates the old token and every
// dashboard session at once, whether through the API or by another
// process rotating the file.
func TestCase10TokenRotation(t *testing.T) {
	e := newEnv(t)
	old := e.srv.Token.Reveal()
	cookie := e.login()
	assert.Equal(t, http.StatusOK, e.call("GET", "/api/v1/session", nil, false, "Cookie", cookie, "Sec-Fetch-Site", "same-origin").status)

	require.NoError(t, e.srv.Client.RotateToken(context.Background()))
	assert.Equal(t, http.StatusUnauthorized, e.call("GET", "/api/v1/workspaces", nil, true).status, "the old token still works")
	assert.Equal(t, http.StatusUnauthorized, e.call("GET", "/api/v1/session", nil, false, "Cookie", cookie).status, "the old session still works")
	store, err := e.home.Secrets()
	require.NoError(t, err)
	fresh, err := store.Token(oz.TokenName)
	require.NoError(t, err)
	assert.NotEqual(t, old, fresh.Reveal())
	c2, err := oz.NewClient(e.srv.URL, fresh, nil)
	require.NoError(t, err)
	_, err = c2.Workspaces(context.Background())
	require.NoError(t, err)
	last := e.auditLines()
	require.NotEmpty(t, last)
	assert.Equal(t, "token.rotate", last[len(last)-1].Action)

	// Another process rotates the file: noticed within a second.
	newer, err := store.RotateToken(oz.TokenName)
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond)
	_, err = c2.Workspaces(context.Background())
	assert.ErrorIs(t, err, errs.ErrUnauthorized)
	c3, err := oz.NewClient(e.srv.URL, newer, nil)
	require.NoError(t, err)
	_, err = c3.Workspaces(context.Background())
	require.NoError(t, err)
}

// Case 11: repeated authentication failures from one client get 429, and
// are logged once per window.
func TestCase11AuthFailuresRateLimited(t *testing.T) {
	e := newEnv(t)
	before := e.effects()
	var statuses []int
	for range 80 {
		statuses = append(statuses, e.call("GET", "/api/v1/workspaces", nil, false, "Authorization", "Bearer nope").status)
	}
	assert.Equal(t, http.StatusUnauthorized, statuses[0])
	assert.Equal(t, http.StatusTooManyRequests, statuses[len(statuses)-1])
	r := e.call("GET", "/api/v1/workspaces", nil, false)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.NotEmpty(t, r.header.Get("Retry-After"))
	assert.Equal(t, 1, strings.Count(e.logs.String(), "too many failed authentications"), "logged once per window")
	// The right token still works: a local page cannot lock the CLI out.
	assert.Equal(t, http.StatusOK, e.call("GET", "/api/v1/workspaces", nil, true).status)
	e.noEffects(before, "rate-limited requests")
}
