package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/textx"
	runpkg "github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

type runStartCmd struct {
	planFlags
	Wait    bool          `name:"wait" help:"Stay and supervise until every lane has its result (or failed), then report."`
	Timeout time.Duration `name:"timeout" placeholder:"DURATION" help:"With --wait: how long the lanes have (e.g. 30m); a lane still running then is stopped. Default: no limit."`
	Host    string        `name:"host" enum:"tmux,exec" default:"tmux" help:"Where lanes run: tmux (panes you can attach to) or exec (child processes of this command; needs --wait)."`
	rootFlag
}

// Run plans and starts the run, printing progress on stderr as lanes start
// and prompts are acknowledged, then the run id and how to attach and
// stop. With --wait it exits 1 when a lane finished without an accepted
// result.
func (c *runStartCmd) Run(ctx context.Context, g *globals, s *streams) error {
	req, err := c.request()
	if err != nil {
		return err
	}
	if c.Host == host.KindExec && !c.Wait {
		return usageError("--host exec runs the lanes as children of this command, which would end with it: add --wait")
	}
	if c.Timeout < 0 || (c.Timeout > 0 && !c.Wait) {
		return usageError("--timeout needs --wait and a positive duration such as 30m")
	}
	ws, err := c.find()
	if err != nil {
		return err
	}
	c.warnRoot(s)
	r, _, err := newRunner(ctx, g, s, ws, c.Host)
	if err != nil {
		return err
	}
	defer r.Close()
	p, err := r.Plan(ctx, req)
	if err != nil {
		return err
	}
	// Progress comes from the subscription's goroutine and this one.
	errw := &syncWriter{w: s.err}
	for _, n := range p.Notices {
		fmt.Fprintf(errw, "notice: %s\n", n)
	}
	printLaneSecrets(errw, p)

	subCtx, stopSub := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range r.Subscribe(subCtx, p.RunID) {
			if line := progressLine(ev); line != "" {
				fmt.Fprintf(errw, "%s\n", line)
			}
		}
	}()
	finish := func() { stopSub(); <-done }

	st, err := r.Start(ctx, p)
	if err == nil && c.Wait {
		fmt.Fprintf(errw, "waiting for the lanes' results (attach: cocoder run attach %s)\n", st.RunID)
		st, err = r.Wait(ctx, st.RunID, runpkg.WaitOptions{Timeout: c.Timeout})
	}
	finish()
	return reportRun(ctx, g, s, r, st, err, c.Wait)
}

// reportRun prints what run start or run wait leaves behind: the run's
// view (--json: runView), then err, or, once the run was waited for and
// did not complete, why, with exit code 4.
func reportRun(ctx context.Context, g *globals, s *streams, r *runpkg.Runner, st contract.RunStatus, err error, waited bool) error {
	if st.RunID == "" {
		return err
	}
	v := viewOf(ctx, r, st)
	if g.JSON {
		if jerr := writeJSON(s.out, v); jerr != nil {
			return jerr
		}
	} else {
		printStarted(s.out, v, waited)
	}
	if err != nil {
		return err
	}
	if waited && st.State != contract.StateComplete {
		fmt.Fprintf(s.err, "cocoder: run %s is %s: %s\n  see `cocoder run status %s` and the closeout in its ledger\n", st.RunID, st.State, textx.OneLine(st.Reason), st.RunID)
		return &exitError{exitIncomplete}
	}
	return nil
}

// printStarted tells where the run is and what to do next: a run started
// without --wait is supervised by nobody until `run wait` runs.
func printStarted(w io.Writer, v runView, waited bool) {
	st := v.Run
	fmt.Fprintf(w, "Run %s is %s", st.RunID, st.State)
	if st.Reason != "" {
		fmt.Fprintf(w, " (%s)", st.Reason)
	}
	fmt.Fprintf(w, "\n  ledger  %s\n", v.Ledger)
	if len(v.Attach) > 0 {
		fmt.Fprintf(w, "  attach  %s\n", strings.Join(v.Attach, " "))
	}
	fmt.Fprintf(w, "  status  cocoder run status %s\n", st.RunID)
	if !waited && !st.State.Terminal() {
		fmt.Fprintf(w, "  wait    cocoder run wait %s   (collects the lanes' results: nothing does until it runs)\n", st.RunID)
	}
	if !st.State.Terminal() {
		fmt.Fprintf(w, "  stop    %s\n", strings.Join(v.Stop, " "))
	}
	if waited {
		fmt.Fprintln(w)
		printLanes(w, st, laneOrder(v.Ledger, st))
	}
}

// progressLine describes an event for the progress stream, or returns ""
// for events not worth a line. Text that comes from lanes (reasons) is
// kept on one line and stripped of terminal control sequences.
func progressLine(ev runpkg.RunEvent) string {
	lane := "lane " + textx.OneLine(ev.Lane)
	switch d := ev.Payload.(type) {
	case *ledger.RunCreatedData:
		return "ledger created"
	case *ledger.RunStateData:
		if d.Reason != "" {
			return fmt.Sprintf("run %s: %s", textx.OneLine(string(d.To)), textx.OneLine(d.Reason))
		}
		return "run " + textx.OneLine(string(d.To))
	case *ledger.LaneStartedData:
		if where := host.Where(d.Handle); where != "" {
			return lane + ": started " + textx.OneLine(where)
		}
		return lane + ": started"
	case *contract.DeliveryReport:
		if ev.Type == ledger.EventLanePromptFailed {
			return lane + ": prompt NOT delivered: " + textx.OneLine(d.Reason)
		}
		return lane + ": prompt delivered (" + textx.OneLine(d.Reason) + ")"
	case *ledger.LaneAttentionData:
		if ev.Type == ledger.EventLaneAttentionCleared {
			return lane + ": the " + textx.OneLine(textx.FirstNonEmpty(d.Dialog, "dialog")) + " dialog was answered; working again"
		}
		return lane + ": NEEDS ATTENTION: " + textx.OneLine(textx.FirstNonEmpty(d.Dialog, "a")) + " dialog on screen; " + textx.OneLine(d.Fix)
	case *ledger.LaneResultData:
		return lane + ": result " + textx.OneLine(d.Status)
	case *ledger.LaneExitedData:
		return strings.TrimSpace(fmt.Sprintf("%s: exited with status %d %s", lane, d.ExitCode, textx.OneLine(d.Reason)))
	case *ledger.ReasonData:
		return lane + ": " + strings.TrimPrefix(ev.Type, "lane.") + ": " + textx.OneLine(d.Reason)
	}
	return ""
}

// syncWriter serialises writes from several goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// printLaneSecrets says which secrets go to which lane: the variable
// names and the references they come from, never a value.
func printLaneSecrets(w io.Writer, p *runpkg.Plan) {
	for _, l := range p.Lanes {
		names := slices.Sorted(maps.Keys(l.Secrets))
		if len(names) == 0 {
			continue
		}
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = n + " from " + l.Secrets[n]
		}
		fmt.Fprintf(w, "secrets: lane %s gets %s\n", l.Lane, strings.Join(parts, ", "))
	}
}
