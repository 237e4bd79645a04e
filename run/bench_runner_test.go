package run_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
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

// BenchmarkResultToEvent measures how long the supervisor takes to notice
// a lane's result: from the moment a lane program renames its result.json
// into place (it records the time in the result's createdAt) to the time
// of the lane.result event. Each iteration is one run of a one-lane route
// on the exec host whose lane writes its result and stays alive, so the
// result is noticed through file events, not the process's exit. It
// reports p50-ms and p95-ms over the iterations.
func BenchmarkResultToEvent(b *testing.B) {
	f := newFixture(b)
	f.link("date", "mv", "sleep", "cat")
	f.script("result-agent", `r="$COCODER_RESULT_FILE"; t=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
cat > "$r.tmp" <<END
{"status": "PASS", "runId": "$COCODER_RUN_ID", "lane": "writer", "persona": "writer", "adapter": "result-script", "canWrite": true,
 "filesChanged": ["none"], "summary": "done", "findings": [], "evidence": ["none needed"], "residualRisk": [], "nextAction": "none", "createdAt": "$t"}
END
mv "$r.tmp" "$r"; sleep 30`)
	f.write("cocoder/adapters/result-script.yaml", scriptAdapter("result-script", "result-agent"))
	f.write("cocoder/profiles/latency.yaml", "id: latency\nlabel: Latency\nlanes:\n  writer: {persona: writer, adapter: result-script, canWrite: true, writeBoundary: [src/**]}\n")
	f.write("cocoder/routes/solo.yaml", "id: solo\nlabel: Writer alone\nlead: writer\nteammates: []\nlanes: [writer]\ngates: [write-boundary]\nwritePolicy: one-writer\n")
	gitCmd(b, f.root, "add", "-A")
	gitCmd(b, f.root, "commit", "-qm", "latency")
	r := f.runner(func(o *run.Options) { o.HostKind = host.KindExec })
	ctx := b.Context()
	var lat []time.Duration
	for b.Loop() {
		p, err := r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder", Profile: "latency", Route: "solo"})
		require.NoError(b, err)
		st, err := r.Start(ctx, p)
		require.NoError(b, err)
		_, err = r.Wait(ctx, st.RunID, run.WaitOptions{Timeout: 20 * time.Second, Poll: 5 * time.Second})
		require.NoError(b, err)
		dir, err := r.LedgerDir(ctx, st.RunID)
		require.NoError(b, err)
		res, err := contract.Load[contract.JobResult](filepath.Join(dir, "lanes", "writer", "result.json"))
		require.NoError(b, err)
		evs, _, err := ledger.ReadEvents(dir)
		require.NoError(b, err)
		for _, ev := range evs {
			if ev.Type == ledger.EventLaneResult {
				lat = append(lat, ev.Time.Sub(res.CreatedAt))
			}
		}
		require.NoError(b, r.Stop(ctx, st.RunID))
	}
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[(n*95)/100].Microseconds())/1000, "p95-ms")
	}
}

// BenchmarkSupervise50IdleLanes measures what supervising costs while 50
// lanes work and nothing happens: a run of 50 read-only lanes, all started
// at once and each a program that sleeps, is supervised by Wait for a
// fixed window; the CPU time this process spends in that window (user and
// system, from getrusage) over the window's length is reported as cpu-%
// (percent of one core), and that of the programs it ran and waited for
// (the tmux clients) as children-cpu-%, for the exec host and the tmux
// host.
func BenchmarkSupervise50IdleLanes(b *testing.B) {
	for _, kind := range []string{host.KindExec, host.KindTmux} {
		b.Run(kind, func(b *testing.B) {
			f := newFixture(b)
			f.link("sleep")
			f.killServer()
			f.script("idle-agent", "exec sleep 120")
			f.write("cocoder/adapters/idle-script.yaml", scriptAdapter("idle-script", "idle-agent"))
			var prof, lanes strings.Builder
			prof.WriteString("id: idle\nlabel: Idle lanes\nlanes:\n")
			for i := range 50 {
				fmt.Fprintf(&prof, "  l%02d: {persona: verifier, adapter: idle-script, canWrite: false}\n", i)
				fmt.Fprintf(&lanes, "l%02d, ", i)
			}
			f.write("cocoder/profiles/idle.yaml", prof.String())
			f.write("cocoder/routes/idle.yaml", "id: idle\nlabel: Idle lanes\nlead: l00\nteammates: []\nallowAutonomousTeammateStart: true\nlanes: ["+strings.TrimSuffix(lanes.String(), ", ")+"]\ngates: [startup-packet]\nwritePolicy: read-only\n")
			gitCmd(b, f.root, "add", "-A")
			gitCmd(b, f.root, "commit", "-qm", "idle")
			r := f.runner(func(o *run.Options) { o.HostKind = kind })
			const window = 5 * time.Second
			for b.Loop() {
				p, err := r.Plan(b.Context(), run.PlanRequest{Priority: "try-cocoder", Profile: "idle", Route: "idle"})
				require.NoError(b, err)
				st, err := r.Start(b.Context(), p)
				require.NoError(b, err)
				ctx, cancel := context.WithTimeout(b.Context(), window+time.Second)
				done := make(chan struct{})
				go func() {
					defer close(done)
					_, _ = r.Wait(ctx, st.RunID, run.WaitOptions{})
				}()
				time.Sleep(time.Second) // let the first full check pass
				before, kids, t0 := cpuTime(syscall.RUSAGE_SELF), cpuTime(syscall.RUSAGE_CHILDREN), time.Now()
				time.Sleep(window - time.Second)
				used, usedKids, wall := cpuTime(syscall.RUSAGE_SELF)-before, cpuTime(syscall.RUSAGE_CHILDREN)-kids, time.Since(t0)
				cancel()
				<-done
				require.NoError(b, r.Stop(context.Background(), st.RunID))
				b.ReportMetric(100*used.Seconds()/wall.Seconds(), "cpu-%")
				b.ReportMetric(100*usedKids.Seconds()/wall.Seconds(), "children-cpu-%")
			}
		})
	}
}

// cpuTime is the user and system CPU time this process (RUSAGE_SELF) or
// its ended children (RUSAGE_CHILDREN: the tmux clients it ran) used.
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
