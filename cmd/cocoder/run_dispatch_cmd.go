package main

import (
	"context"
	"fmt"

	runpkg "github.com/cocoder/cocoder/run"
)

type runDispatchCmd struct {
	RunID string   `arg:"" name:"run" help:"The run id."`
	Lane  string   `arg:"" name:"lane" help:"The lane to dispatch (one that waits for the lead's dispatch)."`
	Brief string   `name:"brief" placeholder:"TEXT" help:"The lane's task, given to it with its prompt."`
	After []string `name:"after" placeholder:"LANE" help:"Start it only once these lanes have accepted results (repeatable)."`
}

// Run records the dispatch request; the run's supervisor (run start
// --wait, or run wait) starts the lane when the lanes it waits for have
// accepted results.
func (c *runDispatchCmd) Run(ctx context.Context, g *globals, s *streams) error {
	r, err := runnerFor(ctx, g, s)
	if err != nil {
		return err
	}
	defer r.Close()
	req := runpkg.DispatchRequest{Lane: c.Lane, Brief: c.Brief, After: c.After}
	if err := r.Dispatch(ctx, c.RunID, req); err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, req)
	}
	fmt.Fprintf(s.out, "Lane %s of run %s is dispatched; its supervisor starts it (`cocoder run wait %s` if none is running).\n", c.Lane, c.RunID, c.RunID)
	return nil
}
