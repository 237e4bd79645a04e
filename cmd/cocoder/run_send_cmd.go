package main

import (
	"context"
	"fmt"

	runpkg "github.com/cocoder/cocoder/run"
)

type runSendCmd struct {
	RunID string `arg:"" name:"run" help:"The run id."`
	Lane  string `arg:"" name:"lane" help:"The lane to send to."`
	Text  string `arg:"" optional:"" name:"text" help:"The message (or --stdin)."`
	Stdin bool   `name:"stdin" help:"Read the message from standard input."`
}

// Run sends the message through acknowledged delivery.
func (c *runSendCmd) Run(ctx context.Context, g *globals, s *streams) error {
	text := c.Text
	switch {
	case c.Stdin && c.Text != "":
		return usageError("give the message as TEXT or with --stdin, not both")
	case c.Stdin:
		t, err := readLimited(s.in, runpkg.MaxSend, "the message on standard input")
		if err != nil {
			return err
		}
		text = t
	case text == "":
		return usageError("no message: give it as TEXT or pipe it with --stdin")
	}
	r, err := runnerFor(ctx, g, s)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.Send(ctx, c.RunID, c.Lane, text); err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, map[string]any{"run": c.RunID, "lane": c.Lane, "bytes": len(text), "delivered": true})
	}
	fmt.Fprintf(s.out, "Sent %d bytes to lane %s of run %s; the lane took it.\n", len(text), c.Lane, c.RunID)
	return nil
}
