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
	"github.com/cocoder/cocoder/workspace"
)

// Config configures a [Client]. The zero Config is usable.
type Config struct {
	// Home is the CoCoder home directory: configuration, secrets, the
	// workspace registry and run ledgers. Empty means ~/.cocoder. The
	// library never reads COCODER_HOME itself; the CLI does and passes it
	// here.
	Home string
	// Logger receives run state transitions and supervision notes. Nil
	// discards them.
	Logger *slog.Logger
}

// Client is the entry point of the SDK: one CoCoder home, and the
// workspaces and runs it knows. A Client is safe for concurrent use.
type Client struct {
	home   *workspace.Home
	logger *slog.Logger
}

// Open opens (creating on first use) the home named by cfg and returns a
// Client for it. It refuses a home inside a git work tree that does not
// ignore it, because the home holds secrets. Errors are *Error values with
// code Invalid for a bad home and Internal for I/O failures.
func Open(ctx context.Context, cfg Config) (*Client, error) {
	dir := cfg.Home
	if dir == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, "cocoder.Open", err, "cannot find the user's home directory; set Config.Home")
		}
		dir = filepath.Join(h, ".cocoder")
	}
	home, err := workspace.OpenHomeContext(ctx, dir)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{home: home, logger: logger}, nil
}

// Home returns the client's home zone.
func (c *Client) Home() *workspace.Home { return c.home }

// Workspace finds the workspace that contains dir (walking up to the first
// directory holding a cocoder/ governance folder). It returns an error with
// code NotFound when there is none.
func (c *Client) Workspace(dir string) (*workspace.Workspace, error) {
	return workspace.Find(dir)
}

// Init scaffolds a workspace's cocoder/ folder in dir from the template
// embedded in the library. It is idempotent and never overwrites a file
// that differs from the template; see [workspace.Init].
func (c *Client) Init(ctx context.Context, dir string, dryRun bool) (*workspace.InitReport, error) {
	return workspace.Init(ctx, dir, workspace.InitOptions{DryRun: dryRun, Home: c.home})
}

// Runner returns a run engine for ws (nil for one that only lists,
// inspects and stops runs of any workspace), using the home's private tmux
// server for lanes. Callers wanting another host or clock build a
// [run.Runner] with [run.New] directly.
func (c *Client) Runner(ws *workspace.Workspace) (*run.Runner, error) {
	return run.New(run.Options{Home: c.home, Workspace: ws, Logger: c.logger})
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
