package run

import (
	"context"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

// afterDialogConfirm bounds the wait, once a dialog that stopped a lane's
// initial prompt is answered, for the program to show it took the prompt
// from its command line before the prompt is typed instead.
const afterDialogConfirm = 10 * time.Second

// watchScreen looks once at the screen of a working tmux lane whose
// adapter declares dialogs. A declared dialog that appears is recorded
// (lane.attention, during "work": the lane needs a person; nothing is
// typed into it). When the dialog is gone again (a person answered it) the
// lane is recorded as working again (lane.attention.cleared), and a lane
// whose initial prompt the dialog had stopped gets it now: confirmed from
// the screen when the program took it from its command line, typed
// otherwise.
//
// When the host's survey gives the lane's last activity (sv), the screen
// is read only when something was printed since the last look: an idle
// lane costs no capture.
func (s *supervisor) watchScreen(ctx context.Context, lane string, ls contract.LaneStatus, sv *host.LaneState) error {
	pl, ok := s.plan.Lane(lane)
	if !ok || ls.Handle == nil || ls.Handle.Host != host.KindTmux || len(pl.Dialogs) == 0 {
		return nil
	}
	if ls.Activity != "" {
		return nil // the CLI reports its own state through its hooks, which decide from then on (hooks.go)
	}
	if sv != nil && !sv.Activity.IsZero() {
		if s.looked == nil {
			s.looked = map[string]look{}
		}
		last, seen := s.looked[lane]
		// Activity is kept to the second: output later in the second of
		// the last look would not change it, so that second is looked at
		// again.
		if seen && sv.Activity.Equal(last.activity) && sv.Activity.Before(last.at.Truncate(time.Second)) {
			return nil
		}
		s.looked[lane] = look{activity: sv.Activity, at: time.Now()}
	}
	h, hst, err := s.handleOf(lane, ls)
	if err != nil {
		return err
	}
	opt := deliveryOptions(pl)
	scr, err := host.Look(ctx, hst, h, opt)
	if err != nil {
		return nil // a lane gone from its host is the liveness check's to record
	}
	if s.dialogs == nil {
		s.dialogs = map[string]string{}
	}
	shown, attention := s.dialogs[lane], ls.State == contract.LaneNeedsAttention
	if attention && ls.Source != contract.SourcePaneOutput {
		return nil // another source put the lane there, and decides when it is over
	}
	switch {
	case scr.Dialog != nil && (!attention || shown != scr.Dialog.Name):
		s.dialogs[lane] = scr.Dialog.Name
		if attention && shown == "" {
			return nil // recorded before this supervisor started (by delivery)
		}
		return s.withLedger(ctx, func(l *ledger.Ledger) error {
			return s.r.record(l, ledger.EventLaneAttention, lane, ledger.LaneAttentionData{
				Dialog: scr.Dialog.Name, Fix: scr.Dialog.Fix, Screen: scr.Evidence, Source: contract.SourcePaneOutput, During: "work",
			})
		})
	case scr.Dialog == nil && attention:
		delete(s.dialogs, lane)
		if err := s.withLedger(ctx, func(l *ledger.Ledger) error {
			return s.r.record(l, ledger.EventLaneAttentionCleared, lane, ledger.LaneAttentionData{
				Dialog: shown, Screen: scr.Evidence, Source: contract.SourcePaneOutput, During: "work",
			})
		}); err != nil || ls.Delivery == "delivered" {
			return err
		}
		// The delivery watches the screen for seconds: the ledger is not
		// held meanwhile, so a stop or a send from elsewhere is not kept
		// waiting.
		evs := redeliver(ctx, hst, h, pl)
		return s.withLedger(ctx, func(l *ledger.Ledger) error {
			_, err := s.r.appendAll(l, evs)
			return err
		})
	}
	return nil
}

// look is when the supervisor last read a lane's screen, and the lane's
// activity then.
type look struct {
	activity, at time.Time
}

// redeliver gives a lane the initial prompt a dialog had stopped, once the
// dialog is answered, and returns the events to record. A prompt on the
// command line may have been taken when the dialog closed: the screen is
// watched for that first (busy marker or echo), so it is not sent twice.
func redeliver(ctx context.Context, hst host.Host, h contract.LaneHandle, pl PlanLane) []contract.Event {
	opt := deliveryOptions(pl)
	if contract.PromptDelivery(pl.PromptDelivery) == contract.DeliverArg {
		opt.ReadyTimeout = afterDialogConfirm
		opt.Confirmed = hookSubmitted(pl, 0) // the CLI's first prompt is the one on its command line
		out, err := host.ConfirmStarted(ctx, hst, h, pl.Prompt, opt)
		if err == nil && (out.Delivered || out.Dialog != "") {
			out.Reason = "after the dialog was answered: " + out.Reason
			return deliveryEvents(pl.Lane, out, "delivery")
		}
	}
	out, err := host.Deliver(ctx, hst, h, pl.Prompt, deliveryOptions(pl))
	if err == nil {
		out.Reason = "typed after the dialog was answered: " + out.Reason
	}
	return deliveryEvents(pl.Lane, settled(out, err), "delivery")
}
