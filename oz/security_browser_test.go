package oz_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/oz"
)

// everyPath is every route of the server, API or not, with sample values.
func everyPath(t *testing.T) []apiRoute {
	return append(apiRoutes(t),
		apiRoute{method: "GET", path: "/", access: "public"},
		apiRoute{method: "GET", path: "/assets/app.css", access: "public"},
		apiRoute{method: "GET", path: "/login?nonce=x", access: "public"},
	)
}

// Case 12: a rebinding Host (evil.example with the right port) is refused
// on every route, static files and health included, with or without the
// token.
func TestCase12DNSRebindingHost(t *testing.T) {
	e := newEnv(t)
	_, port, _ := net.SplitHostPort(e.srv.Addr)
	before := e.effects()
	for _, rt := range everyPath(t) {
		for _, auth := range []bool{false, true} {
			r := e.call(rt.method, rt.path, strings.NewReader("{}"), auth, "Host", "evil.example:"+port)
			assert.Equal(t, http.StatusMisdirectedRequest, r.status, "%s %s", rt.method, rt.path)
		}
	}
	e.noEffects(before, "requests with a rebinding Host")
}

// Case 13: a missing Host, the right name with another port, and look-alike
// names are refused.
func TestCase13BadHosts(t *testing.T) {
	e := newEnv(t)
	_, port, _ := net.SplitHostPort(e.srv.Addr)
	other := "1"
	if port == "1" {
		other = "2"
	}
	before := e.effects()
	for _, h := range []string{
		"127.0.0.1:" + other, "localhost:" + other, "[::1]:" + other, "localhost", "127.0.0.1",
		"localhost.evil.com:" + port, "127.0.0.1.nip.io:" + port, "evil.com:" + port, "localhost:" + port + "@evil.com",
		"0.0.0.0:" + port, "127.0.0.2:" + port + "x", "LOCALHOST.:" + port, "[::ffff:127.0.0.1]:" + other,
	} {
		for _, path := range []string{"/api/v1/health", "/api/v1/workspaces", "/"} {
			r := e.call("GET", path, nil, true, "Host", h)
			assert.Contains(t, []int{http.StatusMisdirectedRequest, http.StatusBadRequest}, r.status, "Host %q %s", h, path)
		}
	}
	// No Host header at all (HTTP/1.0).
	conn, err := net.Dial("tcp", e.srv.Addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("GET /api/v1/health HTTP/1.0\r\n\r\n"))
	require.NoError(t, err)
	buf := make([]byte, 64)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := conn.Read(buf)
	assert.Contains(t, string(buf[:n]), " 421 ")
	e.noEffects(before, "requests with a bad Host")
}

// Case 14: localhost, 127.0.0.1 and [::1] with the server's port are
// accepted.
func TestCase14GoodHosts(t *testing.T) {
	e := newEnv(t)
	_, port, _ := net.SplitHostPort(e.srv.Addr)
	for _, h := range []string{"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "LocalHost:" + port} {
		assert.Equal(t, http.StatusOK, e.call("GET", "/api/v1/health", nil, false, "Host", h).status, h)
		assert.Equal(t, http.StatusOK, e.call("GET", "/api/v1/workspaces", nil, true, "Host", h).status, h)
	}
	// An embedder's extra name.
	e2 := newEnv(t, func(c *oz.Config) { c.Hosts = []string{"oz.localhost"} })
	_, port2, _ := net.SplitHostPort(e2.srv.Addr)
	assert.Equal(t, http.StatusOK, e2.call("GET", "/api/v1/health", nil, false, "Host", "oz.localhost:"+port2).status)
}

// stateChanging lists the state-changing routes with a body that would
// succeed, so a refusal is the check's doing.
func stateChanging(t *testing.T, e *env) []apiRoute {
	var out []apiRoute
	for _, rt := range apiRoutes(t) {
		if unsafe(rt.method) {
			out = append(out, rt)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// Case 15: a cross-site Origin on any state-changing request is 403, with
// the token or a session, and changes nothing.
func TestCase15CrossSiteOrigin(t *testing.T) {
	e := newEnv(t)
	cookie := e.login()
	csrf := e.csrf(cookie)
	_, port, _ := net.SplitHostPort(e.srv.Addr)
	before := e.effects()
	for _, origin := range []string{
		"https://evil.example", "http://evil.example:" + port, "http://localhost:3000", "http://127.0.0.1:3000",
		"https://" + e.srv.Addr, "http://evil@" + e.srv.Addr, e.origin() + "/", e.origin() + ".evil.com",
	} {
		for _, rt := range stateChanging(t, e) {
			body := jsonBody(t, map[string]string{"path": e.root})
			r := e.call(rt.method, rt.path, body, true, "Origin", origin)
			assert.Equal(t, http.StatusForbidden, r.status, "token: Origin %s %s %s", origin, rt.method, rt.path)
			r = e.call(rt.method, rt.path, jsonBody(t, map[string]string{"path": e.root}), false, "Origin", origin, "Cookie", cookie, oz.CSRFHeader, csrf)
			assert.Equal(t, http.StatusForbidden, r.status, "session: Origin %s %s %s", origin, rt.method, rt.path)
		}
	}
	e.noEffects(before, "cross-site requests")
	// A client holding the token never sends Origin or Referer: one that
	// does is a browser and is refused even for its own origin.
	r := e.call("POST", "/api/v1/workspaces", jsonBody(t, map[string]string{"path": e.root}), true, "Origin", e.origin())
	assert.Equal(t, http.StatusForbidden, r.status)
	r = e.call("GET", "/api/v1/workspaces", nil, true, "Referer", e.origin()+"/")
	assert.Equal(t, http.StatusForbidden, r.status)
	e.noEffects(before, "token requests with browser headers")
}

// Case 16: Origin: null is refused.
func TestCase16NullOrigin(t *testing.T) {
	e := newEnv(t)
	cookie := e.login()
	csrf := e.csrf(cookie)
	before := e.effects()
	for _, rt := range stateChanging(t, e) {
		r := e.call(rt.method, rt.path, jsonBody(t, map[string]string{"path": e.root}), false, "Origin", "null", "Cookie", cookie, oz.CSRFHeader, csrf)
		assert.Equal(t, http.StatusForbidden, r.status, "%s %s", rt.method, rt.path)
		r = e.call(rt.method, rt.path, jsonBody(t, map[string]string{"path": e.root}), true, "Origin", "null")
		assert.Equal(t, http.StatusForbidden, r.status, "%s %s", rt.method, rt.path)
	}
	assert.Equal(t, http.StatusForbidden, e.call("GET", "/api/v1/workspaces", nil, true, "Origin", "null").status)
	e.noEffects(before, "requests with Origin: null")
}

// Case 17: Sec-Fetch-Site cross-site (and same-site: another localhost
// port) is refused on state-changing requests, and on /api reads too.
func TestCase17SecFetchSite(t *testing.T) {
	e := newEnv(t)
	cookie := e.login()
	csrf := e.csrf(cookie)
	before := e.effects()
	for _, site := range []string{"cross-site", "same-site", "bogus"} {
		for _, rt := range stateChanging(t, e) {
			r := e.call(rt.method, rt.path, jsonBody(t, map[string]string{"path": e.root}), false, "Sec-Fetch-Site", site, "Cookie", cookie, oz.CSRFHeader, csrf, "Origin", e.origin())
			assert.Equal(t, http.StatusForbidden, r.status, "%s %s %s", site, rt.method, rt.path)
		}
		assert.Equal(t, http.StatusForbidden, e.call("GET", "/api/v1/workspaces", nil, false, "Sec-Fetch-Site", site, "Cookie", cookie).status)
		assert.Equal(t, http.StatusForbidden, e.call("GET", "/", nil, false, "Sec-Fetch-Site", site).status)
	}
	// "none" (typed in the address bar) is fine for a navigation, not for
	// a state change.
	assert.Equal(t, http.StatusOK, e.call("GET", "/", nil, false, "Sec-Fetch-Site", "none").status)
	r := e.call("POST", "/api/v1/workspaces", jsonBody(t, map[string]string{"path": e.root}), false, "Sec-Fetch-Site", "none", "Cookie", cookie, oz.CSRFHeader, csrf, "Origin", e.origin())
	assert.Equal(t, http.StatusForbidden, r.status)
	e.noEffects(before, "requests with a foreign Sec-Fetch-Site")
}

// Case 18: a dashboard state change without the CSRF token, with a wrong
// one or with another session's is refused; with its own it passes.
func TestCase18CSRF(t *testing.T) {
	e := newEnv(t)
	a, b := e.login(), e.login()
	csrfA, csrfB := e.csrf(a), e.csrf(b)
	require.NotEqual(t, csrfA, csrfB)
	before := e.effects()
	for _, rt := range stateChanging(t, e) {
		for name, hdr := range map[string][]string{
			"none":          {},
			"wrong":         {oz.CSRFHeader, strings.Repeat("0", len(csrfA))},
			"other session": {oz.CSRFHeader, csrfB},
			"empty":         {oz.CSRFHeader, ""},
		} {
			h := append([]string{"Cookie", a, "Origin", e.origin(), "Sec-Fetch-Site", "same-origin"}, hdr...)
			r := e.call(rt.method, rt.path, jsonBody(t, map[string]string{"path": e.root}), false, h...)
			assert.Equal(t, http.StatusForbidden, r.status, "%s: %s %s", name, rt.method, rt.path)
		}
		// Without Origin a state change from a session is refused too.
		r := e.call(rt.method, rt.path, jsonBody(t, map[string]string{"path": e.root}), false, "Cookie", a, oz.CSRFHeader, csrfA)
		assert.Equal(t, http.StatusForbidden, r.status, "no Origin: %s %s", rt.method, rt.path)
	}
	e.noEffects(before, "requests without the session's CSRF token")
	r := e.call("POST", "/api/v1/workspaces", jsonBody(t, map[string]string{"path": e.root}), false,
		"Cookie", a, oz.CSRFHeader, csrfA, "Origin", e.origin(), "Sec-Fetch-Site", "same-origin")
	assert.Equal(t, http.StatusCreated, r.status, r.body)
	lines := e.auditLines()
	require.Len(t, lines, 3, "two login links and one registration")
	assert.True(t, strings.HasPrefix(lines[2].Actor, "session:"), lines[2].Actor)
}

// Case 19: the session cookie is HttpOnly, SameSite=Strict, path-scoped
// and named after the port; the login link is single-use and expires
// within 5 minutes.
func TestCase19SessionCookieAndLoginLink(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := &fakeClock{t: now}
	e := newEnv(t, func(c *oz.Config) { c.Clock = clock.Now; c.Prefix = "" })
	_, port, _ := net.SplitHostPort(e.srv.Addr)
	link, err := e.srv.Client.LoginLink(t.Context())
	require.NoError(t, err)
	assert.LessOrEqual(t, link.ExpiresAt.Sub(now), 5*time.Minute)
	assert.NotContains(t, link.URL, e.srv.Token.Reveal(), "the link does not carry the token")
	path := strings.TrimPrefix(link.URL, e.origin())
	r := e.call("GET", path, nil, false, "Sec-Fetch-Site", "none")
	require.Equal(t, http.StatusSeeOther, r.status)
	assert.Equal(t, "/", r.header.Get("Location"))
	c := r.header.Get("Set-Cookie")
	assert.Contains(t, c, "oz_session_"+port+"=")
	assert.Contains(t, c, "HttpOnly")
	assert.Contains(t, c, "SameSite=Strict")
	assert.Contains(t, c, "Path=/")
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))

	again := e.call("GET", path, nil, false, "Sec-Fetch-Site", "none")
	assert.Equal(t, http.StatusForbidden, again.status, "a login link works once")
	assert.Empty(t, again.header.Get("Set-Cookie"))

	link2, err := e.srv.Client.LoginLink(t.Context())
	require.NoError(t, err)
	clock.Add(5*time.Minute + time.Second)
	r = e.call("GET", strings.TrimPrefix(link2.URL, e.origin()), nil, false, "Sec-Fetch-Site", "none")
	assert.Equal(t, http.StatusForbidden, r.status, "an expired login link")
	assert.Equal(t, http.StatusForbidden, e.call("GET", "/login?nonce=", nil, false).status)
	assert.Equal(t, http.StatusForbidden, e.call("GET", "/login?nonce="+strings.Repeat("a", 64), nil, false).status)

	// Mounted under a prefix, the cookie is scoped to it.
	e2 := newEnv(t, func(c *oz.Config) { c.Prefix = "/cocoder" })
	link3, err := e2.srv.Client.LoginLink(t.Context())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(link3.URL, e2.origin()+"/cocoder/login?nonce="), link3.URL)
	r = e2.call("GET", strings.TrimPrefix(link3.URL, e2.origin()), nil, false)
	assert.Contains(t, r.header.Get("Set-Cookie"), "Path=/cocoder/")
	assert.Equal(t, "/cocoder/", r.header.Get("Location"))
}

// Case 20: no response carries Access-Control-Allow-Origin, and a CORS
// preflight is refused.
func TestCase20NoCORS(t *testing.T) {
	e := newEnv(t)
	for _, rt := range everyPath(t) {
		if !unsafe(rt.method) {
			r := e.call(rt.method, rt.path, nil, true)
			assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"), "%s %s", rt.method, rt.path)
		}
	}
	before := e.effects()
	for _, rt := range everyPath(t) {
		r := e.call("OPTIONS", rt.path, nil, false, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
		assert.Equal(t, http.StatusForbidden, r.status, "preflight %s", rt.path)
		assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
		assert.Empty(t, r.header.Get("Access-Control-Allow-Methods"))
	}
	e.noEffects(before, "preflights")
}

// Case 21: hardening headers on every response, no-store on the API.
func TestCase21HardeningHeaders(t *testing.T) {
	e := newEnv(t)
	for _, rt := range everyPath(t) {
		for _, auth := range []bool{true, false} {
			if unsafe(rt.method) && auth {
				continue // a refused state change is checked below
			}
			r := e.call(rt.method, rt.path, nil, auth)
			h := r.header
			what := rt.method + " " + rt.path
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), what)
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"), what)
			assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"), what)
			csp := h.Get("Content-Security-Policy")
			assert.Contains(t, csp, "frame-ancestors 'none'", what)
			assert.Contains(t, csp, "script-src 'self'", what)
			assert.NotContains(t, csp, "unsafe-inline", what)
			if strings.HasPrefix(rt.path, "/api/") {
				assert.Equal(t, "no-store", h.Get("Cache-Control"), what)
			}
		}
	}
	// Refusals carry them too.
	r := e.call("GET", "/api/v1/workspaces", nil, false, "Host", "evil.example:1")
	assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
}
