package main

import (
	"context"
	"time"

	runpkg "github.com/cocoder/cocoder/run"
)

type runWaitCmd struct {
	RunID   string        `arg:"" name:"run" help:"The run id."`
	Timeout time.Duration `name:"timeout" placeholder:"DURATION" help:"How long the lanes have from now (e.g. 30m); a lane still running then is stopped. Default: no limit."`
	rootFlag
}

// Run supervises a run started without --wait (or whose supervisor
// ended) until every lane has a verdict, like `run start --wait`.
func (c *runWaitCmd) Run(ctx context.Context, g *globals, s *streams) error {
	if c.Timeout < 0 {
		return usageError("--timeout must be a positive duration such as 30m")
	}
	c.warnRoot(s)
	r, err := runnerFor(ctx, g, s)
	if err != nil {
		return err
	}
	defer r.Close()
	st, err := r.Wait(ctx, c.RunID, runpkg.WaitOptions{Timeout: c.Timeout})
	return reportRun(ctx, g, s, r, st, err, true)
}
