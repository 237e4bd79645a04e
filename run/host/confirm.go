package host

import (
	"context"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/clock"
	"github.com/cocoder/cocoder/internal/errs"
)

// ConfirmStarted confirms that a program given its prompt on its command
// line (delivery mode "arg") took it, by watching its screen; nothing is
// typed. A prompt counts as delivered when:
//
//   - opt.Confirmed confirms it (the program reported taking it), or
//   - BusyPattern shows (the program is working on it), or
//   - ReadyTimeout passes with the prompt's text echoed on screen and no
//     dialog showing (a program too quick for its busy marker to be seen).
//
// A dialog on screen (a declared one at once, DialogPattern by the end of
// the wait) means the prompt is waiting behind it or lost: the outcome is
// not delivered and names the dialog and its fix. So does a program that
// exits, or one that shows neither marker nor echo in time.
//
// The error is for bad options, a failing host or ctx ending.
func ConfirmStarted(ctx context.Context, host Host, h contract.LaneHandle, text string, opt DeliveryOptions) (contract.DeliveryReport, error) {
	const op = "host.ConfirmStarted"
	start := time.Now()
	d, err := newDelivery(host, h, opt)
	if err != nil {
		return contract.DeliveryReport{}, err
	}
	d.probe = probeOf(cleanPaste(text))
	out, err := d.confirm(ctx)
	out.DurationMS = time.Since(start).Milliseconds()
	out.Evidence = excerpt(out.Evidence)
	if err != nil {
		return out, errs.Wrap(errs.CodeOf(err), op, err, "confirming the prompt of lane %s stopped", h.Lane)
	}
	return out, nil
}

func (d *delivery) confirm(ctx context.Context) (contract.DeliveryReport, error) {
	var out contract.DeliveryReport
	deadline := time.Now().Add(d.opt.ReadyTimeout)
	echoed := false
	for {
		screen, err := d.capture(ctx)
		if err != nil {
			return out, err
		}
		if d.confirmed(&out) {
			return out, nil
		}
		line, known := d.whichDialog(screen)
		switch {
		case known != nil:
			out.Reason, out.Evidence, out.Dialog, out.Fix = dialogReason(known, line), strings.TrimSpace(line), known.Name, known.Fix
			return out, nil
		case line == "" && d.busyCount(screen) > 0:
			out.Delivered, out.Reason = true, "the busy marker appeared"
			out.Evidence, _ = findLine(d.busy, screen, 0)
			return out, d.preferReport(ctx, &out)
		}
		if d.probe != "" && strings.Contains(collapse(screen), d.probe) {
			echoed = true
		}
		if time.Now().After(deadline) {
			switch {
			case line != "":
				out.Reason, out.Evidence = "a dialog is on screen ("+strings.TrimSpace(line)+"); the prompt waits behind it or was lost", strings.TrimSpace(line)
			case echoed:
				out.Delivered, out.Reason, out.Evidence = true, "the prompt shows on screen and no dialog appeared (no busy marker seen)", d.probe
				return out, d.preferReport(ctx, &out)
			default:
				out.Reason, out.Evidence = "neither the busy marker nor the prompt showed within "+d.opt.ReadyTimeout.String(), d.inputArea(screen)
			}
			return out, nil
		}
		alive, err := d.host.Alive(ctx, d.h)
		if err != nil {
			return out, err
		}
		if !alive {
			out.Reason, out.Evidence = "the lane's program exited before it took the prompt", d.inputArea(screen)
			return out, nil
		}
		if err := clock.Sleep(ctx, d.opt.Poll); err != nil {
			return out, err
		}
	}
}
