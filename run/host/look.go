package host

import (
	"context"
	"strings"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// Screen is what one look at a lane's screen says, read with the same
// patterns Deliver uses.
type Screen struct {
	// Dialog is the declared dialog showing at the bottom of the screen,
	// nil when none does; DialogLine is the line that matched it.
	Dialog     *contract.Dialog
	DialogLine string
	// Busy is true when BusyPattern shows; Ready when ReadyPattern shows
	// in the last lines of the screen.
	Busy, Ready bool
	// Evidence is a short excerpt behind the verdict: the dialog's line,
	// or the input area.
	Evidence string
}

// Look reads a lane's screen once, with the patterns of opt
// (ReadyPattern, BusyPattern, Dialogs, DialogPattern), and says whether a
// dialog shows, whether the program is busy and whether it is ready for
// input. It types nothing. The supervisor uses it to notice a dialog that
// appears while a lane works, and when it has been answered.
func Look(ctx context.Context, host Host, h contract.LaneHandle, opt DeliveryOptions) (Screen, error) {
	const op = "host.Look"
	d, err := newDelivery(host, h, opt)
	if err != nil {
		return Screen{}, err
	}
	text, err := d.capture(ctx)
	if err != nil {
		return Screen{}, errs.Wrap(errs.CodeOf(err), op, err, "cannot read the screen of lane %s", h.Lane)
	}
	var s Screen
	line, known := d.whichDialog(text)
	if known != nil {
		dl := *known
		s.Dialog, s.DialogLine = &dl, strings.TrimSpace(line)
	}
	s.Busy = d.busyCount(text) > 0
	_, s.Ready = findLine(d.ready, text, dialogLines)
	s.Evidence = s.DialogLine
	if s.Evidence == "" {
		s.Evidence = d.inputArea(text)
	}
	s.Evidence = excerpt(s.Evidence)
	return s, nil
}
