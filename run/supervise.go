package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/clock"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

// WaitOptions tune Wait.
type WaitOptions struct {
	// Timeout is how long the lanes have, from the call, to finish. A lane
	// still running then is stopped and recorded as lane.timeout. Zero
	// means no limit.
	Timeout time.Duration
	// Poll is the interval of the slow checks (whether each lane's
	// process still runs, and result files in case a file event was
	// missed). Default 1s. Result files are otherwise noticed at once
	// through file-system events.
	Poll time.Duration
}

// exitGrace is how long Wait waits for a host to know how a lane's
// program ended after it saw the program gone.
const exitGrace = 2 * time.Second

// ReadPlan reads the plan.json of a ledger directory. The plan cannot be
// started again; it tells what each lane was meant to be.
func ReadPlan(dir string) (*Plan, error) {
	b, err := contract.ReadFile(filepath.Join(dir, ledger.PlanFile))
	switch {
	case errors.Is(err, errs.ErrNotFound):
		return nil, errs.E(errs.NotFound, "run.ReadPlan", "%s has no %s: the run never got past its creation", dir, ledger.PlanFile)
	case errs.CodeOf(err) == errs.Invalid:
		return nil, errs.Wrap(errs.Invalid, "run.ReadPlan", err, "%s is damaged", filepath.Join(dir, ledger.PlanFile))
	case err != nil:
		return nil, errs.Wrap(errs.Unavailable, "run.ReadPlan", err, "cannot read %s", filepath.Join(dir, ledger.PlanFile))
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, errs.Wrap(errs.Invalid, "run.ReadPlan", err, "%s is damaged", filepath.Join(dir, ledger.PlanFile))
	}
	return &p, nil
}

// Wait supervises run runID until every started lane has finished: its
// result file exists, parses and validates as a job result whose identity
// (run id, lane, persona, adapter, and model when the plan names one)
// matches the plan (lane.result); or its program exited without one
// (lane.exited, with the exit code and why the result, if any, was
// refused); or it was gone from its host (lane.lost); or opts.Timeout
// passed (the lane is stopped, lane.timeout). Result files are watched
// with file-system events, with a slow poll (opts.Poll) as fallback and
// for the programs' liveness.
//
// Wait does not gate, commit or finalize. When every lane has an accepted
// result the run stays running, each lane done, for the gate and commit
// steps; when any lane finished without one, the run becomes blocked
// (resumable) with the lanes named in its reason. A run that ends
// otherwise (stopped from elsewhere) is returned as it is.
//
// Any process may call Wait; it records through the ledger like Start. It
// returns the status it left, and ctx's error when ctx ended first (the
// lanes keep running; Wait can be called again).
func (r *Runner) Wait(ctx context.Context, runID string, opts WaitOptions) (contract.RunStatus, error) {
	const op = "run.Runner.Wait"
	dir, err := r.runDir(ctx, runID)
	if err != nil {
		return contract.RunStatus{}, err
	}
	r.learnSecrets(ctx, dir) // a timeout saves transcripts before any ledger write
	plan, err := ReadPlan(dir)
	if err != nil {
		return contract.RunStatus{}, err
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	s := &supervisor{r: r, dir: dir, plan: plan, runID: runID, rejected: map[string]string{}}
	st, _, err := ledger.ReadStatus(dir)
	if err != nil {
		return st, err
	}
	s.pending = pendingLanes(st)

	watcher, werr := fsnotify.NewWatcher()
	var events <-chan fsnotify.Event
	if werr == nil {
		defer watcher.Close()
		s.watcher = watcher
		for _, lane := range s.pending {
			s.watch(lane)
		}
		// The lead's dispatch requests land in its dispatch directory.
		dispatchDir := filepath.Join(dir, ledger.LaneFile(plan.Lead, ledger.DispatchDir))
		if err := os.MkdirAll(dispatchDir, 0o700); err == nil {
			_ = watcher.Add(dispatchDir)
		}
		events = watcher.Events
	} else {
		r.log.Warn("no file events; polling only", "run", runID, "err", werr)
	}
	var deadline <-chan time.Time
	if opts.Timeout > 0 {
		t := time.NewTimer(opts.Timeout)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(opts.Poll)
	defer tick.Stop()

	check := func(alive bool) error {
		// One read of the status serves every lane of this round: the
		// ledger is replayed once, not once per lane; and one survey of
		// the host tells which lanes still run.
		st := s.status()
		var found map[string]host.LaneState
		var asked map[string]bool
		if alive {
			found, asked = s.survey(ctx, st)
		}
		for _, lane := range slices.Clone(s.pending) {
			var sv *host.LaneState
			if asked[lane] {
				ls := found[lane] // a lane asked about and not found is gone: not alive
				sv = &ls
			}
			if err := s.check(ctx, lane, alive, st.Lanes[lane], sv); err != nil {
				return err
			}
		}
		return nil
	}
	if err := check(true); err != nil {
		return s.status(), err
	}
	for {
		if err := s.dispatch(ctx); err != nil {
			return s.status(), err
		}
		if len(s.pending) == 0 && !s.waiting {
			break
		}
		if st := s.status(); st.State.Terminal() {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return s.status(), errs.Wrap(errs.Unavailable, op, ctx.Err(), "stopped waiting for run %s; its lanes keep running", runID)
		case ev := <-events:
			lane := filepath.Base(filepath.Dir(ev.Name))
			if filepath.Base(ev.Name) == ledger.ResultName && slices.Contains(s.pending, lane) {
				if err := s.check(ctx, lane, false, s.status().Lanes[lane], nil); err != nil {
					return s.status(), err
				}
			}
		case <-tick.C:
			if err := check(true); err != nil {
				return s.status(), err
			}
			s.hooks.poll(ctx, s)
		case <-deadline:
			if err := s.timeout(ctx, opts.Timeout); err != nil {
				return s.status(), err
			}
		}
	}
	return s.settle(ctx)
}

// pendingLanes are the lanes of st that run and have no verdict yet.
func pendingLanes(st contract.RunStatus) []string {
	var out []string
	for name, ls := range st.Lanes {
		if ls.Handle != nil && ls.State.Active() {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// supervisor is the state of one Wait call.
type supervisor struct {
	r        *Runner
	dir      string
	runID    string
	plan     *Plan
	pending  []string          // lanes started and without a verdict
	waiting  bool              // a requested dispatch waits for other lanes
	rejected map[string]string // lane → why its result file was refused
	refused  map[string]string // lane → the refusal last recorded
	dialogs  map[string]string // lane → the dialog its screen shows
	looked   map[string]look   // lane → when its screen was last read
	seen     ledgerView        // the ledger as last read
	watcher  *fsnotify.Watcher // nil when polling only
	hooks    hookWatch         // the lanes' hook files read so far (hooks.go)
}

// watch adds a lane's directory to the file events, when there are any.
func (s *supervisor) watch(lane string) {
	if s.watcher != nil {
		_ = s.watcher.Add(filepath.Join(s.dir, ledger.LaneFile(lane, "")))
	}
}

// status returns the run's status as the ledger says now (another process
// may have changed it).
func (s *supervisor) status() contract.RunStatus {
	_, st, _ := s.read()
	return st
}

// read returns the run's events and the status they replay to. They are
// read again only when events.jsonl changed since the last read: the file
// is append-only, so every event changes its size (a repair that moves a
// torn line aside does too). An idle round then costs one stat, not a
// decode of the whole ledger.
func (s *supervisor) read() ([]contract.Event, contract.RunStatus, error) {
	fi, err := os.Stat(filepath.Join(s.dir, ledger.EventsFile))
	if err == nil && s.seen.read && fi.Size() == s.seen.size && fi.ModTime().Equal(s.seen.mod) {
		return s.seen.evs, s.seen.st, nil
	}
	evs, _, rerr := ledger.ReadEvents(s.dir)
	if rerr != nil {
		return nil, contract.RunStatus{}, rerr
	}
	st, rerr := ledger.Replay(evs)
	if rerr != nil {
		return evs, st, errs.Wrap(errs.Invalid, "run.Runner.Wait", rerr, "ledger %s is damaged", s.dir)
	}
	if err == nil {
		s.seen = ledgerView{read: true, size: fi.Size(), mod: fi.ModTime(), evs: evs, st: st}
	}
	return evs, st, nil
}

// ledgerView is what the supervisor last read of the ledger, and the
// size and time of events.jsonl it was read at.
type ledgerView struct {
	read bool
	size int64
	mod  time.Time
	evs  []contract.Event
	st   contract.RunStatus
}

// withLedger runs fn with the ledger open for one operation.
func (s *supervisor) withLedger(ctx context.Context, fn func(*ledger.Ledger) error) error {
	l, err := s.r.openLedger(ctx, s.dir)
	if err != nil {
		return err
	}
	defer l.Close()
	return fn(l)
}

// done removes lane from the pending lanes.
func (s *supervisor) done(lane string) {
	s.pending = slices.DeleteFunc(s.pending, func(l string) bool { return l == lane })
}

// handle returns the lane's handle and host.
func (s *supervisor) handle(lane string) (contract.LaneHandle, host.Host, error) {
	return s.handleOf(lane, s.status().Lanes[lane])
}

// handleOf returns the handle and host of a lane whose status is ls.
func (s *supervisor) handleOf(lane string, ls contract.LaneStatus) (contract.LaneHandle, host.Host, error) {
	if ls.Handle == nil {
		return contract.LaneHandle{}, nil, errs.E(errs.Internal, "run.Runner.Wait", "lane %s has no handle", lane)
	}
	h := *ls.Handle
	hst, err := s.r.hostFor(h)
	return h, hst, err
}

// survey asks each host that can (host.Surveyor) about all its pending
// lanes at once. It returns what it found by lane, and the lanes it asked
// about: a lane asked about and not found is gone. Lanes of a host that
// cannot survey, or whose survey failed, are not asked about; check asks
// their host one by one.
func (s *supervisor) survey(ctx context.Context, st contract.RunStatus) (found map[string]host.LaneState, asked map[string]bool) {
	byHost := map[string][]contract.LaneHandle{}
	for _, lane := range s.pending {
		if h := st.Lanes[lane].Handle; h != nil {
			byHost[h.Host] = append(byHost[h.Host], *h)
		}
	}
	found, asked = map[string]host.LaneState{}, map[string]bool{}
	for _, hs := range byHost {
		hst, err := s.r.hostFor(hs[0])
		sv, ok := hst.(host.Surveyor)
		if err != nil || !ok {
			continue
		}
		got, err := sv.Survey(ctx, s.runID, hs)
		if err != nil {
			continue
		}
		for _, h := range hs {
			asked[h.Lane] = true
			if ls, ok := got[h.Lane]; ok {
				found[h.Lane] = ls
			}
		}
	}
	return found, asked
}

// check looks at one pending lane, whose status the caller read: its
// result file, and with alive its program — as sv says when the host was
// surveyed this round, else by asking the host. It records the lane's
// verdict when there is one.
func (s *supervisor) check(ctx context.Context, lane string, alive bool, ls contract.LaneStatus, sv *host.LaneState) error {
	if !ls.State.Active() {
		s.done(lane) // settled elsewhere (a stop, another supervisor)
		return nil
	}
	if res, ok := s.readResult(lane); ok {
		return s.accept(ctx, lane, res)
	}
	if err := s.recordRefusal(ctx, lane); err != nil {
		return err
	}
	if !alive {
		return nil
	}
	h, hst, err := s.handleOf(lane, ls)
	if err != nil {
		return err
	}
	var up bool
	if sv != nil {
		up = sv.Alive
	} else if up, err = hst.Alive(ctx, h); err != nil {
		return err
	}
	if up {
		return s.watchScreen(ctx, lane, ls, sv)
	}
	code, known, gone := exitStatus(ctx, hst, h)
	// The result may have landed just before the program ended.
	if res, ok := s.readResult(lane); ok {
		return s.accept(ctx, lane, res)
	}
	s.done(lane)
	return s.withLedger(ctx, func(l *ledger.Ledger) error {
		s.endTree(ctx, l, lane)
		if gone {
			return s.r.record(l, ledger.EventLaneLost, lane, ledger.ReasonData{Reason: "the lane's program is gone from its host without a result"})
		}
		reason := "the program exited without writing a result"
		if why := s.rejected[lane]; why != "" {
			reason = "the program exited; its result was refused: " + why
		}
		if !known {
			code, reason = -1, reason+" (exit status unknown)"
		}
		s.saveTranscript(ctx, l, lane, h, hst)
		return s.r.record(l, ledger.EventLaneExited, lane, ledger.LaneExitedData{ExitCode: code, Reason: reason})
	})
}

// recordRefusal records lane.result.refused once for each new reason a
// lane's result file was refused for, so the ledger and the lane's status
// say why at once, not only when the lane ends.
func (s *supervisor) recordRefusal(ctx context.Context, lane string) error {
	why := s.rejected[lane]
	if why == "" || s.refused[lane] == why {
		return nil
	}
	if s.refused == nil {
		s.refused = map[string]string{}
	}
	s.refused[lane] = why
	return s.withLedger(ctx, func(l *ledger.Ledger) error {
		return s.r.record(l, ledger.EventLaneResultRefused, lane, ledger.ReasonData{Reason: why})
	})
}

// exitStatus asks the host how a gone program ended, waiting up to
// exitGrace for it to know. gone is true when the host no longer has the
// lane at all.
func exitStatus(ctx context.Context, hst host.Host, h contract.LaneHandle) (code int, known, gone bool) {
	ex, ok := hst.(host.Exiter)
	if !ok {
		return 0, false, false
	}
	for end := time.Now().Add(exitGrace); ; {
		code, exited, err := ex.ExitStatus(ctx, h)
		switch {
		case err != nil && errs.CodeOf(err) == errs.NotFound:
			return 0, false, true
		case err == nil && exited:
			return code, true, false
		case time.Now().After(end) || clock.Sleep(ctx, 50*time.Millisecond) != nil:
			return 0, false, false
		}
	}
}

// readResult reads and checks the lane's result file. A file that is
// missing is not a result yet; one that does not parse, validate or match
// the lane is refused (the reason kept for the lane's verdict) and may be
// rewritten while the program runs.
func (s *supervisor) readResult(lane string) (*contract.JobResult, bool) {
	path := filepath.Join(s.dir, ledger.LaneFile(lane, ledger.ResultName))
	if _, err := os.Lstat(path); err != nil {
		return nil, false
	}
	res, err := contract.Load[contract.JobResult](path)
	if err == nil {
		err = s.identity(lane, res)
	}
	if err != nil {
		s.rejected[lane] = err.Error()
		return nil, false
	}
	return res, true
}

// identity checks that a result is the lane's.
func (s *supervisor) identity(lane string, res *contract.JobResult) error {
	pl, ok := s.plan.Lane(lane)
	if !ok {
		return fmt.Errorf("lane %s is not in the plan", lane)
	}
	var bad []string
	check := func(field, got, want string, optional bool) {
		if got != want && !(optional && got == "") {
			bad = append(bad, fmt.Sprintf("%s is %q, not %q", field, got, want))
		}
	}
	check("runId", res.RunID, s.runID, true)
	check("lane", res.Lane, lane, true)
	check("persona", res.Persona, pl.Persona, false)
	check("adapter", res.Adapter, pl.Adapter, false)
	if pl.Model != "" {
		check("model", res.Model, pl.Model, true)
	}
	if len(bad) > 0 {
		return fmt.Errorf("the result is not this lane's: %s", strings.Join(bad, "; "))
	}
	return nil
}

// accept records the lane's accepted result.
func (s *supervisor) accept(ctx context.Context, lane string, res *contract.JobResult) error {
	s.done(lane)
	delete(s.rejected, lane)
	return s.withLedger(ctx, func(l *ledger.Ledger) error {
		s.redactLaneFiles(l, lane)
		if err := s.r.record(l, ledger.EventLaneResult, lane, ledger.LaneResultData{Status: string(res.Status), Path: ledger.LaneFile(lane, ledger.ResultName)}); err != nil {
			return err
		}
		// The tree is read after the result is recorded, so noticing a
		// result does not wait for git.
		s.endTree(ctx, l, lane)
		return nil
	})
}

// Phases of a lane.tree event.
const (
	phaseStart = "start"
	phaseEnd   = "end"
)

// endTree records the work tree as a lane's verdict is recorded, closing
// the window of changes the scope gate may attribute to it.
func (s *supervisor) endTree(ctx context.Context, l *ledger.Ledger, lane string) {
	tree, err := s.r.tree(ctx, s.plan.Workspace)
	if err != nil {
		s.r.log.Warn("cannot read the work tree", "run", s.runID, "lane", lane, "err", err)
		return
	}
	tree.Phase = phaseEnd
	_ = s.r.record(l, ledger.EventLaneTree, lane, tree)
}

// maxLaneFile bounds what redactLaneFiles reads of a file a lane wrote.
const maxLaneFile = 1 << 20

// errLaneFileTooLarge refuses a lane file over maxLaneFile.
var errLaneFileTooLarge = errors.New("larger than 1 MiB")

// redactLaneFiles rewrites the files a lane wrote into the ledger (its
// result and summary) through the redactor, so a secret value an agent
// printed there is not kept at rest.
func (s *supervisor) redactLaneFiles(l *ledger.Ledger, lane string) {
	for _, name := range []string{ledger.ResultName, "result.md"} {
		rel := ledger.LaneFile(lane, name)
		data, err := fsx.ReadFileIn(s.dir, filepath.Join(s.dir, rel), maxLaneFile, func() error { return errLaneFileTooLarge })
		if err != nil {
			continue // absent, not a regular file inside the ledger, or too large
		}
		if red := s.r.redact(data); !bytes.Equal(red, data) {
			_ = l.WriteFile(rel, data)
		}
	}
}

// timeout stops every pending lane and records lane.timeout.
func (s *supervisor) timeout(ctx context.Context, limit time.Duration) error {
	return s.withLedger(ctx, func(l *ledger.Ledger) error {
		for _, lane := range slices.Clone(s.pending) {
			s.done(lane)
			reason := fmt.Sprintf("no accepted result within %s; the lane was stopped", limit)
			if why := s.rejected[lane]; why != "" {
				reason += "; its result was refused: " + why
			}
			s.endTree(ctx, l, lane)
			if h, hst, err := s.handle(lane); err == nil {
				s.saveTranscript(ctx, l, lane, h, hst)
				if err := hst.Kill(context.WithoutCancel(ctx), h); err != nil {
					reason += fmt.Sprintf(" (stopping it failed: %v)", err)
				}
			}
			if err := s.r.record(l, ledger.EventLaneTimeout, lane, ledger.ReasonData{Reason: reason}); err != nil {
				return err
			}
		}
		return nil
	})
}

// saveTranscript keeps what a tmux lane showed, in its transcript file,
// when it has none yet (the exec host writes its own as the lane runs).
func (s *supervisor) saveTranscript(ctx context.Context, l *ledger.Ledger, lane string, h contract.LaneHandle, hst host.Host) {
	if h.Host != host.KindTmux {
		return
	}
	rel := ledger.LaneFile(lane, ledger.TranscriptName)
	if _, err := os.Lstat(filepath.Join(s.dir, rel)); err == nil {
		return
	}
	if text, err := hst.Capture(ctx, h, 100000); err == nil {
		_ = l.WriteFile(rel, []byte(text+"\n"))
	}
}

// settle ends supervision once no lane is pending and no dispatch waits:
// it records the exits of lanes that finished with a result, finalizes the
// run (gates, commits, closeout, final state) and releases the workspace
// lock.
func (s *supervisor) settle(ctx context.Context) (contract.RunStatus, error) {
	defer s.r.releaseLock(s.runID)
	err := s.withLedger(ctx, func(l *ledger.Ledger) error {
		st := l.Status()
		for _, name := range slices.Sorted(maps.Keys(st.Lanes)) {
			ls := st.Lanes[name]
			if ls.Handle != nil && ls.State == contract.LaneDone && ls.ExitCode == nil {
				s.recordExit(ctx, l, name, *ls.Handle)
			}
		}
		if st.State != contract.StateRunning {
			return nil
		}
		return s.finalize(ctx, l)
	})
	return s.status(), err
}

// recordExit records how a lane's program ended once it has, and saves its
// transcript; a program still running (an agent that stays open) is left
// alone.
func (s *supervisor) recordExit(ctx context.Context, l *ledger.Ledger, lane string, h contract.LaneHandle) {
	hst, err := s.r.hostFor(h)
	if err != nil {
		return
	}
	if up, err := hst.Alive(ctx, h); err != nil || up {
		return
	}
	code, known, gone := exitStatus(ctx, hst, h)
	if !known || gone {
		return
	}
	s.saveTranscript(ctx, l, lane, h, hst)
	_ = s.r.record(l, ledger.EventLaneExited, lane, ledger.LaneExitedData{ExitCode: code})
}
