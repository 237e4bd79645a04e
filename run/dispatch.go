package run

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/textx"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/cocoder/cocoder/run/prompt"
)

// DispatchRequest asks for a lane that waits for the lead's dispatch to get
// its work. The lead writes one as a JSON object ({"lane": ..., "brief":
// ..., "after": [...]}) into its dispatch directory,
// lanes/<lead>/dispatch/ in the ledger, as its prompt says; an operator
// passes one to Runner.Dispatch.
type DispatchRequest struct {
	// Lane is the lane to dispatch.
	Lane string `json:"lane"`
	// Brief is the task, given to the lane with its prompt.
	Brief string `json:"brief,omitempty"`
	// After lists lanes whose accepted results the dispatch waits for
	// (for a verifier: the writers). When one of them finishes without an
	// accepted result, the dispatch is cancelled.
	After []string `json:"after,omitempty"`
}

// dispatchGrace is how long a request file that does not decode may still
// be being written before it is refused.
const dispatchGrace = 2 * time.Second

// maxBrief bounds a dispatch brief; maxDispatchFile a request file.
const (
	maxBrief        = 16 << 10
	maxDispatchFile = 32 << 10
	maxDispatchDir  = 64
)

// check validates a request against the plan: a lane that waits for
// dispatch, and known lanes to wait for.
func (d DispatchRequest) check(p *Plan) error {
	pl, ok := p.Lane(d.Lane)
	switch {
	case !ok:
		return fmt.Errorf("lane %q is not a lane of this run", d.Lane)
	case pl.StartupMode != prompt.StartupWaitForDispatch:
		return fmt.Errorf("lane %s does not wait for dispatch (its startup mode is %s)", d.Lane, pl.StartupMode)
	case len(d.Brief) > maxBrief:
		return fmt.Errorf("the brief for lane %s is %d bytes; keep it under %d KiB (point at files for more)", d.Lane, len(d.Brief), maxBrief>>10)
	}
	for _, a := range d.After {
		if _, ok := p.Lane(a); !ok || a == d.Lane {
			return fmt.Errorf("lane %s cannot wait for %q: name other lanes of this run", d.Lane, a)
		}
	}
	return nil
}

// Dispatch asks for lane req.Lane of run runID, which waits for the lead's
// dispatch, to get its work: at once, or once the lanes in req.After have
// accepted results. It records lane.dispatch.requested; the run's
// supervisor (Wait) starts the lane and delivers its prompt with the
// brief, recording lane.dispatched. A lane is dispatched once.
//
// Errors: errs.Invalid for a lane that does not wait for dispatch or a bad
// request, errs.Conflict when the lane was already dispatched or the run
// has ended, errs.NotFound for an unknown run.
func (r *Runner) Dispatch(ctx context.Context, runID string, req DispatchRequest) error {
	const op = "run.Runner.Dispatch"
	dir, err := r.runDir(ctx, runID)
	if err != nil {
		return err
	}
	p, err := ReadPlan(dir)
	if err != nil {
		return err
	}
	if err := req.check(p); err != nil {
		return errs.E(errs.Invalid, op, "%v", err)
	}
	l, err := r.openLedger(ctx, dir)
	if err != nil {
		return err
	}
	defer l.Close()
	if st := l.Status(); st.State.Terminal() {
		return errs.E(errs.Conflict, op, "run %s is %s: nothing more is dispatched", runID, st.State)
	}
	evs, _, err := ledger.ReadEvents(dir)
	if err != nil {
		return err
	}
	if requestedLanes(evs)[req.Lane] {
		return errs.E(errs.Conflict, op, "lane %s of run %s was already dispatched", req.Lane, runID)
	}
	return r.record(l, ledger.EventLaneDispatchRequested, req.Lane, ledger.DispatchData{Brief: req.Brief, After: req.After, By: r.actor})
}

// requestedLanes are the lanes a dispatch was requested for.
func requestedLanes(evs []contract.Event) map[string]bool {
	out := map[string]bool{}
	for _, ev := range evs {
		if ev.Type == ledger.EventLaneDispatchRequested {
			out[ev.Lane] = true
		}
	}
	return out
}

// pendingDispatch is a requested dispatch not yet carried out or
// cancelled.
type pendingDispatch struct {
	lane string
	data ledger.DispatchData
}

// dispatchState reads the dispatches of a run from its events: those still
// pending, in request order, and the request files already taken.
func dispatchState(evs []contract.Event) (pending []pendingDispatch, files map[string]bool) {
	files = map[string]bool{}
	open := map[string]int{}
	for _, ev := range evs {
		var d ledger.DispatchData
		switch ev.Type {
		case ledger.EventLaneDispatchRequested:
			_ = ledger.DecodeData(ev, &d)
			open[ev.Lane] = len(pending)
			pending = append(pending, pendingDispatch{lane: ev.Lane, data: d})
			if d.File != "" {
				files[d.File] = true
			}
		case ledger.EventLaneDispatched, ledger.EventLaneDispatchCancelled:
			_ = ledger.DecodeData(ev, &d)
			if d.File != "" {
				files[d.File] = true
			}
			if i, ok := open[ev.Lane]; ok {
				pending[i].lane = ""
				delete(open, ev.Lane)
			}
		}
	}
	return slices.DeleteFunc(pending, func(p pendingDispatch) bool { return p.lane == "" }), files
}

// dispatchFiles reads the lead's dispatch requests not yet taken, in name
// order. A file that is not a request is returned with its problem.
func dispatchFiles(dir, lead string, taken map[string]bool) (reqs []DispatchRequest, rels []string, bad map[string]string) {
	rel := ledger.LaneFile(lead, ledger.DispatchDir)
	ents, err := os.ReadDir(filepath.Join(dir, rel))
	if err != nil {
		return nil, nil, nil
	}
	bad = map[string]string{}
	for i, e := range ents {
		name := filepath.Join(rel, e.Name())
		if taken[name] || strings.HasPrefix(e.Name(), ".") || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		if i >= maxDispatchDir {
			bad[name] = fmt.Sprintf("more than %d files in %s; later ones are ignored", maxDispatchDir, rel)
			break
		}
		req, err := readDispatch(dir, name)
		if err != nil {
			// A file being written is not a refusal yet: it gets a grace
			// period before it counts as bad.
			if info, ierr := e.Info(); ierr == nil && time.Since(info.ModTime()) < dispatchGrace {
				continue
			}
			bad[name] = err.Error()
			continue
		}
		reqs, rels = append(reqs, req), append(rels, name)
	}
	return reqs, rels, bad
}

// readDispatch decodes one request file, rel inside the ledger directory
// dir, strictly: a regular file read through a root confined to the ledger
// (no symlink out, no FIFO to block on), bounded, with known fields only.
func readDispatch(dir, rel string) (DispatchRequest, error) {
	var req DispatchRequest
	path := filepath.Join(dir, rel)
	b, err := fsx.ReadFileIn(dir, path, maxDispatchFile, func() error {
		return fmt.Errorf("%s is larger than %d KiB", filepath.Base(path), maxDispatchFile>>10)
	})
	if err != nil {
		return req, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("%s is not a dispatch request ({\"lane\": ..., \"brief\": ..., \"after\": [...]}): %v", filepath.Base(path), err)
	}
	return req, nil
}

// afterVerdict says whether a dispatch waiting for lanes may go: ready when
// every lane it waits for has an accepted result, cancelled (with why)
// when one finished without one.
func afterVerdict(st contract.RunStatus, after []string) (ready bool, cancel string) {
	for _, a := range after {
		ls := st.Lanes[a]
		switch {
		case ls.State == contract.LaneDone && contract.ResultStatus(ls.Result).Accepting():
			continue
		case ls.State == contract.LaneDone:
			return false, fmt.Sprintf("lane %s, which it waited for, reported %s", a, ls.Result)
		case ls.State == contract.LanePlanned || ls.State.Active():
			return false, ""
		default:
			return false, fmt.Sprintf("lane %s, which it waited for, ended without an accepted result (%s)", a, ls.State)
		}
	}
	return true, ""
}

// startDispatched starts a dispatched lane: its brief is written beside its
// prompt and the lane is started on the host. A prompt that must be typed
// or confirmed on screen is left to the returned delivery, which the
// caller runs once the ledger is released (it watches the screen for
// seconds) and whose events it records; nil when there is none.
func (s *supervisor) startDispatched(ctx context.Context, l *ledger.Ledger, d pendingDispatch) (delivery func() []contract.Event, err error) {
	r, p := s.r, s.plan
	pl, _ := p.Lane(d.lane)
	brief := d.data.Brief
	if strings.TrimSpace(brief) == "" {
		brief = "Do your part of the priority as your prompt describes."
	}
	by := textx.FirstNonEmpty(d.data.By, "the lead")
	text := fmt.Sprintf("# Task from %s\n\n%s\n", by, brief)
	if err := l.WriteFile(ledger.LaneFile(d.lane, ledger.BriefName), []byte(text)); err != nil {
		return nil, err
	}
	if err := r.record(l, ledger.EventLaneDispatched, d.lane, d.data); err != nil {
		return nil, err
	}
	if tree, err := r.tree(ctx, p.Workspace); err == nil {
		tree.Phase = phaseStart
		_ = r.record(l, ledger.EventLaneTree, d.lane, tree)
	}
	resolver, err := r.resolver()
	if err != nil {
		return nil, r.record(l, ledger.EventLaneStartFailed, d.lane, ledger.ReasonData{Reason: err.Error()})
	}
	env, err := resolver.Resolve(ctx, pl.Secrets)
	if err != nil {
		return nil, r.record(l, ledger.EventLaneStartFailed, d.lane, ledger.ReasonData{Reason: "a secret no longer resolves: " + err.Error()})
	}
	r.remember(env.Values())
	hst, err := r.startHost()
	if err != nil {
		return nil, r.record(l, ledger.EventLaneStartFailed, d.lane, ledger.ReasonData{Reason: err.Error()})
	}
	if err := r.record(l, ledger.EventLaneLaunching, d.lane, ledger.LaunchingData{Host: p.Host}); err != nil {
		return nil, err
	}
	h, err := hst.Start(ctx, r.laneSpec(p, pl, env))
	if err != nil {
		return nil, r.record(l, ledger.EventLaneStartFailed, d.lane, ledger.ReasonData{Reason: errText(err)})
	}
	if err := r.record(l, ledger.EventLaneStarted, d.lane, ledger.LaneStartedData{Handle: h}); err != nil {
		_ = hst.Kill(context.WithoutCancel(ctx), h)
		return nil, err
	}
	s.pending = append(s.pending, d.lane)
	if out, typed := untypedDelivery(p, pl); !typed {
		return nil, r.record(l, ledger.EventLanePromptDelivered, d.lane, out)
	}
	return func() []contract.Event { return deliverInitial(ctx, hst, h, pl) }, nil
}

// dispatch takes the lead's new dispatch requests and carries out the
// pending ones whose lanes may start now. It sets s.waiting when a
// dispatch still waits for other lanes.
func (s *supervisor) dispatch(ctx context.Context) error {
	evs, _, err := s.read()
	if err != nil {
		return err
	}
	pending, taken := dispatchState(evs)
	requested := requestedLanes(evs)
	lead := s.plan.Lead
	reqs, rels, bad := dispatchFiles(s.dir, lead, taken)
	if len(reqs) == 0 && len(bad) == 0 && len(pending) == 0 {
		s.waiting = false
		return nil
	}
	var deliveries []func() []contract.Event
	err = s.withLedger(ctx, func(l *ledger.Ledger) error {
		for _, rel := range slices.Sorted(maps.Keys(bad)) {
			if err := s.r.record(l, ledger.EventLaneDispatchCancelled, lead, ledger.DispatchData{File: rel, By: lead, Reason: bad[rel]}); err != nil {
				return err
			}
		}
		for i, req := range reqs {
			d := ledger.DispatchData{File: rels[i], Brief: req.Brief, After: req.After, By: lead}
			target := req.Lane
			switch err := req.check(s.plan); {
			case err != nil:
				d.Reason, target = err.Error(), lead
			case requested[req.Lane]:
				d.Reason, target = "lane "+req.Lane+" was already dispatched", lead
			}
			if d.Reason != "" {
				if err := s.r.record(l, ledger.EventLaneDispatchCancelled, target, d); err != nil {
					return err
				}
				continue
			}
			requested[req.Lane] = true
			if err := s.r.record(l, ledger.EventLaneDispatchRequested, req.Lane, d); err != nil {
				return err
			}
			pending = append(pending, pendingDispatch{lane: req.Lane, data: d})
		}
		s.waiting = false
		for _, d := range pending {
			st := l.Status()
			if st.State.Terminal() {
				d.data.Reason = "the run is " + string(st.State)
				if err := s.r.record(l, ledger.EventLaneDispatchCancelled, d.lane, d.data); err != nil {
					return err
				}
				continue
			}
			ready, cancel := afterVerdict(st, d.data.After)
			switch {
			case cancel != "":
				d.data.Reason = cancel
				if err := s.r.record(l, ledger.EventLaneDispatchCancelled, d.lane, d.data); err != nil {
					return err
				}
			case ready:
				deliver, err := s.startDispatched(ctx, l, d)
				if err != nil {
					return err
				}
				if deliver != nil {
					deliveries = append(deliveries, deliver)
				}
				s.watch(d.lane)
			default:
				s.waiting = true
			}
		}
		return nil
	})
	if err != nil || len(deliveries) == 0 {
		return err
	}
	// The dispatched lanes' prompts are delivered in parallel with the
	// ledger released, then recorded.
	outs := make([][]contract.Event, len(deliveries))
	var wg sync.WaitGroup
	for i, deliver := range deliveries {
		wg.Go(func() { outs[i] = deliver() })
	}
	wg.Wait()
	return s.withLedger(ctx, func(l *ledger.Ledger) error {
		_, err := s.r.appendAll(l, slices.Concat(outs...))
		return err
	})
}
