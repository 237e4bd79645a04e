package main

import (
	"context"
	"io"
	"strings"

	"github.com/cocoder/cocoder/internal/textx"
)

type runLogsCmd struct {
	RunID  string `arg:"" name:"run" help:"The run id."`
	Lane   string `arg:"" name:"lane" help:"The lane."`
	Follow bool   `name:"follow" short:"f" help:"Keep printing what the lane shows until its program ends (or Ctrl-C); not with --json."`
}

// printableWriter writes text with every control character but newline
// and tab escaped (textx.Printable).
type printableWriter struct{ w io.Writer }

func (p printableWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, textx.Printable(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// logsView is what `run logs --json` prints.
type logsView struct {
	Run        string `json:"run"`
	Lane       string `json:"lane"`
	Transcript string `json:"transcript"`
}

// Run prints the lane's transcript: its tmux pane's scrollback while the
// pane exists, else the transcript file saved in the ledger. With --json
// it prints {run, lane, transcript}; following a stream is text only.
func (c *runLogsCmd) Run(ctx context.Context, g *globals, s *streams) error {
	if g.JSON && c.Follow {
		return usageError("--follow streams the transcript as text and cannot be combined with --json; drop one of them")
	}
	r, err := runnerFor(ctx, g, s)
	if err != nil {
		return err
	}
	defer r.Close()
	if !g.JSON {
		// The lane's output is an agent's: its escape sequences (a
		// clipboard write, a screen clear) are shown, not obeyed.
		return r.Logs(ctx, c.RunID, c.Lane, c.Follow, printableWriter{s.out})
	}
	var b strings.Builder
	if err := r.Logs(ctx, c.RunID, c.Lane, false, &b); err != nil {
		return err
	}
	return writeJSON(s.out, logsView{Run: c.RunID, Lane: c.Lane, Transcript: b.String()})
}
