package run

import (
	"context"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

// confirmArgTimeout bounds the wait for a CLI given its prompt in argv to
// show that it took it. It covers the CLI's whole start-up: measured on a
// loaded 2-core machine, gemini's start to busy marker had a p95 of 27 s
// and 4 lanes in 50 took longer than 30 s (docs/performance.md).
const confirmArgTimeout = 60 * time.Second

// confirmOnScreen reports whether a lane whose prompt is on its command
// line has its delivery confirmed: a tmux lane of an adapter that declares
// how its screen reads, or whose CLI reports taking a prompt through a
// hook.
func confirmOnScreen(p *Plan, pl PlanLane) bool {
	return p.Host == host.KindTmux && (pl.BusyPattern != "" || pl.ReadyPattern != "" || len(pl.Dialogs) > 0 ||
		pl.Hooks != nil && pl.Hooks.Submitted != "")
}

// deliveryOptions are the delivery options of a lane, from its adapter's
// declaration: how its screen reads, its submit keys, and for a CLI that
// reports taking a prompt through a hook, that hook from now on.
func deliveryOptions(pl PlanLane) host.DeliveryOptions {
	return host.DeliveryOptions{ReadyPattern: pl.ReadyPattern, BusyPattern: pl.BusyPattern, Dialogs: pl.Dialogs, SubmitKeys: pl.SubmitKeys,
		Confirmed: hookSubmitted(pl, hookEnd(pl))}
}

// deliverInitial delivers (typed) or confirms (on the command line) a
// lane's initial prompt and returns the events to record: the outcome,
// and lane.attention when a dialog stopped it.
func deliverInitial(ctx context.Context, hst host.Host, h contract.LaneHandle, pl PlanLane) []contract.Event {
	var out contract.DeliveryReport
	var err error
	opt := deliveryOptions(pl)
	opt.Confirmed = hookSubmitted(pl, 0) // the lane's first prompt: every hook line counts
	if contract.PromptDelivery(pl.PromptDelivery) == contract.DeliverArg {
		opt.ReadyTimeout = confirmArgTimeout
		out, err = host.ConfirmStarted(ctx, hst, h, pl.Prompt, opt)
	} else {
		out, err = host.Deliver(ctx, hst, h, pl.Prompt, opt)
	}
	return deliveryEvents(pl.Lane, settled(out, err), "delivery")
}

// settled is a delivery's outcome with its error folded in: a delivery
// that stopped (the host failed, ctx ended) is not delivered, and says why.
func settled(out contract.DeliveryReport, err error) contract.DeliveryReport {
	if err != nil {
		out.Delivered = false
		out.Reason = "delivery stopped: " + err.Error()
	}
	return out
}

// deliveryEvents are the events that record a delivery outcome.
func deliveryEvents(lane string, out contract.DeliveryReport, during string) []contract.Event {
	if out.Delivered {
		return []contract.Event{ledger.MustEvent(ledger.EventLanePromptDelivered, lane, out)}
	}
	evs := []contract.Event{ledger.MustEvent(ledger.EventLanePromptFailed, lane, out)}
	if out.Dialog != "" {
		evs = append(evs, ledger.MustEvent(ledger.EventLaneAttention, lane, ledger.LaneAttentionData{
			Dialog: out.Dialog, Fix: out.Fix, Screen: out.Evidence, Source: contract.SourcePaneOutput, During: during,
		}))
	}
	return evs
}
