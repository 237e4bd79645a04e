package cocoder

import (
	"context"
	"os"

	"github.com/cocoder/cocoder/internal/demoagent"
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
func AgentMain(ctx context.Context, args []string) (code int, ok bool) {
	if len(args) < 2 || args[0] != "agent" || args[1] != "demo" {
		return 0, false
	}
	return demoagent.MainContext(ctx, args[2:], os.Getenv, os.Stdin, os.Stdout), true
}
