package oz

import (
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/secrets"
	"github.com/cocoder/cocoder/workspace"
)

// Default limits and lifetimes. The server timeouts apply to Serve's
// http.Server; an embedder serving Handler sets its own.
const (
	// DefaultLoginTTL is how long a login link stays valid; it is also the
	// longest a Config may ask for.
	DefaultLoginTTL = 5 * time.Minute
	// DefaultSessionTTL is how long a dashboard session lasts.
	DefaultSessionTTL = 12 * time.Hour
	// DefaultReadHeaderTimeout bounds reading a request's headers.
	DefaultReadHeaderTimeout = 5 * time.Second
	// DefaultReadTimeout bounds reading a whole request.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds writing a response (event streams lift it).
	DefaultWriteTimeout = 60 * time.Second
	// DefaultIdleTimeout bounds an idle keep-alive connection.
	DefaultIdleTimeout = 120 * time.Second
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes = 64 << 10
)

// TokenName is the name of Oz's generated token in the home's secret
// store: the file secrets/token.oz, mode 0600, in a 0700 directory.
const TokenName = "oz"

// Actor is the name Oz's run engine records in the ledger for the actions
// it carries out (run.stopped, lane.send).
const Actor = "oz"

// Config configures a Server. Embedders fill it by hand; New checks it.
type Config struct {
	// Home is the CoCoder home Oz serves: its registry, configuration,
	// secrets, run ledgers and Oz's own files (the audit log). Required.
	Home *workspace.Home
	// Prefix is the path Handler is mounted under, such as "/cocoder"; it
	// starts with "/" and does not end with one. Empty serves at the root.
	// Handler strips it itself: mount it with mux.Handle(prefix+"/", h).
	Prefix string
	// Token is the API token clients present. Empty: the home's generated
	// token TokenName, created on first use (see secrets.Store.Token). It
	// must be at least 32 characters.
	Token secrets.Value
	// AllowRemote lifts the loopback-only rule: Serve then accepts any
	// listener and the handler answers connections from other machines.
	// Only for an embedder that authenticates in front of Oz; the token,
	// Host and Origin checks still apply.
	AllowRemote bool
	// Hosts are extra host names (without a port) a request's Host header
	// may carry, for a loopback alias of this machine. localhost,
	// 127.0.0.1 and [::1] are always allowed, and only with the port the
	// connection came in on.
	Hosts []string
	// Run configures the run engines Oz makes (one per workspace, and one
	// for runs of any workspace): host kind, environment, the executable
	// that runs the demo agent. Home, Workspace, Actor and Logger are
	// Oz's own and are overwritten.
	Run run.Options
	// Logger receives request failures, refusals and supervision notes.
	// Nil discards; Oz never writes to stderr on its own.
	Logger *slog.Logger
	// Clock gives the time; nil means time.Now.
	Clock func() time.Time
	// LoginTTL is how long a login link is valid: 1s to 5 minutes,
	// default DefaultLoginTTL.
	LoginTTL time.Duration
	// SessionTTL is how long a dashboard session lasts: 1 minute to 7
	// days, default DefaultSessionTTL.
	SessionTTL time.Duration
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are the
	// timeouts of the http.Server Serve runs. Zero takes the Default*
	// value; a negative value is invalid.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
}

// validate checks cfg and fills its defaults.
func (c *Config) validate() error {
	const op = "oz.New"
	var problems []string
	if c.Home == nil {
		problems = append(problems, "Home is required (open one with workspace.OpenHome)")
	}
	if c.Prefix != "" && (!strings.HasPrefix(c.Prefix, "/") || strings.HasSuffix(c.Prefix, "/") || strings.ContainsAny(c.Prefix, "?#{}* \t\r\n") || strings.Contains(c.Prefix, "//") || strings.Contains(c.Prefix, "/.")) {
		problems = append(problems, "Prefix "+quote(c.Prefix)+" must look like /name (a leading slash, no trailing slash, no dot segments)")
	}
	if !c.Token.IsZero() && len(c.Token.Reveal()) < 32 {
		problems = append(problems, "Token must be at least 32 characters (leave it empty to use the home's generated token)")
	}
	for _, h := range c.Hosts {
		if !validHostName(h) {
			problems = append(problems, "Hosts entry "+quote(h)+" must be a bare host name such as myhost.localhost (no port, scheme or path)")
		}
	}
	switch {
	case c.LoginTTL == 0:
		c.LoginTTL = DefaultLoginTTL
	case c.LoginTTL < time.Second || c.LoginTTL > DefaultLoginTTL:
		problems = append(problems, "LoginTTL must be between 1s and 5m")
	}
	switch {
	case c.SessionTTL == 0:
		c.SessionTTL = DefaultSessionTTL
	case c.SessionTTL < time.Minute || c.SessionTTL > 7*24*time.Hour:
		problems = append(problems, "SessionTTL must be between 1m and 168h")
	}
	for _, t := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"ReadHeaderTimeout", &c.ReadHeaderTimeout, DefaultReadHeaderTimeout},
		{"ReadTimeout", &c.ReadTimeout, DefaultReadTimeout},
		{"WriteTimeout", &c.WriteTimeout, DefaultWriteTimeout},
		{"IdleTimeout", &c.IdleTimeout, DefaultIdleTimeout},
	} {
		switch {
		case *t.v == 0:
			*t.v = t.def
		case *t.v < 0:
			problems = append(problems, t.name+" must not be negative")
		}
	}
	if len(problems) > 0 {
		return errs.E(errs.Invalid, op, "the Oz configuration is not valid: %s", strings.Join(problems, "; "))
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// validHostName accepts a DNS name or an IP address, without port.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return true
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func quote(s string) string { return `"` + s + `"` }
