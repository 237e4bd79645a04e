package run

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/gitx"
	"github.com/cocoder/cocoder/internal/textx"
	"github.com/cocoder/cocoder/run/ledger"
)

// Trailers of the commits the engine makes.
const (
	TrailerRun     = "Cocoder-Run"
	TrailerLane    = "Cocoder-Lane"
	TrailerPersona = "Cocoder-Persona"
	TrailerModel   = "Cocoder-Model"
	TrailerReceipt = "Cocoder-Receipt"
)

// findReceiptDepth is how many recent commits are searched for a receipt
// trailer when a commit's outcome was not recorded (a crash in between).
const findReceiptDepth = 200

// attribution is what the scope gate decided for the changes of the work
// tree during the run.
type attribution struct {
	// byLane maps a lane to the changed paths inside its write scope.
	byLane map[string][]string
	// refused are changed paths that will not be committed, with why.
	refused []ledger.PathVerdict
	// readOnly maps a lane that may not write to the paths that changed
	// while it alone (with other read-only lanes) was working.
	readOnly map[string][]string
}

// laneScope returns the scope lane may write in during the run, and
// whether it may write at all: a writer's write scope, or the lead's
// support-commit scope when the route grants one.
func laneScope(p *Plan, route *contract.Route, lane string) (contract.Scope, bool) {
	pl, ok := p.Lane(lane)
	if !ok {
		return contract.Scope{}, false
	}
	if pl.CanWrite && pl.Scope != nil {
		return *pl.Scope, true
	}
	if c := route.LeadSupportCommit; c != nil && c.Enabled && slices.Contains(c.Leads, lane) {
		return c.Scope(), true
	}
	return contract.Scope{}, false
}

// attribute walks the run's work-tree snapshots in order: each interval
// between two of them changed some paths while a set of lanes worked. A
// changed path inside a working lane's scope is that lane's; one outside
// every working writer's scope is refused; one changed while only lanes
// that may not write were working is held against them.
func attribute(evs []contract.Event, now ledger.TreeData, p *Plan, route *contract.Route) attribution {
	a := attribution{byLane: map[string][]string{}, readOnly: map[string][]string{}}
	verdict := map[string][]string{} // path → why it is refused, in order
	owner := map[string]string{}
	running := map[string]bool{}
	var prev ledger.TreeData
	judge := func(cur ledger.TreeData) {
		lanes := slices.Sorted(maps.Keys(running))
		for _, path := range changedSince(prev, cur) {
			delete(owner, path)
			var writers, readers []string
			for _, lane := range lanes {
				scope, writes := laneScope(p, route, lane)
				switch {
				case writes && scope.AllowsWith(path, p.scopeMatch()):
					if owner[path] == "" {
						owner[path] = lane
					}
				case writes:
					writers = append(writers, lane)
				default:
					readers = append(readers, lane)
				}
			}
			why := ""
			switch {
			case owner[path] != "":
			case len(writers) > 0:
				why = "outside the write scope of " + strings.Join(writers, ", ")
			case len(readers) > 0:
				why = "changed while only read-only lanes worked: " + strings.Join(readers, ", ")
				for _, r := range readers {
					a.readOnly[r] = append(a.readOnly[r], path)
				}
			default:
				why = "changed while no lane was working"
			}
			if why != "" && !slices.Contains(verdict[path], why) {
				verdict[path] = append(verdict[path], why)
			}
		}
		prev = cur
	}
	for _, ev := range evs {
		var t ledger.TreeData
		switch ev.Type {
		case ledger.EventRunBaseline:
			_ = ledger.DecodeData(ev, &t)
			prev = t
		case ledger.EventLaneTree:
			_ = ledger.DecodeData(ev, &t)
			judge(t)
			if t.Phase == phaseEnd {
				delete(running, ev.Lane)
			} else {
				running[ev.Lane] = true
			}
		}
	}
	judge(now)
	for path, lane := range owner {
		a.byLane[lane] = append(a.byLane[lane], path)
	}
	for _, lane := range slices.Collect(maps.Keys(a.byLane)) {
		slices.Sort(a.byLane[lane])
	}
	for _, path := range slices.Sorted(maps.Keys(verdict)) {
		if owner[path] != "" {
			continue // a later change in an owner's scope: judged with its lane
		}
		for _, why := range verdict[path] {
			a.refused = append(a.refused, ledger.PathVerdict{Path: path, Reason: why})
		}
	}
	return a
}

// laneOutcome is a launched lane at the end of the run.
type laneOutcome struct {
	state  contract.LaneStatus
	result *contract.JobResult // nil without an accepted result
}

// accepting reports whether the lane ended with an accepting result.
func (o laneOutcome) accepting() bool { return o.result != nil && o.result.Status.Accepting() }

// finalize ends a run whose lanes are all finished: it judges the real
// changes of the work tree against the lanes' scopes (gate.scope), lets
// the lead's accepted result supersede a teammate's refusal when the route
// allows it, runs the verify command before any commit (gate.verify),
// commits each writer's accepted files with trailers and a receipt
// (commit.*), writes the closeout and moves the run to its final state:
// complete only when every launched lane has an accepted result and every
// gate passed; needs_founder, failed or blocked otherwise, with why.
func (s *supervisor) finalize(ctx context.Context, l *ledger.Ledger) error {
	r, p := s.r, s.plan
	st := l.Status()
	evs, _, err := ledger.ReadEvents(s.dir)
	if err != nil {
		return err
	}
	route, err := contract.Load[contract.Route](filepath.Join(s.dir, ledger.SnapshotDir, "route"+filepath.Ext(p.Route.File)))
	if err != nil {
		return errs.Wrap(errs.Internal, "run.Runner.Wait", err, "the run's route snapshot cannot be read")
	}
	lanes := map[string]laneOutcome{}
	for name, ls := range st.Lanes {
		if ls.Handle == nil {
			continue // never launched (a dispatch that did not come)
		}
		o := laneOutcome{state: ls}
		if ls.State == contract.LaneDone {
			if res, err := contract.Load[contract.JobResult](filepath.Join(s.dir, ledger.LaneFile(name, ledger.ResultName))); err == nil {
				o.result = res
			}
		}
		lanes[name] = o
	}
	closeout := ledger.CloseoutData{Lanes: map[string]string{}}
	var founder, failed bool
	fail := func(format string, args ...any) {
		closeout.Reasons = append(closeout.Reasons, fmt.Sprintf(format, args...))
	}

	now, err := r.tree(ctx, p.Workspace)
	if err != nil {
		return errs.Wrap(errs.Unavailable, "run.Runner.Wait", err, "cannot read the work tree of %s", p.Workspace)
	}
	att := attribute(evs, now, p, route)

	// The scope gate, lane by lane: what each writer may commit, and
	// lanes that may not write but did.
	commits := map[string]ledger.CommitData{}
	for _, name := range slices.Sorted(maps.Keys(lanes)) {
		o := lanes[name]
		pl, _ := p.Lane(name)
		gate := ledger.ScopeData{}
		if paths := att.readOnly[name]; len(paths) > 0 {
			gate.ReadOnlyViolation = true
			for _, path := range paths {
				gate.Refused = append(gate.Refused, ledger.PathVerdict{Path: path, Reason: "lane " + name + " may not write"})
			}
			fail("lane %s may not write but changed %s", name, strings.Join(paths, ", "))
		}
		changed := att.byLane[name]
		if len(changed) > 0 {
			listed := []string{}
			if o.result != nil {
				listed = o.result.ChangedFiles()
			}
			for _, path := range changed {
				switch {
				case o.result == nil:
					gate.Refused = append(gate.Refused, ledger.PathVerdict{Path: path, Reason: "lane " + name + " has no accepted result"})
				case !slices.Contains(listed, path):
					gate.Refused = append(gate.Refused, ledger.PathVerdict{Path: path, Reason: "lane " + name + " changed it but its result does not list it"})
				default:
					gate.Accepted = append(gate.Accepted, path)
				}
			}
		}
		if len(gate.Accepted) > 0 || len(gate.Refused) > 0 {
			if err := r.record(l, ledger.EventGateScope, name, gate); err != nil {
				return err
			}
		}
		closeout.Refused = append(closeout.Refused, gate.Refused...)
		if len(gate.Accepted) > 0 {
			commits[name] = ledger.CommitData{Lane: name, Persona: pl.Persona, Model: pl.Model, Files: gate.Accepted}
		}
	}
	for _, v := range att.refused {
		if !slices.Contains(closeout.Refused, v) {
			closeout.Refused = append(closeout.Refused, v)
		}
	}
	// Lanes without an accepted result, unless the lead's result
	// supersedes theirs.
	for _, name := range slices.Sorted(maps.Keys(lanes)) {
		o := lanes[name]
		switch {
		case o.result == nil:
			closeout.Lanes[name] = fmt.Sprintf("%s (%s) without an accepted result", o.state.State, o.state.Source)
			fail("lane %s ended without an accepted result (%s)", name, o.state.State)
		case o.accepting():
			closeout.Lanes[name] = string(o.result.Status)
		default:
			closeout.Lanes[name] = string(o.result.Status)
			if rec, ok, err := s.supersede(l, route, lanes, name); err != nil {
				return err
			} else if ok {
				closeout.Lanes[name] += " (superseded by " + rec + ")"
				continue
			}
			switch o.result.Status {
			case contract.StatusNeedsFounder:
				founder = true
			case contract.StatusFailed:
				failed = true
			}
			fail("lane %s reported %s: %s", name, o.result.Status, o.result.Summary)
		}
	}

	if len(closeout.Refused) > 0 {
		fail("%d changed path(s) are not committed: %s", len(closeout.Refused), verdictList(closeout.Refused))
	}

	// The verify gate, before any commit that touches the work tree.
	var verify *ledger.VerifyData
	if len(commits) > 0 && route.Verify != nil && len(closeout.Reasons) == 0 {
		v := s.runVerify(ctx, route.Verify)
		verify = &v
		if err := r.record(l, ledger.EventGateVerify, "", v); err != nil {
			return err
		}
		if !v.Passed {
			fail("the verify command %s failed: %s", strings.Join(v.Command, " "), textx.FirstNonEmpty(v.Reason, fmt.Sprintf("exit status %d", v.ExitCode)))
		}
	}

	// Exact-file commits, only when everything above passed.
	if oc := route.OrchestratorCommit; len(closeout.Reasons) == 0 && len(commits) > 0 {
		for _, lane := range slices.Sorted(maps.Keys(commits)) {
			c := commits[lane]
			c.Verify = verify
			isWriter := oc != nil && oc.Enabled && slices.Contains(oc.WriterLanes, lane)
			isLead := route.LeadSupportCommit != nil && route.LeadSupportCommit.Enabled && slices.Contains(route.LeadSupportCommit.Leads, lane)
			if !isWriter && !isLead {
				continue // the route leaves committing to the user
			}
			made, err := s.commit(ctx, l, c, evs)
			if err != nil {
				return err
			}
			if made.SHA == "" {
				fail("the commit of lane %s was refused: %s", lane, made.Reason)
				continue
			}
			closeout.Commits = append(closeout.Commits, made)
		}
	}

	if left, err := r.tree(ctx, p.Workspace); err == nil {
		closeout.Uncommitted = slices.Sorted(maps.Keys(left.Changed))
	}
	closeout.State = contract.StateComplete
	switch {
	case founder:
		closeout.State = contract.StateNeedsFounder
	case failed:
		closeout.State = contract.StateFailed
	case len(closeout.Reasons) > 0:
		closeout.State = contract.StateBlocked
	}
	data, _ := json.MarshalIndent(closeout, "", "  ")
	if err := l.WriteFile(ledger.CloseoutFile, append(data, '\n')); err != nil {
		return err
	}
	if err := r.record(l, ledger.EventRunCloseout, "", closeout); err != nil {
		return err
	}
	reason := "every launched lane has an accepted result and the gates passed"
	if len(closeout.Reasons) > 0 {
		reason = strings.Join(closeout.Reasons, "; ")
	}
	if err := r.setState(l, closeout.State, reason); err != nil {
		return err
	}
	if closeout.State == contract.StateComplete {
		s.continuation(ctx, l, lanes, closeout)
	}
	return nil
}

// verdictList names paths and why, for a reason line.
func verdictList(vs []ledger.PathVerdict) string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Path+" ("+v.Reason+")")
	}
	return strings.Join(out, "; ")
}

// commit makes the exact-file commit of one lane, once: a commit.intent is
// recorded first, and when a crash left an intent without its outcome the
// commit is looked up by its receipt trailer instead of being made again.
// It returns the receipt, with SHA empty and Reason set when git refused.
func (s *supervisor) commit(ctx context.Context, l *ledger.Ledger, c ledger.CommitData, evs []contract.Event) (ledger.CommitData, error) {
	r, p := s.r, s.plan
	c.ReceiptID = "rc-" + strings.TrimPrefix(s.runID, "r-") + "-" + c.Lane
	env := gitEnv(r.getenv)
	intended := false
	for _, ev := range evs {
		var d ledger.CommitData
		if ev.Type == ledger.EventCommitMade && ledger.DecodeData(ev, &d) == nil && d.ReceiptID == c.ReceiptID {
			return d, nil
		}
		if ev.Type == ledger.EventCommitIntent && ledger.DecodeData(ev, &d) == nil && d.ReceiptID == c.ReceiptID {
			intended = true
		}
	}
	if intended {
		top, _, _ := gitx.TopLevel(ctx, p.Workspace, env)
		if sha, found, err := gitx.FindTrailer(ctx, top, TrailerReceipt, c.ReceiptID, findReceiptDepth, env); err == nil && found {
			c.SHA = sha
			return c, s.receipt(l, c)
		}
	}
	if err := r.record(l, ledger.EventCommitIntent, c.Lane, c); err != nil {
		return c, err
	}
	msg := fmt.Sprintf("%s: %s (lane %s)\n\nCommitted by CoCoder for run %s: the files lane %s changed inside its write scope\nand listed in its accepted result.", p.Priority.Slug, textx.FirstNonEmpty(p.Priority.Title, "changes"), c.Lane, s.runID, c.Lane)
	trailers := [][2]string{{TrailerRun, s.runID}, {TrailerLane, c.Lane}, {TrailerPersona, c.Persona}}
	if c.Model != "" {
		trailers = append(trailers, [2]string{TrailerModel, c.Model})
	}
	trailers = append(trailers, [2]string{TrailerReceipt, c.ReceiptID})
	top, _, err := gitx.TopLevel(ctx, p.Workspace, env)
	if err == nil {
		var sha string
		sha, err = gitx.Commit(ctx, gitx.CommitRequest{Root: top, Files: c.Files, Message: msg, Trailers: trailers, Env: env})
		c.SHA = sha
	}
	if err != nil {
		c.SHA, c.Reason = "", err.Error()
		return c, r.record(l, ledger.EventCommitRefused, c.Lane, c)
	}
	return c, s.receipt(l, c)
}

// receipt writes receipts/<id>.json and records commit.made.
func (s *supervisor) receipt(l *ledger.Ledger, c ledger.CommitData) error {
	data, _ := json.MarshalIndent(c, "", "  ")
	if err := l.WriteFile(filepath.Join(ledger.ReceiptsDir, c.ReceiptID+".json"), append(data, '\n')); err != nil {
		return err
	}
	return s.r.record(l, ledger.EventCommitMade, c.Lane, c)
}

// supersede lets the lead's accepted result resolve a teammate's
// non-accepting one, when the route's lead-rescue policy names both and the
// lead's result addresses at least one of the teammate's findings word for
// word. The record (a validated, immutable contract.Supersession) is
// written to supersessions/<id>.json. It returns the record's path.
func (s *supervisor) supersede(l *ledger.Ledger, route *contract.Route, lanes map[string]laneOutcome, lane string) (string, bool, error) {
	lr := route.LeadRescue
	lead := s.plan.Lead
	lo, ok := lanes[lead]
	if lr == nil || !lr.Allowed || !slices.Contains(lr.Leads, lead) || !slices.Contains(lr.Superseded, lane) || lane == lead || !ok || lo.result == nil || lo.result.Status != contract.StatusPass {
		return "", false, nil
	}
	res := lanes[lane].result
	var addressed []string
	for _, f := range res.Findings {
		if slices.Contains(lo.result.Addresses, f) {
			addressed = append(addressed, f)
		}
	}
	if len(addressed) == 0 {
		return "", false, nil
	}
	id := "ss-" + strings.TrimPrefix(s.runID, "r-") + "-" + lane
	rec := contract.Supersession{
		ID: id, CreatedAt: s.r.now().UTC(), RunID: s.runID,
		SupersededLane: lane, SupersededResultPath: ledger.LaneFile(lane, ledger.ResultName),
		ResolvingLane: lead, ResolvingResultPath: ledger.LaneFile(lead, ledger.ResultName),
		AuthorizationBasis:    "route-policy",
		AuthorizationEvidence: contract.AuthorizationEvidence{RouteID: route.ID, LeadRescue: lr},
		SupersessionEvidence:  lo.result.Evidence, FindingsAddressed: addressed, CreatedBy: "engine",
	}
	if err := rec.Validate(); err != nil {
		return "", false, nil // the lead's result does not make a valid record: no rescue
	}
	path := filepath.Join(ledger.SupersessionsDir, id+".json")
	data, _ := json.MarshalIndent(rec, "", "  ")
	if err := l.WriteFile(path, append(data, '\n')); err != nil {
		return "", false, err
	}
	return path, true, s.r.record(l, ledger.EventLaneSuperseded, lane, ledger.SupersededData{ResolvingLane: lead, Record: path, FindingsAddressed: addressed})
}

// maxVerifyTail bounds the output kept of the verify command.
const maxVerifyTail = 4 << 10

// runVerify runs the route's verify command in the workspace root with
// the caller's base environment, bounded by its timeout; its process
// group is killed when the time is up.
func (s *supervisor) runVerify(ctx context.Context, v *contract.VerifyGate) ledger.VerifyData {
	out := ledger.VerifyData{Command: v.Command}
	timeout := time.Duration(v.TimeoutSeconds) * time.Second
	res := runCommand(ctx, s.plan.Workspace, v.Command, s.r.verifyEnv(), timeout)
	out.ExitCode, out.DurationMS, out.Reason = res.code, res.took.Milliseconds(), res.reason
	out.OutputTail = string(s.r.redact([]byte(res.tail(maxVerifyTail))))
	out.Passed = res.reason == "" && res.code == 0
	return out
}

// continuation takes the lead's request, in its PASS result, for one fresh
// follow-on run: it is started (in the same workspace, on the same route)
// unless a founder must approve it, the work tree has changes left, or this
// Runner has no workspace to plan in. Either way run.continuation records
// the request and what became of it.
func (s *supervisor) continuation(ctx context.Context, l *ledger.Ledger, lanes map[string]laneOutcome, closeout ledger.CloseoutData) {
	lo, ok := lanes[s.plan.Lead]
	if !ok || lo.result == nil || lo.result.Continuation == nil {
		return
	}
	c := *lo.result.Continuation
	d := ledger.ContinuationData{Request: c}
	switch {
	case c.RequiresFounder:
		d.Reason = "the request needs a founder's approval first"
	case c.Execute != nil && !*c.Execute:
		d.Reason = "the request asks for the next run to be planned only"
	case c.RouteID != s.plan.Route.ID:
		d.Reason = fmt.Sprintf("the next run must use this run's route %s, not %s", s.plan.Route.ID, c.RouteID)
	case len(closeout.Uncommitted) > 0 && !c.AllowUnstaged:
		d.Reason = fmt.Sprintf("the work tree has %d uncommitted change(s)", len(closeout.Uncommitted))
	case s.r.ws == nil || !samePath(s.r.ws.Root, s.plan.Workspace):
		d.Reason = "this supervisor has no workspace to plan the next run in"
	}
	if d.Reason == "" {
		s.r.releaseLock(s.runID)
		next, err := s.r.Plan(ctx, PlanRequest{Priority: c.PrioritySlug, Route: c.RouteID, Profile: c.ProfileID})
		if err == nil {
			var st contract.RunStatus
			st, err = s.r.Start(ctx, next)
			d.NextRunID = st.RunID
		}
		if err != nil {
			d.Reason = "the next run could not start: " + err.Error()
		} else {
			d.Taken = true
		}
	}
	_ = s.r.record(l, ledger.EventRunContinuation, "", d)
}
