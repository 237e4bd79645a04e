package oz

import (
	"context"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
)

// The header names Oz reads.
const (
	// CSRFHeader carries a dashboard session's CSRF token on every
	// state-changing request.
	CSRFHeader = "X-CSRF-Token"
)

// hardening sets the security headers of every response.
func hardening(h http.Header, api bool) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if api {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
}

// buildHandler assembles the route table into a mux and wraps it in the
// checks every request passes, in this order: hardening headers, prefix,
// loopback connection, Host allow-list, cross-origin refusal, shutdown,
// authentication of /api requests. Body limits and CSRF are checked per
// route.
func (s *Server) buildHandler() (http.Handler, error) {
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		if rt.access == unclassified {
			return nil, errs.E(errs.Internal, "oz.New", "route %s %s has no access class", rt.method, rt.path)
		}
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	prefix := s.cfg.Prefix
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if prefix != "" {
			rest, ok := strings.CutPrefix(path, prefix)
			if !ok || (rest != "" && rest[0] != '/') {
				hardening(w.Header(), true)
				http.NotFound(w, r)
				return
			}
			if rest == "" {
				rest = "/"
			}
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.Path, u.RawPath = rest, ""
			r2.URL = &u
			r = r2
			path = rest
		}
		api := strings.HasPrefix(path, "/api/")
		hardening(w.Header(), api)
		if !s.cfg.AllowRemote && !loopbackConn(r) {
			refuse(w, http.StatusForbidden, errs.Unauthorized, "Oz answers loopback connections only")
			return
		}
		if !s.hostAllowed(r) {
			refuse(w, http.StatusMisdirectedRequest, errs.Unauthorized, "the Host header does not name this server")
			return
		}
		if why := crossOrigin(r); why != "" {
			refuse(w, http.StatusForbidden, errs.Unauthorized, why)
			return
		}
		if strings.Contains(path, "/.") || strings.Contains(path, "//") {
			// Dot segments and empty segments are never a route: refuse
			// them rather than let the mux redirect to a cleaned path.
			refuse(w, http.StatusNotFound, errs.NotFound, "no such path")
			return
		}
		if s.isClosing() {
			w.Header().Set("Connection", "close")
			refuse(w, http.StatusServiceUnavailable, errs.Unavailable, "the server is shutting down")
			return
		}
		if api && path != healthPath {
			c, status := s.authenticate(r)
			if status != 0 {
				if status == http.StatusUnauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="oz"`)
				}
				if status == http.StatusTooManyRequests {
					w.Header().Set("Retry-After", strconv.Itoa(int(failWindow/time.Second)))
					refuse(w, status, errs.Unavailable, "too many failed authentications from this client; wait and retry")
					return
				}
				refuse(w, status, errs.Unauthorized, "authentication required")
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
		}
		mux.ServeHTTP(w, r)
	}), nil
}

// loopbackConn reports whether the request came over a loopback
// connection on both ends. A request without connection addresses (not
// from net/http's server) is refused.
func loopbackConn(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || !isLoopbackAddr(local) {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostAllowed checks the Host header against the exact allow-list:
// localhost, 127.0.0.1, [::1] and Config.Hosts, each with the port the
// connection came in on (DNS-rebinding defence).
func (s *Server) hostAllowed(r *http.Request) bool {
	port := localPort(r)
	if port == "" || r.Host == "" {
		return false
	}
	host := strings.ToLower(r.Host)
	name, p, err := net.SplitHostPort(host)
	if err != nil {
		// No port: only right when the connection came in on port 80.
		if port != "80" || strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
			return false
		}
		name, p = strings.Trim(host, "[]"), "80"
	}
	if p != port {
		return false
	}
	switch name {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	for _, h := range s.cfg.Hosts {
		if strings.EqualFold(strings.Trim(h, "[]"), name) {
			return true
		}
	}
	return false
}

// localPort is the port the request's connection came in on.
func localPort(r *http.Request) string {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return ""
	}
	_, port, err := net.SplitHostPort(local.String())
	if err != nil {
		return ""
	}
	return port
}

// crossOrigin returns why a request is refused as cross-origin, or "".
// Browsers mark every request with Sec-Fetch-Site; only same-origin (and
// none, a navigation the user typed, for safe methods) passes. An Origin,
// when sent, must be exactly this server's origin: "null", another port,
// another scheme or userinfo all fail.
func crossOrigin(r *http.Request) string {
	safe := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin":
	case "none":
		if !safe {
			return "cross-origin request refused"
		}
	default:
		return "cross-origin request refused"
	}
	if origin, ok := r.Header["Origin"]; ok {
		if len(origin) != 1 || origin[0] != "http://"+strings.ToLower(r.Host) {
			return "cross-origin request refused"
		}
	}
	if r.Method == http.MethodOptions {
		return "cross-origin request refused"
	}
	return ""
}

// caller is who a request acts for.
type caller struct {
	// kind is "token" or "session".
	kind string
	// session is the dashboard session, for kind "session".
	session *session
	// remote is the client's address.
	remote string
}

// actor names the caller in the audit log.
func (c caller) actor() string {
	if c.session != nil {
		return "session:" + c.session.label
	}
	return c.kind
}

type callerKey struct{}

// callerOf returns the caller authenticate found.
func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// authenticate checks an /api request's credential: the bearer token
// (never from the query string, never with a browser's Origin or
// Referer), or a dashboard session cookie. It returns the caller, or the
// status to refuse with (401, 403, or 429 once a client failed too often).
func (s *Server) authenticate(r *http.Request) (caller, int) {
	c := caller{remote: r.RemoteAddr}
	client := clientKey(r.RemoteAddr)
	if authz := r.Header.Get("Authorization"); authz != "" {
		scheme, tok, _ := strings.Cut(authz, " ")
		if len(r.Header.Values("Authorization")) == 1 && strings.EqualFold(scheme, "Bearer") && s.token.current(s.now()).Equal(tok) {
			if r.Header.Get("Origin") != "" || r.Header.Get("Referer") != "" {
				return c, http.StatusForbidden
			}
			c.kind = "token"
			return c, 0
		}
		return c, s.limiter.fail(client)
	}
	if sess := s.sessions.fromRequest(r, s.cookieName(r)); sess != nil {
		c.kind, c.session = "session", sess
		return c, 0
	}
	return c, s.limiter.fail(client)
}

// clientKey is the rate limiter's key of a client: its IP address.
func clientKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// failWindow is the window of the authentication failure limit.
const failWindow = 10 * time.Second

// maxFails is how many failed authentications a client may have in one
// window before it gets 429.
const maxFails = 64

// failLimiter counts failed authentications per client and window.
type failLimiter struct {
	mu     sync.Mutex
	now    func() time.Time
	log    *slog.Logger
	counts map[string]*failCount
}

type failCount struct {
	start  time.Time
	n      int
	logged bool
}

func newFailLimiter(now func() time.Time, log *slog.Logger) *failLimiter {
	return &failLimiter{now: now, log: log, counts: map[string]*failCount{}}
}

// fail records a failure of client and returns 401, or 429 when the client
// is over the limit (logged once per window).
func (l *failLimiter) fail(client string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	fc := l.counts[client]
	if fc == nil || now.Sub(fc.start) >= failWindow {
		if len(l.counts) > 4096 {
			clear(l.counts)
		}
		fc = &failCount{start: now}
		l.counts[client] = fc
	}
	fc.n++
	if fc.n <= maxFails {
		return http.StatusUnauthorized
	}
	if !fc.logged {
		fc.logged = true
		l.log.Warn("oz: too many failed authentications; refusing this client for the rest of the window", "client", client, "window", failWindow)
	}
	return http.StatusTooManyRequests
}

// slogErrorLog routes net/http's own error log to the logger.
func slogErrorLog(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.Handler(), slog.LevelDebug)
}
