package main

import "context"

type runLogsCmd struct {
	RunID  string `arg:"" name:"run" help:"The run id."`
	Lane   string `arg:"" name:"lane" help:"The lane."`
	Follow bool   `name:"follow" short:"f" help:"Keep printing what the lane shows until its program ends (or Ctrl-C)."`
}

// Run prints the lane's transcript: its tmux pane's scrollback while the
// pane exists, else the transcript file saved in the ledger.
func (c *runLogsCmd) Run(ctx context.Context, g *globals, s *streams) error {
	r, err := runnerFor(ctx, g, s)
	if err != nil {
		return err
	}
	defer r.Close()
	return r.Logs(ctx, c.RunID, c.Lane, c.Follow, s.out)
}
