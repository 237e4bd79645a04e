package cocoder

import (
	"context"
	"os"

	"github.com/cocoder/cocoder/internal/demoagent"
	"github.com/cocoder/cocoder/internal/resultmcp"
)

// AgentMain runs the agent built into CoCoder when args (a program's
// arguments after its name) ask for it, and reports whether they did.
//
// Runs fall back to the built-in demo agent when no vendor agent CLI is
// installed, and start it as the embedding program itself: the executable
// in [run.Options].Self (by default the running program) with the
// arguments "agent demo ...". A program that embeds CoCoder and wants that
// fallback calls AgentMain first thing in main:
//
//	if code, ok := cocoder.AgentMain(ctx, os.Args[1:]); ok {
//		os.Exit(code)
//	}
//
// The demo agent reads its prompt, makes a small edit inside its lane's
// write scope, writes its job result and evidence and exits; see
// docs/adapters.md. It reads the process's environment and standard
// streams.
//
// It also serves "agent mcp ...": the result channel of agent-CLI lanes, a
// Model Context Protocol server the lane's CLI starts as the embedding
// program and the model reports its job result to (see docs/adapters.md).
func AgentMain(ctx context.Context, args []string) (code int, ok bool) {
	if len(args) < 2 || args[0] != "agent" {
		return 0, false
	}
	switch args[1] {
	case "demo":
		return demoagent.MainContext(ctx, args[2:], os.Getenv, os.Stdin, os.Stdout), true
	case "mcp":
		return resultmcp.Main(ctx, args[2:], os.Stdin, os.Stdout, os.Stderr), true
	}
	return 0, false
}
