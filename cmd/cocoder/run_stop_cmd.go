package main

import (
	"context"
	"fmt"

	"github.com/cocoder/cocoder/internal/errs"
)

type runStopCmd struct {
	RunID   string `arg:"" name:"run" help:"The run id."`
	Confirm string `name:"confirm" placeholder:"RUN" help:"The run id again, to confirm."`
}

// Run stops the run: it kills only this run's lanes (saving their
// transcripts) and records it aborted unless it had already ended.
func (c *runStopCmd) Run(ctx context.Context, g *globals, s *streams) error {
	if c.Confirm == "" {
		return usageError("stopping kills the run's lanes: confirm with `cocoder run stop %s --confirm %s`", c.RunID, c.RunID)
	}
	if c.Confirm != c.RunID {
		return errs.E(errs.Invalid, "", "to stop run %s, repeat its id: --confirm %s", c.RunID, c.RunID)
	}
	r, err := runnerFor(ctx, g, s)
	if err != nil {
		return err
	}
	defer r.Close()
	before, err := r.Get(ctx, c.RunID)
	if err != nil {
		return err
	}
	if err := r.Stop(ctx, c.RunID); err != nil {
		return err
	}
	st, err := r.Get(ctx, c.RunID)
	if err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, st)
	}
	if before.State.Terminal() {
		fmt.Fprintf(s.out, "Run %s had already ended (%s); what was left of its lanes was cleared.\n", c.RunID, st.State)
		return nil
	}
	fmt.Fprintf(s.out, "Run %s stopped: its lanes were killed and it is %s.\n", c.RunID, st.State)
	return nil
}
