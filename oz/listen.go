package oz

import (
	"errors"
	"net"
	"strconv"
	"syscall"

	"github.com/cocoder/cocoder/internal/errs"
)

// DefaultHost and DefaultPort are where the Oz daemon listens unless
// configured otherwise (oz.host and oz.port in config.yaml).
const (
	DefaultHost = "127.0.0.1"
	DefaultPort = 7878
)

// ListenAddress returns the address to listen on for host and port: host
// "" is DefaultHost, port 0 is DefaultPort, and a negative port asks the
// system for a free one.
func ListenAddress(host string, port int) string {
	if host == "" {
		host = DefaultHost
	}
	switch {
	case port == 0:
		port = DefaultPort
	case port < 0:
		port = 0
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// Listen opens a TCP listener on addr ("host:port"). Unless allowRemote,
// host must be a loopback address (127.0.0.1, ::1 or localhost, which is
// taken as 127.0.0.1): 0.0.0.0, :: and every other address are refused
// before anything is opened. A port already in use is an errs.Conflict
// error naming the port.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	const op = "oz.Listen"
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, op, err, "listen address %q must be host:port", addr)
	}
	if host == "localhost" {
		host = DefaultHost
	}
	ip := net.ParseIP(host)
	if !allowRemote && (ip == nil || !ip.IsLoopback()) {
		shown := host
		if shown == "" {
			shown = "every interface"
		}
		return nil, errs.E(errs.Invalid, op, "Oz listens on loopback only (127.0.0.1 or ::1), not %s: other machines must never reach it", shown)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, errs.E(errs.Conflict, op, "port %s on %s is already in use by another program (perhaps another Oz: `cocoder oz status`, or `ss -ltnp 'sport = :%s'` names it); choose another with --port", port, host, port)
	}
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot listen on %s", net.JoinHostPort(host, port))
	}
	return ln, nil
}
