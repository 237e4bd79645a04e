package main

import (
	"context"
	"fmt"

	"github.com/cocoder/cocoder/workspace"
)

type initCmd struct {
	Dir    string `arg:"" optional:"" default:"." help:"Repository root to scaffold (default: the current directory)."`
	DryRun bool   `name:"dry-run" help:"Show what would be created, skipped and in conflict, without writing."`
}

// Run scaffolds DIR/cocoder from the embedded template. Conflicting files
// are reported and left alone; they do not make the command fail.
func (c *initCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	rep, err := workspace.Init(ctx, c.Dir, workspace.InitOptions{DryRun: c.DryRun, Home: home})
	if err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, rep)
	}
	create, conflict := "created ", "conflict"
	if rep.DryRun {
		create = "would create"
		fmt.Fprintf(s.out, "Dry run: nothing written in %s.\n", rep.Root)
	} else {
		fmt.Fprintf(s.out, "Workspace %s\n", rep.Root)
	}
	for _, p := range rep.Created {
		fmt.Fprintf(s.out, "  %s  %s\n", create, p)
	}
	if n := len(rep.Skipped); n > 0 {
		fmt.Fprintf(s.out, "  %d file(s) already match the template\n", n)
	}
	for _, p := range rep.Conflicts {
		fmt.Fprintf(s.out, "  %s  %s: %s\n", conflict, p, rep.ConflictReasons[p])
	}
	if len(rep.Conflicts) > 0 {
		fmt.Fprintf(s.out, "Conflicting files were kept as they are. To get the template's version of one, move it aside and run init again.\n")
	}
	for _, n := range rep.Notices {
		fmt.Fprintf(s.out, "Note: %s\n", n)
	}
	if !rep.DryRun {
		fmt.Fprintf(s.out, "Next: describe your work in cocoder/PRIORITIES.md, check the tree with `cocoder validate %s/cocoder`, and register it with `cocoder workspace add %s`.\n", rep.Root, rep.Root)
	}
	return nil
}
