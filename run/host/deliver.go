package host

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/clock"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/textx"
)

// DeliveryOptions tune Deliver. Patterns are Go regular expressions,
// usually taken from the adapter declaration; zero values mean the
// defaults given.
type DeliveryOptions struct {
	// ReadyPattern matches a line of the screen when the program is ready
	// for input (its composer or prompt, e.g. `^❯` or `^>`). Deliver waits
	// for it before typing, and the last line it matches starts the
	// "input area" that must hold the text after the paste and lose it on
	// submit. Empty: no wait, and the input area is the last non-blank
	// line.
	ReadyPattern string
	// BusyPattern matches what the program shows while it works (e.g.
	// `esc to interrupt`). More matches after the submit keys than before
	// prove the submission.
	BusyPattern string
	// DialogPattern matches a permission or trust dialog. While it shows in
	// the last lines of the screen, Deliver neither types nor presses the
	// submit keys (an Enter would answer the dialog).
	DialogPattern string
	// Dialogs are the adapter's known dialogs. Like DialogPattern they stop
	// delivery (no typing, no submit keys); the outcome then names the
	// dialog and its fix (DeliveryReport.Dialog and Fix).
	Dialogs []contract.Dialog
	// SubmitKeys are the keys that submit the pasted text, usually the
	// adapter's submitKeys: names from contract.SubmitKeyNames, pressed one
	// at a time, the last one a key that submits. Default ["Enter"]; other
	// keys need a host that is a KeyPresser (see Submit).
	SubmitKeys []string
	// ReadyTimeout bounds the wait for ReadyPattern. Default 30s.
	ReadyTimeout time.Duration
	// Settle is the pause between the paste and the submit keys. Agent
	// TUIs take an Enter that follows a paste within ~120ms as a newline;
	// default (and recommended floor) 300ms.
	Settle time.Duration
	// ConfirmTimeout bounds the wait for proof of submission after each
	// press of the submit keys. Default 3s.
	ConfirmTimeout time.Duration
	// Poll is the interval between captures while waiting. Default 100ms.
	Poll time.Duration
	// MaxEnters bounds the presses of the submit keys (the whole
	// sequence counts once). Default 3.
	MaxEnters int
	// MaxPastes bounds the pastes; a paste is repeated only when the
	// screen proves the previous one never arrived. Default 2.
	MaxPastes int
	// CaptureLines is how many lines each capture reads; 0 (the default)
	// reads the visible screen.
	CaptureLines int
	// Confirmed, when set, is asked after each capture while the outcome is
	// awaited (after Enter, or while ConfirmStarted watches) whether the
	// program itself reported taking the text, such as a CLI's prompt-submit
	// hook. A non-empty answer confirms the delivery with that answer as
	// its reason, ahead of anything the screen shows; the screen stays the
	// fallback. When the screen proves the delivery first, the report is
	// still waited for, at most ConfirmGrace, so that it names the proof
	// whenever it comes.
	Confirmed func() (reason string)
}

// ConfirmGrace bounds the wait, once the screen proved a delivery, for the
// program's own report (DeliveryOptions.Confirmed): a CLI may show that it
// works a moment before its hook has run.
const ConfirmGrace = 2 * time.Second

// confirmed asks opt.Confirmed, when set, and fills out when it confirms.
func (d *delivery) confirmed(out *contract.DeliveryReport) bool {
	if d.opt.Confirmed == nil {
		return false
	}
	reason := d.opt.Confirmed()
	if reason == "" {
		return false
	}
	out.Delivered, out.Reason, out.Evidence = true, reason, ""
	return true
}

// preferReport is called once the screen proved the delivery (out says
// how): with opt.Confirmed set, it keeps asking it for at most
// ConfirmGrace, and its report, when it comes, replaces the screen's proof.
func (d *delivery) preferReport(ctx context.Context, out *contract.DeliveryReport) error {
	if d.opt.Confirmed == nil {
		return nil
	}
	for deadline := time.Now().Add(ConfirmGrace); !d.confirmed(out) && time.Now().Before(deadline); {
		if err := clock.Sleep(ctx, d.opt.Poll); err != nil {
			return err
		}
	}
	return nil
}

// defaultSettle is the default pause between a paste and the submit
// keys.
const defaultSettle = 300 * time.Millisecond

// dialogLines is how many lines at the bottom of the screen are searched
// for DialogPattern.
const dialogLines = 15

// maxEvidence bounds DeliveryReport.Evidence, in runes.
const maxEvidence = 200

// probeRunes is the length of the tail of the text looked for on screen.
const probeRunes = 20

// Deliver types text into a lane's program and confirms it was submitted,
// for adapters whose prompt is typed into their TUI (delivery mode "type").
// host.Send is the primitive; Deliver is the policy around it:
//
//  1. Wait (bounded) until ReadyPattern shows and no DialogPattern does.
//  2. Paste the text as one bracketed paste (Send without submit).
//  3. After Settle, check that it landed: the tail of its last line shows
//     in the input area. When the screen did not change at all, the paste
//     provably never arrived and is repeated (up to MaxPastes); any other
//     change counts as landed, since pasting again could duplicate it.
//  4. Press the submit keys (SubmitKeys, default Enter) on their own, then
//     watch for proof of submission: the program's own report (Confirmed),
//     more BusyPattern matches than before, or the text gone from the input
//     area. Without proof, press them again (up to MaxEnters), never while
//     a dialog shows.
//
// Keep typed text short (a line asking the agent to read prompt.md):
// long pastes are what TUIs mangle.
//
// A delivery that fails by policy (not ready in time, text never landed,
// no proof of submission, the program exited) returns the outcome with
// Delivered false and a nil error. The error is for bad options
// (errs.Invalid, also submit keys the host cannot press), a failing host,
// or ctx ending; the outcome is still filled in as far as delivery got.
func Deliver(ctx context.Context, host Host, h contract.LaneHandle, text string, opt DeliveryOptions) (contract.DeliveryReport, error) {
	const op = "host.Deliver"
	start := time.Now()
	d, err := newDelivery(host, h, opt)
	if err != nil {
		return contract.DeliveryReport{}, err
	}
	text = cleanPaste(text)
	if strings.TrimSpace(text) == "" {
		return contract.DeliveryReport{}, errs.E(errs.Invalid, op, "nothing to deliver to lane %s: the text is empty", h.Lane)
	}
	d.probe = probeOf(text)
	out, err := d.run(ctx, text)
	out.DurationMS = time.Since(start).Milliseconds()
	out.Evidence = excerpt(out.Evidence)
	if err != nil {
		return out, errs.Wrap(errs.CodeOf(err), op, err, "delivery to lane %s stopped", h.Lane)
	}
	return out, nil
}

// delivery is the state of one Deliver call.
type delivery struct {
	host  Host
	h     contract.LaneHandle
	opt   DeliveryOptions
	ready *regexp.Regexp
	busy  *regexp.Regexp
	modal *regexp.Regexp
	known []knownDialog
	probe string
}

// knownDialog is a declared dialog with its pattern compiled.
type knownDialog struct {
	contract.Dialog
	re *regexp.Regexp
}

func newDelivery(host Host, h contract.LaneHandle, opt DeliveryOptions) (*delivery, error) {
	d := &delivery{host: host, h: h, opt: opt}
	if err := checkSubmit("host.Deliver", host, opt.SubmitKeys); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		name string
		src  string
		dst  **regexp.Regexp
	}{{"ReadyPattern", opt.ReadyPattern, &d.ready}, {"BusyPattern", opt.BusyPattern, &d.busy}, {"DialogPattern", opt.DialogPattern, &d.modal}} {
		if p.src == "" {
			continue
		}
		re, err := regexp.Compile(p.src)
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, "host.Deliver", err, "%s %q is not a valid regular expression", p.name, p.src)
		}
		*p.dst = re
	}
	for i, dl := range opt.Dialogs {
		re, err := regexp.Compile(dl.Pattern)
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, "host.Deliver", err, "Dialogs[%d] (%s): pattern %q is not a valid regular expression", i, dl.Name, dl.Pattern)
		}
		d.known = append(d.known, knownDialog{dl, re})
	}
	def := func(v *time.Duration, x time.Duration) {
		if *v <= 0 {
			*v = x
		}
	}
	def(&d.opt.ReadyTimeout, 30*time.Second)
	def(&d.opt.Settle, defaultSettle)
	def(&d.opt.ConfirmTimeout, 3*time.Second)
	def(&d.opt.Poll, 100*time.Millisecond)
	if d.opt.MaxEnters <= 0 {
		d.opt.MaxEnters = 3
	}
	if d.opt.MaxPastes <= 0 {
		d.opt.MaxPastes = 2
	}
	return d, nil
}

func (d *delivery) capture(ctx context.Context) (string, error) {
	s, err := d.host.Capture(ctx, d.h, d.opt.CaptureLines)
	return textx.LastLines(s, 0), err
}

// Patterns are matched line by line, so "^" and "$" anchor to a line of
// the screen.

// findLine returns the last of the last n lines of screen (all lines when
// n <= 0) that re matches, and whether there is one.
func findLine(re *regexp.Regexp, screen string, n int) (string, bool) {
	if re == nil {
		return "", false
	}
	lines := strings.Split(textx.LastLines(screen, n), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if re.MatchString(lines[i]) {
			return lines[i], true
		}
	}
	return "", false
}

// dialog returns the dialog line showing at the bottom of screen, if any.
func (d *delivery) dialog(screen string) string {
	l, _ := d.whichDialog(screen)
	return l
}

// whichDialog returns the dialog line showing at the bottom of screen and
// the declared dialog it belongs to (nil for DialogPattern).
func (d *delivery) whichDialog(screen string) (string, *contract.Dialog) {
	for i := range d.known {
		if l, ok := findLine(d.known[i].re, screen, dialogLines); ok {
			return l, &d.known[i].Dialog
		}
	}
	l, _ := findLine(d.modal, screen, dialogLines)
	return l, nil
}

// noteDialog fills the outcome's dialog fields from screen.
func (d *delivery) noteDialog(out *contract.DeliveryReport, screen string) {
	if _, dl := d.whichDialog(screen); dl != nil {
		out.Dialog, out.Fix = dl.Name, dl.Fix
	}
}

// busyCount counts the matches of BusyPattern on screen, line by line.
func (d *delivery) busyCount(screen string) int {
	if d.busy == nil {
		return 0
	}
	n := 0
	for l := range strings.SplitSeq(screen, "\n") {
		n += len(d.busy.FindAllStringIndex(l, -1))
	}
	return n
}

// inputArea returns the part of the screen that holds what is being typed:
// from the last line matching ReadyPattern to the end, or the last
// non-blank line; whitespace is collapsed.
func (d *delivery) inputArea(screen string) string {
	lines := strings.Split(screen, "\n")
	from := len(lines) - 1
	if d.ready != nil {
		for i := len(lines) - 1; i >= 0; i-- {
			if d.ready.MatchString(lines[i]) {
				from = i
				break
			}
		}
	}
	if from < 0 {
		return ""
	}
	return collapse(strings.Join(lines[from:], " "))
}

func (d *delivery) run(ctx context.Context, text string) (contract.DeliveryReport, error) {
	var out contract.DeliveryReport
	fail := func(screen, format string, args ...any) (contract.DeliveryReport, error) {
		out.Reason = fmt.Sprintf(format, args...)
		out.Evidence = d.inputArea(screen)
		d.noteDialog(&out, screen)
		return out, nil
	}

	// 1. Ready, and no dialog in the way.
	before, reason, err := d.waitReady(ctx)
	if err != nil || reason != "" {
		out.Reason, out.Evidence = reason, d.inputArea(before)
		d.noteDialog(&out, before)
		return out, err
	}

	// 2-3. Paste until it lands (or provably never will).
	var afterPaste string
	landed, seen := false, false
	look := func() error {
		var err error
		if afterPaste, err = d.capture(ctx); err != nil {
			return err
		}
		seen = strings.Contains(d.inputArea(afterPaste), d.probe)
		landed = seen || afterPaste != before
		return nil
	}
	for !landed && out.Pastes < d.opt.MaxPastes {
		if err := d.host.Send(ctx, d.h, text, false); err != nil {
			return out, err
		}
		out.Pastes++
		if err := clock.Sleep(ctx, d.opt.Settle); err != nil {
			return out, err
		}
		if err := look(); err != nil {
			return out, err
		}
		// A slow program may show the paste late: wait up to
		// ConfirmTimeout for the text itself. Some other change (a
		// status line) counts as landed only after that wait, and only a
		// screen that stays unchanged proves the paste never arrived.
		// Without the text seen, the proof of submission is weaker (any
		// change of the input area), so it is worth the wait.
		for deadline := time.Now().Add(d.opt.ConfirmTimeout); !seen && time.Now().Before(deadline); {
			if err := clock.Sleep(ctx, d.opt.Poll); err != nil {
				return out, err
			}
			if err := look(); err != nil {
				return out, err
			}
		}
	}
	if !landed {
		return fail(afterPaste, "the pasted text never appeared on screen (%d pastes)", out.Pastes)
	}

	// 4. The submit keys until the submission is proven.
	busyBefore := d.busyCount(afterPaste)
	areaAfterPaste := d.inputArea(afterPaste)
	screen := afterPaste
	for out.Attempts < d.opt.MaxEnters {
		if dl := d.dialog(screen); dl != "" {
			return fail(screen, "a dialog is on screen (%q); %s was not pressed so as not to answer it", dl, d.keys())
		}
		if err := Submit(ctx, d.host, d.h, d.opt.SubmitKeys); err != nil {
			return out, err
		}
		out.Attempts++
		deadline := time.Now().Add(d.opt.ConfirmTimeout)
		for {
			if err := clock.Sleep(ctx, d.opt.Poll); err != nil {
				return out, err
			}
			if screen, err = d.capture(ctx); err != nil {
				return out, err
			}
			if d.confirmed(&out) {
				return out, nil
			}
			area := d.inputArea(screen)
			switch {
			case d.busyCount(screen) > busyBefore:
				out.Delivered, out.Reason = true, "the busy marker appeared"
				out.Evidence, _ = findLine(d.busy, screen, 0)
				return out, d.preferReport(ctx, &out)
			case seen && !strings.Contains(area, d.probe):
				out.Delivered, out.Reason, out.Evidence = true, "the text left the input area", area
				return out, d.preferReport(ctx, &out)
			case !seen && area != areaAfterPaste:
				out.Delivered, out.Reason, out.Evidence = true, "the input area changed after "+d.keys(), area
				return out, d.preferReport(ctx, &out)
			}
			if time.Now().After(deadline) {
				break
			}
		}
		if alive, err := d.host.Alive(ctx, d.h); err != nil {
			return out, err
		} else if !alive {
			return fail(screen, "the lane's program exited")
		}
	}
	return fail(screen, "no proof of submission after %d presses of %s: the text is still in the input area", out.Attempts, d.keys())
}

// keys names the submit keys for a reason, e.g. "Enter" or "Escape
// Enter".
func (d *delivery) keys() string {
	if len(d.opt.SubmitKeys) == 0 {
		return "Enter"
	}
	return strings.Join(d.opt.SubmitKeys, " ")
}

// waitReady polls until the ready pattern shows with no dialog. It returns
// the last screen and, when the wait failed by policy, the reason.
func (d *delivery) waitReady(ctx context.Context) (screen, reason string, err error) {
	deadline := time.Now().Add(d.opt.ReadyTimeout)
	for {
		if screen, err = d.capture(ctx); err != nil {
			return screen, "", err
		}
		dl, known := d.whichDialog(screen)
		_, ready := findLine(d.ready, screen, dialogLines)
		if dl == "" && (d.ready == nil || ready) {
			return screen, "", nil
		}
		if known != nil {
			// A declared dialog does not go away by itself: say so now.
			return screen, dialogReason(known, dl), nil
		}
		if time.Now().After(deadline) {
			if dl != "" {
				return screen, fmt.Sprintf("a dialog is on screen (%q) after %s; answer it or avoid it with the adapter's flags", dl, d.opt.ReadyTimeout), nil
			}
			return screen, fmt.Sprintf("the program did not show its ready pattern %q within %s", d.opt.ReadyPattern, d.opt.ReadyTimeout), nil
		}
		alive, err := d.host.Alive(ctx, d.h)
		if err != nil {
			return screen, "", err
		}
		if !alive {
			return screen, "the lane's program exited before it was ready", nil
		}
		if err := clock.Sleep(ctx, d.opt.Poll); err != nil {
			return screen, "", err
		}
	}
}

// probeOf returns the tail of the text's last non-blank line, whitespace
// collapsed: what should be visible in the input area after a paste.
func probeOf(text string) string {
	lines := strings.Split(text, "\n")
	last := ""
	for i := len(lines) - 1; i >= 0; i-- {
		if l := collapse(lines[i]); l != "" {
			last = l
			break
		}
	}
	r := []rune(last)
	if len(r) > probeRunes {
		r = r[len(r)-probeRunes:]
	}
	return strings.TrimSpace(string(r))
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func excerpt(s string) string {
	r := []rune(s)
	if len(r) > maxEvidence {
		return "…" + string(r[len(r)-maxEvidence:])
	}
	return s
}

// dialogReason is the delivery reason for a declared dialog on screen.
func dialogReason(dl *contract.Dialog, line string) string {
	return fmt.Sprintf("the %s dialog is on screen (%q); nothing was typed into it: %s", dl.Name, strings.TrimSpace(line), dl.Fix)
}
