package main

import (
	"context"
	"fmt"
	"syscall"

	"github.com/cocoder/cocoder/internal/errs"
)

type runAttachCmd struct {
	RunID string `arg:"" name:"run" help:"The run id."`
	Lane  string `arg:"" optional:"" name:"lane" help:"The lane to show first (default: the lead)."`
	Print bool   `name:"print" help:"Print the tmux command instead of running it."`
}

// Run replaces cocoder with `tmux -L <socket> attach-session -t <run>`
// (detach with the tmux prefix key, then d). With --print or --json it
// prints the command instead.
func (c *runAttachCmd) Run(ctx context.Context, g *globals, s *streams) error {
	r, err := runnerFor(ctx, g, s)
	if err != nil {
		return err
	}
	defer r.Close()
	argv, err := r.AttachCommand(ctx, c.RunID, c.Lane)
	if err != nil {
		return err
	}
	switch {
	case g.JSON:
		return writeJSON(s.out, map[string]any{"argv": argv})
	case c.Print:
		fmt.Fprintln(s.out, shellQuote(argv))
		return nil
	}
	_ = r.Close()
	if err := syscall.Exec(argv[0], argv, environ()); err != nil {
		return errs.Wrap(errs.Unavailable, "run attach", err, "cannot run %s", shellQuote(argv))
	}
	return nil
}
