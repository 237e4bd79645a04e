package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/version"
	"github.com/cocoder/cocoder/oz"
	runpkg "github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/workspace"
)

// ozCmd groups the commands that run and talk to the Oz daemon, the
// home's loopback control plane.
type ozCmd struct {
	Start  ozStartCmd  `cmd:"" help:"Start the Oz daemon for this home (in the background unless --foreground)."`
	Status ozStatusCmd `cmd:"" help:"Show whether the Oz daemon runs, its pid and address."`
	Stop   ozStopCmd   `cmd:"" help:"Stop the Oz daemon."`
	Open   ozOpenCmd   `cmd:"" help:"Print a single-use dashboard login link (valid 5 minutes)."`
	Token  ozTokenCmd  `cmd:"" help:"Show where the API token is kept, or replace it with --rotate."`
}

// ozLogFile is where a daemon started in the background writes its log.
const ozLogFile = "daemon.log"

type ozStartCmd struct {
	Port       int    `name:"port" placeholder:"N" help:"Port to listen on (default: oz.port of the configuration, else 7878; 0 picks a free one)." default:"-1"`
	Foreground bool   `name:"foreground" help:"Stay in the foreground, logging to stderr, until interrupted."`
	Host       string `name:"host" enum:"tmux,exec" default:"tmux" help:"Where the lanes of runs Oz launches run: tmux, or exec (children of the daemon; they end with it)."`
	rootFlag
}

func (c *ozStartCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	if c.Port < -1 || c.Port > 65535 {
		return usageError("--port must be 0 to 65535")
	}
	if info, err := oz.ReadDaemon(home); err == nil {
		return errs.E(errs.Conflict, "oz", "the Oz daemon already runs for this home (pid %d, %s)", info.PID, info.URL())
	}
	addr, err := c.address(home)
	if err != nil {
		return err
	}
	if c.Foreground {
		c.warnRoot(s)
		return c.serve(ctx, g, s, home, addr)
	}
	return c.daemonize(ctx, g, s, home)
}

// address is where to listen: --port, else the configuration's oz.host and
// oz.port, else the defaults.
func (c *ozStartCmd) address(home *workspace.Home) (string, error) {
	rc, err := workspace.LoadConfig(home, nil)
	if err != nil {
		return "", err
	}
	host, port := rc.Config.Oz.Host, rc.Config.Oz.Port
	switch {
	case c.Port == 0:
		port = -1 // a free port
	case c.Port > 0:
		port = c.Port
	}
	return oz.ListenAddress(host, port), nil
}

// serve runs the daemon in this process until ctx ends.
func (c *ozStartCmd) serve(ctx context.Context, g *globals, s *streams, home *workspace.Home, addr string) error {
	claim, err := oz.ClaimDaemon(home)
	if err != nil {
		return err
	}
	defer claim.Release()
	ln, err := oz.Listen(addr, false)
	if err != nil {
		return err
	}
	logger := newLogger(s.err)
	srv, err := oz.New(oz.Config{
		Home:   home,
		Logger: logger,
		Run:    runpkg.Options{HostKind: c.Host, Getenv: s.getenv, PassEnv: passEnv},
	})
	if err != nil {
		ln.Close()
		return err
	}
	tcp := ln.Addr().(*net.TCPAddr)
	info := oz.DaemonInfo{PID: os.Getpid(), Addr: ln.Addr().String(), Port: tcp.Port, StartedAt: time.Now().UTC(), Version: version.Get().Version}
	if err := claim.Publish(info); err != nil {
		ln.Close()
		_ = srv.Shutdown(context.Background())
		return err
	}
	fmt.Fprintf(s.out, "Oz listening on %s (pid %d)\n  login  cocoder oz open\n", info.URL(), info.PID)
	extendInterruptGrace(12 * time.Second) // Serve drains requests for up to 10 s after a signal
	return srv.Serve(ctx, ln)
}

// daemonize starts this program again as `oz start --foreground`, detached
// from the terminal, and waits until it answers.
func (c *ozStartCmd) daemonize(ctx context.Context, g *globals, s *streams, home *workspace.Home) error {
	const op = "oz start"
	self, err := os.Executable()
	if err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot find the cocoder executable to start the daemon")
	}
	logPath := filepath.Join(home.OzDir(), ozLogFile)
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot open the daemon's log %s", logPath)
	}
	defer logf.Close()
	start, _ := logf.Seek(0, io.SeekEnd)
	args := []string{"--home", home.Dir(), "oz", "start", "--foreground", "--port", strconv.Itoa(c.Port), "--host", c.Host}
	if c.AllowRoot {
		args = append(args, "--allow-root")
	}
	cmd := exec.Command(self, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "cannot start the daemon")
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(15 * time.Second)
	for {
		if client, info, err := oz.Dial(home); err == nil && info.PID == cmd.Process.Pid {
			if client.WaitHealthy(ctx, 5*time.Second) == nil {
				fmt.Fprintf(s.out, "Oz started: %s (pid %d)\n  login   cocoder oz open\n  stop    cocoder oz stop\n  log     %s\n", info.URL(), info.PID, logPath)
				return nil
			}
		}
		select {
		case err := <-exited:
			return errs.E(errs.Unavailable, op, "the daemon exited at once (%v): %s", err, logTail(logPath, start))
		case <-deadline:
			_ = cmd.Process.Kill()
			return errs.E(errs.Unavailable, op, "the daemon did not answer within 15s: %s", logTail(logPath, start))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// logTail returns what the daemon logged since offset, for an error.
func logTail(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "see " + path
	}
	defer f.Close()
	_, _ = f.Seek(offset, io.SeekStart)
	b, _ := io.ReadAll(io.LimitReader(f, 4096))
	if len(b) == 0 {
		return "its log " + path + " is empty"
	}
	return string(b)
}

// ozStatusView is what `oz status --json` prints.
type ozStatusView struct {
	Running bool   `json:"running"`
	PID     int    `json:"pid,omitempty"`
	URL     string `json:"url,omitempty"`
	Version string `json:"version,omitempty"`
	// Since is when the daemon started.
	Since time.Time `json:"since,omitzero"`
	// Healthy says whether it answered its health check.
	Healthy bool `json:"healthy"`
}

// ozStatusCmd takes the global --json.
type ozStatusCmd struct{}

// Run prints the daemon's state; it exits 1 when no daemon runs.
func (c *ozStatusCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	var v ozStatusView
	client, info, err := oz.Dial(home)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
	case err != nil:
		return err
	default:
		v = ozStatusView{Running: true, PID: info.PID, URL: info.URL(), Since: info.StartedAt}
		hctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		h, herr := client.Health(hctx)
		cancel()
		v.Healthy, v.Version = herr == nil, h.Version
	}
	if g.JSON {
		if err := writeJSON(s.out, v); err != nil {
			return err
		}
	} else if v.Running {
		health := "healthy"
		if !v.Healthy {
			health = "not answering"
		}
		fmt.Fprintf(s.out, "Oz runs: %s (pid %d, since %s, %s)\n", v.URL, v.PID, v.Since.Local().Format(time.DateTime), health)
	} else {
		fmt.Fprintln(s.out, "Oz is not running (start it with `cocoder oz start`)")
	}
	if !v.Running {
		return &exitError{exitFailure}
	}
	return nil
}

type ozStopCmd struct{}

// Run asks the daemon to stop (SIGTERM) and waits for it; runs it
// launched keep running.
func (c *ozStopCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	info, err := oz.ReadDaemon(home)
	if err != nil {
		return err
	}
	if err := syscall.Kill(info.PID, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return errs.Wrap(errs.Unavailable, "oz stop", err, "cannot signal the daemon (pid %d)", info.PID)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := oz.ReadDaemon(home); errs.CodeOf(err) == errs.NotFound {
			fmt.Fprintf(s.out, "Oz stopped (pid %d)\n", info.PID)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errs.E(errs.Unavailable, "oz stop", "the daemon (pid %d) did not stop within 20s", info.PID)
}

type ozOpenCmd struct{}

// Run prints a login link; the token itself is never printed.
func (c *ozOpenCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	client, _, err := oz.Dial(home)
	if err != nil {
		return err
	}
	link, err := client.LoginLink(ctx)
	if err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, link)
	}
	fmt.Fprintf(s.out, "%s\n(single use, valid until %s)\n", link.URL, link.ExpiresAt.Local().Format(time.TimeOnly))
	return nil
}

type ozTokenCmd struct {
	Rotate bool `name:"rotate" help:"Replace the token: clients holding the old one and every dashboard session are refused at once."`
}

// Run prints the token file's path, or rotates the token (through the
// daemon when it runs, so it ends its sessions at once).
func (c *ozTokenCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	if !c.Rotate {
		fmt.Fprintf(s.out, "The Oz token is in %s (mode 0600); it is never printed.\n", oz.TokenPath(home))
		return nil
	}
	if client, _, err := oz.Dial(home); err == nil {
		if err := client.RotateToken(ctx); err != nil {
			return err
		}
	} else if errs.CodeOf(err) != errs.NotFound {
		return err
	} else if err := oz.RotateToken(home, "cli"); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "The Oz token was replaced (%s).\n", oz.TokenPath(home))
	return nil
}

// newLogger is the daemon's log: text lines on w (its stderr, which a
// background daemon points at oz/daemon.log).
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
