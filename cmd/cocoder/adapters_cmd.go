package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/workspace"
)

// adaptersCmd shows whether each adapter can run lanes on this machine.
type adaptersCmd struct {
	List  adaptersListCmd  `cmd:"" help:"List the adapters (shipped and declared) and whether each is ready."`
	Check adaptersCheckCmd `cmd:"" help:"Check adapters in detail: installed, version, signed in, workspace trusted, what is missing and the fix."`
}

type adaptersListCmd struct {
	Dir string `name:"dir" default:"." placeholder:"DIR" help:"Directory whose workspace declarations and trust are checked, when it is inside a workspace."`
}

type adaptersCheckCmd struct {
	IDs   []string `arg:"" optional:"" name:"id" help:"Adapters to check (default: claude, codex and gemini, the vendor CLIs proven with the conformance kit)."`
	Dir   string   `name:"dir" default:"." placeholder:"DIR" help:"Directory whose workspace declarations and trust are checked, when it is inside a workspace."`
	Setup bool     `name:"setup" help:"Do the one-time steps CoCoder knows (trust the workspace; approve claude's ANTHROPIC_API_KEY) in the CLI's own files. Nothing is changed without this flag."`
}

// loadAdapters returns the adapters as a run in dir would see them, and the
// workspace root (empty outside a workspace).
func loadAdapters(ctx context.Context, g *globals, dir string) (map[string]*contract.Adapter, string, error) {
	home, err := g.openHome(ctx)
	if err != nil {
		return nil, "", err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", err
	}
	ws, err := findWorkspace(abs, false)
	if err != nil {
		return nil, "", err
	}
	dirs := []string{filepath.Join(home.Dir(), "adapters")}
	root := ""
	if ws != nil {
		dirs, root = append(dirs, ws.AdaptersDir()), ws.Root
	}
	all, err := adapter.Load(dirs...)
	if err != nil {
		return nil, "", err
	}
	if cfg, err := workspace.LoadConfig(home, ws); err == nil {
		adapter.ApplyConfig(all, cfg.Config.Adapters)
	}
	return all, root, nil
}

func (c *adaptersListCmd) Run(ctx context.Context, g *globals, s *streams) error {
	all, root, err := loadAdapters(ctx, g, c.Dir)
	if err != nil {
		return err
	}
	return printReadiness(ctx, g, s, all, slices.Sorted(maps.Keys(all)), root)
}

func (c *adaptersCheckCmd) Run(ctx context.Context, g *globals, s *streams) error {
	all, root, err := loadAdapters(ctx, g, c.Dir)
	if err != nil {
		return err
	}
	ids := c.IDs
	if len(ids) == 0 {
		ids = []string{"claude", "codex", "gemini"}
	}
	for _, id := range ids {
		if _, ok := all[id]; !ok {
			return fmt.Errorf("no adapter %q (known: %s)", id, strings.Join(slices.Sorted(maps.Keys(all)), ", "))
		}
	}
	if c.Setup {
		if root == "" {
			return fmt.Errorf("--setup trusts a workspace: run it inside one (or pass --dir)")
		}
		for _, id := range ids {
			did, err := adapter.Setup(all[id], adapter.ReadinessOptions{Getenv: s.getenv, Workspace: root})
			if err != nil {
				return err
			}
			for _, d := range did {
				fmt.Fprintf(s.err, "%s: %s\n", id, d)
			}
		}
	}
	return printReadiness(ctx, g, s, all, ids, root)
}

func printReadiness(ctx context.Context, g *globals, s *streams, all map[string]*contract.Adapter, ids []string, root string) error {
	self, _ := os.Executable()
	var out []adapter.Readiness
	for _, id := range ids {
		out = append(out, adapter.Inspect(ctx, all[id], adapter.ReadinessOptions{Getenv: s.getenv, Workspace: root, Self: self}))
	}
	if g.JSON {
		return writeJSON(s.out, out)
	}
	tw := tabwriter.NewWriter(s.out, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ADAPTER\tINSTALLED\tVERSION\tSIGNED IN\tTRUSTED\tREADY")
	for _, r := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, yesNo(r.Installed), or(r.Version, "-"), r.SignedIn, r.Trusted, yesNo(r.Ready()))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range out {
		for i, m := range r.Missing {
			fmt.Fprintf(s.out, "%s: %s\n  fix: %s\n", r.ID, m, r.Fix[i])
		}
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
