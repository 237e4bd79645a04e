package run

import (
	"context"
	"maps"
	"os"
	"path/filepath"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/agenthook"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/run/ledger"
)

// This file is the vendor-hook status source: a lane whose adapter
// declares hooks (contract.Adapter.Hooks) gets a settings file that makes
// its CLI run `cocoder agent hook` at each declared event, which appends a
// line to the lane's hook file (internal/agenthook). The supervisor reads
// the new lines at each slow poll and records lane.activity (source
// vendor_hook) when a lane's activity changes; prompt delivery counts a
// submit hook as proof that the CLI took the prompt.

// LaneHooks is how a lane's CLI reports its own state (PlanLane.Hooks).
type LaneHooks struct {
	// Settings is the hook settings file the CLI loads, in the ledger.
	Settings string `json:"settings"`
	// File is the hook file the hook program appends to, in the ledger.
	File string `json:"file"`
	// Submitted is the event that proves the CLI took a prompt.
	Submitted string `json:"submitted,omitempty"`
	// Events are the adapter's hook events and what each means.
	Events []contract.HookEvent `json:"events"`
}

// activityOf is the activity a hook record means, if any.
func (h *LaneHooks) activityOf(rec agenthook.Record) (contract.LaneActivity, bool) {
	reg := contract.HookRegistration{Events: h.Events}
	return reg.ActivityOf(rec.Event, rec.Type)
}

// hookContext fills in the hook part of a lane's adapter context: the
// lane's hook file and settings file, when its adapter declares hooks and
// the engine knows its own executable (the hook program).
func (r *Runner) hookContext(l *PlanLane, a *contract.Adapter, ledgerDir string, lc *adapter.LaneContext) {
	if a == nil || a.Hooks == nil || r.self == "" {
		return
	}
	lc.HookFile = filepath.Join(ledgerDir, ledger.LaneFile(l.Lane, ledger.HooksName))
	lc.HookSettings = filepath.Join(ledgerDir, ledger.LaneFile(l.Lane, ledger.HookSettingsName))
}

// hookFiles records the hook settings file of a lane that uses hooks
// (written into the ledger by Start) and the lane's LaneHooks.
func (r *Runner) hookFiles(p *Plan, l *PlanLane, a *contract.Adapter, lc adapter.LaneContext) error {
	file, err := adapter.HookSettings(a, lc)
	if err != nil || file == nil {
		return err
	}
	if p.docs.hookFiles == nil {
		p.docs.hookFiles = map[string][]byte{}
	}
	p.docs.hookFiles[l.Lane] = file
	l.Hooks = &LaneHooks{Settings: lc.HookSettings, File: lc.HookFile, Submitted: a.Hooks.Submitted, Events: a.Hooks.Events}
	return nil
}

// hookSubmitted returns, for a lane whose CLI reports its prompts through
// a hook, a check for DeliveryOptions.Confirmed: it reads the lane's hook
// file from offset on and answers with the reason once the submit event
// shows. It returns nil for a lane without such a hook.
func hookSubmitted(pl PlanLane, offset int64) func() string {
	if pl.Hooks == nil || pl.Hooks.Submitted == "" {
		return nil
	}
	h := pl.Hooks
	return func() string {
		recs, next, err := agenthook.Read(h.File, offset)
		if err != nil {
			return ""
		}
		offset = next
		for _, rec := range recs {
			if rec.Event == h.Submitted {
				return "the CLI's " + h.Submitted + " hook fired"
			}
		}
		return ""
	}
}

// hookEnd is the current size of a lane's hook file: where the lines of
// what happens next begin.
func hookEnd(pl PlanLane) int64 {
	if pl.Hooks == nil {
		return 0
	}
	fi, err := os.Stat(pl.Hooks.File)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// hookWatch reads the hook files of the lanes one supervisor watches.
type hookWatch struct {
	offsets map[string]int64 // lane → where its next lines begin
}

// poll reads the new lines of each pending lane's hook file and records
// lane.activity for every change of the lane's activity they show. On
// the first read of a lane (a supervisor that starts late) only the last
// line that means something counts, so a history already recorded is not
// recorded again. Problems reading a file, or recording what it says,
// are left for the next poll, which reads the same lines again: hooks are
// a status source, not the verdict.
func (w *hookWatch) poll(ctx context.Context, s *supervisor) {
	if w.offsets == nil {
		w.offsets = map[string]int64{}
	}
	var evs []contract.Event
	var st *contract.RunStatus
	read := map[string]int64{} // lane → where its next lines begin, once recorded
	for _, lane := range s.pending {
		pl, ok := s.plan.Lane(lane)
		if !ok || pl.Hooks == nil {
			continue
		}
		offset, seen := w.offsets[lane]
		recs, next, err := agenthook.Read(pl.Hooks.File, offset)
		if err != nil {
			continue
		}
		read[lane] = next
		if len(recs) == 0 {
			continue
		}
		if st == nil {
			now := s.status()
			st = &now
		}
		ls := st.Lanes[lane]
		if !ls.State.Active() {
			continue
		}
		cur := ls.Activity
		if ls.Source != contract.SourceVendorHook && ls.State == contract.LaneNeedsAttention {
			cur = "" // another source decided last: the next report decides
		}
		var changes []ledger.LaneActivityData
		for _, rec := range recs {
			act, ok := pl.Hooks.activityOf(rec)
			if !ok {
				continue
			}
			d := ledger.LaneActivityData{Activity: act, Source: contract.SourceVendorHook,
				Event: rec.Event, Type: rec.Type, Message: rec.Message, At: rec.Time}
			if !seen {
				changes = []ledger.LaneActivityData{d}
				continue
			}
			if act != cur {
				changes = append(changes, d)
				cur = act
			}
		}
		if !seen && len(changes) == 1 && changes[0].Activity == cur {
			changes = nil
		}
		for _, d := range changes {
			evs = append(evs, ledger.MustEvent(ledger.EventLaneActivity, lane, d))
		}
	}
	if len(evs) > 0 {
		if err := s.withLedger(ctx, func(l *ledger.Ledger) error {
			_, err := s.r.appendAll(l, evs)
			return err
		}); err != nil {
			s.r.log.Warn("cannot record the lanes' hook activity", "run", s.runID, "err", err)
			return
		}
	}
	maps.Copy(w.offsets, read)
}
