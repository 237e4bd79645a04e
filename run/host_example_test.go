package run_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cocoder/cocoder/run"
)

// ExampleDeliver starts a lane in a private tmux server and types its
// prompt into the agent's TUI, confirming the submission.
func ExampleDeliver() {
	ctx := context.Background()
	home := filepath.Join(os.Getenv("HOME"), ".cocoder")
	host, err := run.NewTmuxHost(run.TmuxOptions{Socket: run.SocketForHome(home)})
	if err != nil {
		fmt.Println(err) // tmux is not installed: ...
		return
	}
	runID := run.NewRunID(time.Now())
	h, err := host.Start(ctx, run.LaneSpec{
		RunID: runID, Lane: "writer", Title: "writer · builder · sonnet",
		Argv: []string{"claude", "--model", "sonnet"},
		Dir:  "/path/to/workspace",
		Env:  []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + os.Getenv("HOME"), "COCODER_RUN_ID=" + runID, "COCODER_LANE=writer"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := run.Deliver(ctx, host, h, "Read lanes/writer/prompt.md and follow it.", run.DeliveryOptions{
		ReadyPattern: `^\s*[│ ]*>`, BusyPattern: `esc to interrupt`,
	})
	fmt.Println(out.Delivered, out.Attempts, out.Reason, err)
}
