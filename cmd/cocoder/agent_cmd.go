package main

import (
	"context"

	"github.com/cocoder/cocoder/internal/demoagent"
)

// agentCmd groups the agents built into cocoder. It is hidden: lanes run
// it through adapter declarations, people do not.
type agentCmd struct {
	Demo agentDemoCmd `cmd:"" passthrough:"" help:"Run the built-in demo agent (see docs/adapters.md)."`
}

// agentDemoCmd hands every argument, flags included, to the demo agent.
type agentDemoCmd struct {
	Args []string `arg:"" optional:"" help:"Arguments of the demo agent (--help lists them)."`
}

func (c *agentDemoCmd) Run(ctx context.Context, s *streams) error {
	if code := demoagent.MainContext(ctx, c.Args, s.getenv, s.in, s.out); code != 0 {
		return &exitError{code}
	}
	return nil
}
