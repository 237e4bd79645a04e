package main

import (
	"context"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/cocoder/cocoder"
	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/textx"
	"github.com/cocoder/cocoder/workspace"
)

// openHome opens (creating on first use) the CoCoder home named by --home,
// $COCODER_HOME or the default ~/.cocoder.
func (g *globals) openHome(ctx context.Context) (*workspace.Home, error) {
	c, err := g.client(ctx, nil, "")
	if err != nil {
		return nil, err
	}
	return c.Home(), nil
}

// client opens the home as openHome does, as an SDK client configured for
// the CLI: runs see the CLI's environment (s; nil for commands that start
// no run), lanes go to hostKind ("" for the default) and the ledger names
// the CLI as the actor.
func (g *globals) client(ctx context.Context, s *streams, hostKind string) (*cocoder.Client, error) {
	dir, err := g.homeDir()
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "home", err, "")
	}
	cfg := cocoder.Config{Home: dir, Host: hostKind, PassEnv: passEnv, Actor: "cli"}
	if s != nil {
		cfg.Getenv = s.getenv
	}
	c, err := cocoder.Open(ctx, cfg)
	if errs.CodeOf(err) == errs.Invalid {
		return nil, withHint(err, "choose the home with --home DIR or COCODER_HOME")
	}
	return c, err
}

type workspaceCmd struct {
	Add  workspaceAddCmd  `cmd:"" help:"Register the workspace containing PATH (default: the current directory)."`
	List workspaceListCmd `cmd:"" help:"List the registered workspaces."`
	Show workspaceShowCmd `cmd:"" help:"Show a registered workspace and its priorities."`
	Rm   workspaceRmCmd   `cmd:"" help:"Remove a workspace from the registry (its files and runs are left alone)."`
}

// workspaceView is a registry entry as the CLI prints it.
type workspaceView struct {
	ID         string    `json:"id"`
	Name       string    `json:"name,omitempty"`
	Path       string    `json:"path"`
	AbsPath    string    `json:"absPath,omitempty"`
	PathError  string    `json:"pathError,omitempty"`
	AddedAt    time.Time `json:"addedAt,omitzero"`
	LastSeenAt time.Time `json:"lastSeenAt,omitzero"`
}

type workspaceAddCmd struct {
	Path string `arg:"" optional:"" default:"." help:"The workspace root or any directory inside it."`
	Name string `placeholder:"NAME" help:"Display name (default: the directory's name)."`
}

func (c *workspaceAddCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(c.Path)
	if err != nil {
		return errs.Wrap(errs.Invalid, "workspace add", err, "")
	}
	reg := home.Registry()
	e, err := reg.Add(ctx, abs, c.Name)
	if errs.CodeOf(err) == errs.NotFound {
		return withHint(err, "run `cocoder init` in the repository root to scaffold its cocoder/ folder")
	}
	if err != nil {
		return err
	}
	tok, tokErr := reg.Tokens()
	v := entryView(tok, tokErr, e)
	if g.JSON {
		return writeJSON(s.out, v)
	}
	fmt.Fprintf(s.out, "Registered %s (%s) at %s\n", v.ID, v.Name, v.AbsPath)
	if filepath.IsAbs(e.Path) {
		fmt.Fprintf(s.out, "Stored as an absolute path: add a root that contains it (cocoder config set roots.NAME DIR) to make the registry portable across machines.\n")
	}
	return nil
}

// entryView expands an entry's path for display; an unresolvable path is
// shown with its error instead of failing the whole listing.
func entryView(tok workspace.Tokens, tokErr error, e contract.RegistryEntry) workspaceView {
	v := workspaceView{ID: e.ID, Name: e.Name, Path: e.Path, AddedAt: e.AddedAt, LastSeenAt: e.LastSeenAt}
	err := tokErr
	if err == nil {
		v.AbsPath, err = tok.Expand(e.Path)
	}
	if err != nil {
		v.PathError = err.Error()
	}
	return v
}

type workspaceListCmd struct{}

func (c *workspaceListCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	reg := home.Registry()
	list, err := reg.List(ctx)
	if err != nil {
		return err
	}
	tok, tokErr := reg.Tokens()
	views := make([]workspaceView, 0, len(list))
	for _, e := range list {
		views = append(views, entryView(tok, tokErr, e))
	}
	if g.JSON {
		return writeJSON(s.out, views)
	}
	if len(views) == 0 {
		fmt.Fprintf(s.out, "No workspaces registered in %s. Register one with `cocoder workspace add DIR`.\n", reg.Path())
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPATH\tLAST SEEN")
	for _, v := range views {
		p := v.AbsPath
		if v.PathError != "" {
			p = v.Path + "  (" + v.PathError + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.ID, v.Name, p, v.LastSeenAt.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

type workspaceShowCmd struct {
	ID string `arg:"" help:"Workspace id or name."`
}

// workspaceDetail is what `workspace show` prints.
type workspaceDetail struct {
	workspaceView
	Workspace     bool                 `json:"workspace"`
	Problem       string               `json:"problem,omitempty"`
	Priorities    []workspace.Priority `json:"priorities,omitempty"`
	PrioritiesErr string               `json:"prioritiesError,omitempty"`
}

// registered opens the home's registry and looks up idOrName in it.
func registered(ctx context.Context, g *globals, idOrName string) (*workspace.Registry, contract.RegistryEntry, error) {
	home, err := g.openHome(ctx)
	if err != nil {
		return nil, contract.RegistryEntry{}, err
	}
	reg := home.Registry()
	e, err := reg.Get(ctx, idOrName)
	if errs.CodeOf(err) == errs.NotFound {
		err = withHint(err, "`cocoder workspace list` shows the registered workspaces")
	}
	return reg, e, err
}

func (c *workspaceShowCmd) Run(ctx context.Context, g *globals, s *streams) error {
	reg, e, err := registered(ctx, g, c.ID)
	if err != nil {
		return err
	}
	tok, tokErr := reg.Tokens()
	d := workspaceDetail{workspaceView: entryView(tok, tokErr, e)}
	if d.AbsPath != "" {
		ws, err := workspace.Find(d.AbsPath)
		switch {
		case err != nil:
			d.Problem = err.Error()
		case ws.Root != d.AbsPath:
			d.Problem = fmt.Sprintf("%s is no longer a workspace root (the workspace found is %s)", d.AbsPath, ws.Root)
		default:
			d.Workspace = true
			d.Priorities, err = ws.Priorities()
			if err != nil {
				d.PrioritiesErr = err.Error()
			}
		}
	}
	if g.JSON {
		return writeJSON(s.out, d)
	}
	fmt.Fprintf(s.out, "id:         %s\nname:       %s\nstored as:  %s\n", d.ID, d.Name, d.Path)
	if d.PathError != "" {
		fmt.Fprintf(s.out, "path:       cannot resolve: %s\n", d.PathError)
	} else {
		fmt.Fprintf(s.out, "path:       %s\n", d.AbsPath)
	}
	fmt.Fprintf(s.out, "added:      %s\nlast seen:  %s\n", d.AddedAt.Local().Format(time.DateTime), d.LastSeenAt.Local().Format(time.DateTime))
	if d.Problem != "" {
		fmt.Fprintf(s.out, "problem:    %s\n", textx.OneLine(d.Problem))
	}
	if d.PrioritiesErr != "" {
		fmt.Fprintf(s.out, "priorities: %s\n", textx.OneLine(d.PrioritiesErr))
	}
	if len(d.Priorities) > 0 {
		fmt.Fprintln(s.out, "priorities:")
		tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
		for _, p := range d.Priorities {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Slug, p.State, textx.OneLine(p.Title)) // the repository's text
		}
		return tw.Flush()
	}
	return nil
}

type workspaceRmCmd struct {
	ID string `arg:"" help:"Workspace id or name."`
}

func (c *workspaceRmCmd) Run(ctx context.Context, g *globals, s *streams) error {
	reg, e, err := registered(ctx, g, c.ID)
	if err != nil {
		return err
	}
	if err := reg.Remove(ctx, e.ID); err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, map[string]any{"removed": e.ID})
	}
	fmt.Fprintf(s.out, "Removed %s from %s; its files and run ledgers are untouched.\n", e.ID, reg.Path())
	return nil
}
