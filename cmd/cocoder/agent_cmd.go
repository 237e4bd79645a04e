package main

import (
	"context"

	"github.com/cocoder/cocoder/internal/agenthook"
	"github.com/cocoder/cocoder/internal/demoagent"
	"github.com/cocoder/cocoder/internal/resultmcp"
)

// agentCmd groups the agents built into cocoder. It is hidden: lanes run
// it through adapter declarations, people do not.
type agentCmd struct {
	Demo agentDemoCmd `cmd:"" passthrough:"" help:"Run the built-in demo agent (see docs/adapters.md)."`
	MCP  agentMCPCmd  `cmd:"" name:"mcp" passthrough:"" help:"Serve a lane's result channel to its agent CLI (started by the CLI, see docs/adapters.md)."`
	Hook agentHookCmd `cmd:"" name:"hook" passthrough:"" help:"Record one hook event of a lane's agent CLI in the lane's hook file (run by the CLI, see docs/adapters.md)."`
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

// agentMCPCmd serves the result channel of an agent-CLI lane: the MCP
// server its CLI starts (see internal/resultmcp).
type agentMCPCmd struct {
	Args []string `arg:"" optional:"" help:"Arguments computed by the engine (--result-file, --run, --lane, ...)."`
}

func (c *agentMCPCmd) Run(ctx context.Context, s *streams) error {
	if code := resultmcp.Main(ctx, c.Args, s.in, s.out, s.err); code != 0 {
		return &exitError{code}
	}
	return nil
}

// agentHookCmd is the hook program of an agent-CLI lane: the CLI runs it at
// each hook event the adapter declares (see internal/agenthook). It always
// exits 0 and prints nothing on stdout.
type agentHookCmd struct {
	Args []string `arg:"" optional:"" help:"Arguments computed by the engine (--file, --event)."`
}

func (c *agentHookCmd) Run(ctx context.Context, s *streams) error {
	agenthook.Main(ctx, c.Args, s.in, s.err)
	return nil
}
