package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"syscall"

	"github.com/cocoder/cocoder/internal/errs"
	runpkg "github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
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
	if errs.CodeOf(err) == errs.Invalid {
		if lane := c.execLane(ctx, r); lane != "" {
			err = withHint(err, "read its output with `cocoder run logs %s %s --follow`", c.RunID, lane)
		}
	}
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

// execLane returns the lane attach was asked for (or, with none, the
// first lane started) when it runs on the exec host, else "".
func (c *runAttachCmd) execLane(ctx context.Context, r *runpkg.Runner) string {
	st, err := r.Get(ctx, c.RunID)
	if err != nil {
		return ""
	}
	for _, name := range slices.Sorted(maps.Keys(st.Lanes)) {
		ls := st.Lanes[name]
		if (c.Lane == "" || c.Lane == name) && ls.Handle != nil && ls.Handle.Host == host.KindExec {
			return name
		}
	}
	return ""
}
