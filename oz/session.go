package oz

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// maxSessions bounds the dashboard sessions and pending login links kept
// in memory; the oldest go first.
const maxSessions = 256

// session is a dashboard session, created from a login link. Its id lives
// in an HttpOnly cookie; its CSRF token is handed to the page by GET
// /api/v1/session and must come back on every state-changing request.
type session struct {
	id      string
	csrf    string
	label   string
	created time.Time
	expires time.Time
}

// sessionStore keeps the sessions and pending login links, server side.
// Keys are SHA-256 digests of the secrets, compared by map lookup of the
// digest, so timing reveals nothing of the secret itself.
type sessionStore struct {
	mu       sync.Mutex
	now      func() time.Time
	loginTTL time.Duration
	ttl      time.Duration
	logins   map[string]time.Time
	sessions map[string]*session
}

func newSessionStore(now func() time.Time, loginTTL, ttl time.Duration) *sessionStore {
	return &sessionStore{now: now, loginTTL: loginTTL, ttl: ttl, logins: map[string]time.Time{}, sessions: map[string]*session{}}
}

// randomText returns n random bytes in hex.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func digest(s string) string {
	d := sha256.Sum256([]byte(s))
	return string(d[:])
}

// newLogin makes a login nonce (256 random bits), valid once until
// the returned time.
func (st *sessionStore) newLogin() (string, time.Time) {
	nonce := randomText(32)
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	st.expire(now)
	if len(st.logins) >= maxSessions {
		clear(st.logins)
	}
	exp := now.Add(st.loginTTL)
	st.logins[digest(nonce)] = exp
	return nonce, exp
}

// redeem spends a login nonce and returns the new session, or nil when the
// nonce is unknown, already used or expired.
func (st *sessionStore) redeem(nonce string) *session {
	if nonce == "" || len(nonce) > 256 {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	key := digest(nonce)
	exp, ok := st.logins[key]
	delete(st.logins, key)
	if !ok || !now.Before(exp) {
		return nil
	}
	st.expire(now)
	if len(st.sessions) >= maxSessions {
		var oldest *session
		for _, s := range st.sessions {
			if oldest == nil || s.created.Before(oldest.created) {
				oldest = s
			}
		}
		delete(st.sessions, digest(oldest.id))
	}
	s := &session{id: randomText(32), csrf: randomText(32), created: now, expires: now.Add(st.ttl)}
	s.label = hex.EncodeToString([]byte(digest(s.id))[:4])
	st.sessions[digest(s.id)] = s
	return s
}

// expire drops expired logins and sessions. The caller holds mu.
func (st *sessionStore) expire(now time.Time) {
	for k, exp := range st.logins {
		if !now.Before(exp) {
			delete(st.logins, k)
		}
	}
	for k, s := range st.sessions {
		if !now.Before(s.expires) {
			delete(st.sessions, k)
		}
	}
}

// fromRequest returns the live session named by the request's cookie.
func (st *sessionStore) fromRequest(r *http.Request, cookie string) *session {
	c, err := r.Cookie(cookie)
	if err != nil || c.Value == "" || len(c.Value) > 256 {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.sessions[digest(c.Value)]
	if s == nil || !st.now().Before(s.expires) {
		return nil
	}
	return s
}

// end removes one session.
func (st *sessionStore) end(s *session) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.sessions, digest(s.id))
}

// clear ends every session and login link (token rotation).
func (st *sessionStore) clear() {
	st.mu.Lock()
	defer st.mu.Unlock()
	clear(st.sessions)
	clear(st.logins)
}

// csrfOK reports whether the request carries the session's CSRF token.
func (s *session) csrfOK(r *http.Request) bool {
	got := r.Header.Get(CSRFHeader)
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(s.csrf))
	return got != "" && subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// cookieName is the session cookie's name: it carries the port, so
// dashboards of two Oz servers on one machine keep apart.
func (s *Server) cookieName(r *http.Request) string {
	return "oz_session_" + localPort(r)
}

// cookiePath is the path the session cookie is scoped to.
func (s *Server) cookiePath() string {
	return s.cfg.Prefix + "/"
}
