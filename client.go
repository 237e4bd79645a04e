package cocoder

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/secrets"
	"github.com/cocoder/cocoder/workspace"
)

// Config configures a [Client]. The zero Config is usable: the home
// ~/.cocoder, lanes on the home's private tmux server, the process's own
// environment.
type Config struct {
	// Home is the CoCoder home directory: configuration, secrets, the
	// workspace registry and run ledgers. Empty means ~/.cocoder. The
	// library never reads COCODER_HOME itself; the CLI does and passes it
	// here.
	Home string
	// Logger receives run state transitions and supervision notes. Nil
	// discards them.
	Logger *slog.Logger
	// Host is the kind of host lanes run on: "tmux" (the default: one
	// window per lane on a private tmux server) or "exec" (lanes as child
	// processes of this program, for CI and headless adapters).
	Host string
	// Getenv reads the environment runs see: the PATH agent CLIs are
	// found in, the variables lanes inherit (HOME, LANG, TERM) and
	// ${env:NAME} secret references. Nil means os.Getenv.
	Getenv func(string) string
	// PassEnv names further variables of this program copied into every
	// lane when set.
	PassEnv []string
	// Actor names who acts through this client in run ledgers (who
	// stopped a run, who sent a message), e.g. "cli" or your service's
	// name. Empty means "sdk".
	Actor string
	// Self is the absolute path of the program that plays the built-in
	// demo agent for lanes whose CLI is not installed (see [AgentMain]).
	// Empty means the running program.
	Self string
}

// Client is the entry point of the SDK: one CoCoder home, and the
// workspaces and runs it knows. A Client is safe for concurrent use.
type Client struct {
	home *workspace.Home
	cfg  Config
}

// Open opens (creating on first use) the home named by cfg and returns a
// Client for it. It refuses a home inside a git work tree that does not
// ignore it, because the home holds secrets. Errors are *Error values with
// code Invalid for a bad home or configuration and Internal for I/O
// failures.
func Open(ctx context.Context, cfg Config) (*Client, error) {
	const op = "cocoder.Open"
	switch cfg.Host {
	case "", host.KindTmux, host.KindExec:
	default:
		return nil, errs.E(errs.Invalid, op, "Config.Host %q is not a host: use %q or %q", cfg.Host, host.KindTmux, host.KindExec)
	}
	dir := cfg.Home
	if dir == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, op, err, "cannot find the user's home directory; set Config.Home")
		}
		dir = filepath.Join(h, ".cocoder")
	}
	home, err := workspace.OpenHome(ctx, dir)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Actor == "" {
		cfg.Actor = "sdk"
	}
	return &Client{home: home, cfg: cfg}, nil
}

// Home returns the client's home zone: its directory, configuration,
// registry and secret store.
func (c *Client) Home() *workspace.Home { return c.home }

// Registry returns the home's workspace registry.
func (c *Client) Registry() *workspace.Registry { return c.home.Registry() }

// Secrets opens the home's secret store.
func (c *Client) Secrets() (*secrets.Store, error) { return c.home.Secrets() }

// Workspace finds the workspace that contains dir (walking up to the first
// directory holding a cocoder/ governance folder). It returns an error with
// code NotFound when there is none.
func (c *Client) Workspace(dir string) (*workspace.Workspace, error) {
	return workspace.Find(dir)
}

// Init scaffolds a workspace's cocoder/ folder in dir from the template
// embedded in the library. It is idempotent and never overwrites a file
// that differs from the template; see [workspace.Init]. opts.Home is set
// to the client's home.
func (c *Client) Init(ctx context.Context, dir string, opts workspace.InitOptions) (*workspace.InitReport, error) {
	opts.Home = c.home
	return workspace.Init(ctx, dir, opts)
}

// Runner returns a run engine for ws, configured from the client's
// Config: its host, environment, logger and actor. With a nil ws it lists,
// inspects, waits on and stops runs of every workspace of the home, but
// cannot plan or start one. Close the Runner when done.
func (c *Client) Runner(ws *workspace.Workspace) (*run.Runner, error) {
	return run.New(run.Options{
		Home: c.home, Workspace: ws, HostKind: c.cfg.Host, Logger: c.cfg.Logger,
		Getenv: c.cfg.Getenv, PassEnv: c.cfg.PassEnv, Actor: c.cfg.Actor, Self: c.cfg.Self,
	})
}

// Validate checks contract files and directories: each file strictly
// against its contract, and when a directory holds routes, profiles and
// boundaries, the cross-document launch check, with the adapter
// declarations shipped in the library known. kind, when not empty, forces
// every file's contract kind.
func Validate(paths []string, kind contract.Kind) (*contract.Report, error) {
	adapters, err := adapter.Shipped()
	if err != nil {
		return nil, err
	}
	return contract.CheckPaths(paths, contract.CheckOptions{Kind: kind, Adapters: adapters})
}
