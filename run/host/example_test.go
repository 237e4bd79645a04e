package host_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/host"
)

// ExampleDeliver starts a lane in a private tmux server and types its
// prompt into the agent's TUI, confirming the submission.
func ExampleDeliver() {
	ctx := context.Background()
	home := filepath.Join(os.Getenv("HOME"), ".cocoder")
	hst, err := host.NewTmux(host.TmuxOptions{Socket: host.SocketForHome(home)})
	if err != nil {
		fmt.Println(err) // tmux is not installed: ...
		return
	}
	runID := contract.NewRunID(time.Now())
	h, err := hst.Start(ctx, host.LaneSpec{
		RunID: runID, Lane: "writer", Title: "writer · builder · sonnet",
		Argv: []string{"claude", "--model", "sonnet"},
		Dir:  "/path/to/workspace",
		Env:  []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + os.Getenv("HOME"), "COCODER_RUN_ID=" + runID, "COCODER_LANE=writer"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := host.Deliver(ctx, hst, h, "Read lanes/writer/prompt.md and follow it.", host.DeliveryOptions{
		ReadyPattern: `^\s*[│ ]*>`, BusyPattern: `esc to interrupt`,
	})
	fmt.Println(out.Delivered, out.Attempts, out.Reason, err)
}
