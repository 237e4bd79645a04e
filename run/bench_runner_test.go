package run_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
)

// BenchmarkLaunch3Lanes measures launching the scaffold's three-lane run
// (lead, writer, verifier; the demo agent with its prompt in argv) to live
// tmux panes, against the bare tmux commands that make the same three
// panes running the same command lines. Each iteration does both, in
// turn, so load on the machine hits both alike, and reports:
//
//   - start-ms: Runner.Start (ledger with its fsynced events, plan,
//     packet, prompts, snapshot; three lanes; prompt outcomes recorded);
//   - plan-ms: Runner.Plan (documents, preflight, rendering), before it;
//   - raw-ms: new-session + two new-window, nothing else;
//   - start/raw and launch/raw: the ratios of start-ms and of
//     plan-ms + start-ms to raw-ms.
//
// Stopping each run is not timed. Both tmux servers keep an idle session,
// so neither side pays for starting a server.
func BenchmarkLaunch3Lanes(b *testing.B) {
	f := newFixture(b)
	f.self = testkit.Self(b)
	f.killServer()
	// The demo adapter with its prompt in argv: see the file's comment.
	f.write("cocoder/adapters/demo.yaml", readFile(b, filepath.Join("..", "bench", "launch-demo-adapter.yaml")))
	r := f.runner()
	ctx := b.Context()
	keep := func(sock string) {
		out, err := exec.Command("tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "keep", "/bin/sleep", "3600").CombinedOutput()
		require.NoError(b, err, "%s", out)
	}
	raw := "cct-rawl-" + testkit.RandHex(4)
	keep(raw)
	defer exec.Command("tmux", "-L", raw, "kill-server").Run()
	tmux := func(args ...string) {
		out, err := exec.Command("tmux", append([]string{"-L", raw, "-f", "/dev/null"}, args...)...).CombinedOutput()
		require.NoError(b, err, "%s", out)
	}
	launch := func() (plan, start time.Duration, p *run.Plan) {
		t0 := time.Now()
		p, err := r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
		require.NoError(b, err)
		t1 := time.Now()
		st, err := r.Start(ctx, p)
		require.NoError(b, err)
		t2 := time.Now()
		require.NoError(b, r.Stop(ctx, st.RunID))
		return t1.Sub(t0), t2.Sub(t1), p
	}
	_, _, first := launch() // registers the workspace, fills caches
	keep(host.SocketForHome(f.home.Dir()))
	var plans, starts, raws time.Duration
	i := 0
	for b.Loop() {
		i++
		s := "raw" + strconv.Itoa(i)
		t0 := time.Now()
		for j, l := range first.Lanes {
			args := []string{"new-window", "-d", "-t", s + ":", "-n", l.Lane}
			if j == 0 {
				args = []string{"new-session", "-d", "-s", s, "-n", l.Lane, "-x", "200", "-y", "50"}
			}
			args = append(args, "-c", f.root, "-e", "COCODER_RUN_ID="+first.RunID, "-e", "COCODER_LANE="+l.Lane,
				"-e", "COCODER_RESULT_FILE="+l.ResultFile, "-e", "COCODER_WORKSPACE="+f.root, "--")
			tmux(append(args, l.Argv...)...)
		}
		raws += time.Since(t0)
		tmux("kill-session", "-t", s)
		plan, start, _ := launch()
		plans += plan
		starts += start
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(i) / 1e6 }
	b.ReportMetric(ms(plans), "plan-ms")
	b.ReportMetric(ms(starts), "start-ms")
	b.ReportMetric(ms(raws), "raw-ms")
	b.ReportMetric(float64(starts)/float64(raws), "start/raw")
	b.ReportMetric(float64(plans+starts)/float64(raws), "launch/raw")
	b.ReportMetric(0, "ns/op")
}
