package host

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/clock"
	"github.com/cocoder/cocoder/internal/errs"
)

// KeyPresser is implemented by hosts that can press named keys in a lane,
// which is how an adapter's submit keys other than Enter reach its
// program (see Submit). Both hosts of this package implement it.
type KeyPresser interface {
	// PressKeys presses keys in lane h, in order, one at a time; it types
	// no text. Each key is a name from contract.SubmitKeyNames; any other
	// name is an errs.Invalid error and nothing is pressed.
	PressKeys(ctx context.Context, h contract.LaneHandle, keys []string) error
}

// keyGap is the pause between two keys of a sequence, so that a program
// reads them as separate key presses.
const keyGap = 100 * time.Millisecond

// escapeGap is the pause after Escape when another key follows. Terminal
// libraries wait up to about half a second after an Escape for the rest of
// an escape sequence (Node's readline 500 ms); a key arriving sooner would
// be read together with it as one Alt-key. A wanted Alt-Enter is M-Enter.
const escapeGap = 600 * time.Millisecond

// defaultSubmit is the submit sequence when none is declared.
var defaultSubmit = []string{"Enter"}

// Submit presses the submit keys in lane h: keys are names from
// contract.SubmitKeyNames ending with one that submits, and empty means
// Enter. Enter alone goes through Send(ctx, h, "", true), which every
// host offers; other keys need a host that is a KeyPresser. It returns
// errs.Invalid for keys that are not a valid submit sequence or that the
// host cannot press, else what the host returns.
func Submit(ctx context.Context, host Host, h contract.LaneHandle, keys []string) error {
	if err := checkSubmit("host.Submit", host, keys); err != nil {
		return err
	}
	if len(keys) == 0 || slices.Equal(keys, defaultSubmit) {
		return host.Send(ctx, h, "", true)
	}
	return host.(KeyPresser).PressKeys(ctx, h, keys)
}

// SendSubmit gives text to lane h and submits it with keys (see Submit):
// Send(ctx, h, text, true) for Enter, else the text without submit, the
// 300 ms settle pause Deliver makes by default, then the keys. Like Send
// it does not check that the text was taken: it is for hosts without a
// screen to read (exec); on tmux, Deliver confirms. Keys are checked
// before anything is sent (errs.Invalid).
func SendSubmit(ctx context.Context, host Host, h contract.LaneHandle, text string, keys []string) error {
	if err := checkSubmit("host.SendSubmit", host, keys); err != nil {
		return err
	}
	if len(keys) == 0 || slices.Equal(keys, defaultSubmit) {
		return host.Send(ctx, h, text, true)
	}
	if err := host.Send(ctx, h, text, false); err != nil {
		return err
	}
	if err := clock.Sleep(ctx, defaultSettle); err != nil {
		return errs.Wrap(errs.Unavailable, "host.SendSubmit", err, "interrupted before %s", strings.Join(keys, " "))
	}
	return host.(KeyPresser).PressKeys(ctx, h, keys)
}

// checkSubmit returns an errs.Invalid error when keys is not a submit
// sequence host can press.
func checkSubmit(op string, host Host, keys []string) error {
	if !contract.ValidSubmitKeys(keys) {
		return errs.E(errs.Invalid, op, "submit keys %q are not a submit sequence: use one to four of %s, the last one Enter, C-m, C-j or M-Enter",
			keys, strings.Join(contract.SubmitKeyNames(), ", "))
	}
	if _, ok := host.(KeyPresser); !ok && len(keys) > 0 && !slices.Equal(keys, defaultSubmit) {
		return errs.E(errs.Invalid, op, "host %T can only submit with Enter, not %q: use a host that implements KeyPresser", host, keys)
	}
	return nil
}

// checkKeyNames returns an errs.Invalid error unless keys holds one to
// four names from contract.SubmitKeyNames.
func checkKeyNames(op string, keys []string) error {
	names := contract.SubmitKeyNames()
	if len(keys) == 0 || len(keys) > 4 {
		return errs.E(errs.Invalid, op, "give one to four keys to press, not %d", len(keys))
	}
	for i, k := range keys {
		if !slices.Contains(names, k) {
			return errs.E(errs.Invalid, op, "key %d (%q) is not a key name CoCoder presses: use one of %s", i, k, strings.Join(names, ", "))
		}
	}
	return nil
}

// pauseBefore waits between the key before and the next one.
func pauseBefore(ctx context.Context, before string) error {
	gap := keyGap
	if before == "Escape" {
		gap = escapeGap
	}
	return clock.Sleep(ctx, gap)
}

// PressKeys presses keys in the lane's pane with one send-keys per key,
// after cancelling copy mode, pausing between keys (longer after Escape,
// so the program does not read Escape and the next key as one Alt-key).
// Key names come from contract.SubmitKeyNames only, so nothing reaches
// tmux's command parser as free text.
//
// It returns errs.Invalid for a bad handle or key name, errs.NotFound when
// the pane is gone or is no longer the lane's.
func (t *Tmux) PressKeys(ctx context.Context, h contract.LaneHandle, keys []string) error {
	const op = "host.Tmux.PressKeys"
	if err := t.checkHandle(op, h); err != nil {
		return err
	}
	if err := checkKeyNames(op, keys); err != nil {
		return err
	}
	pane := paneOf(h).pane
	_, ok, err := t.identify(ctx, h, command{"copy-mode", "-q", "-t", pane})
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.NotFound, op, "the pane of lane %s (%s) is gone or belongs to something else now", h.Lane, pane)
	}
	for i, k := range keys {
		if i > 0 {
			if err := pauseBefore(ctx, keys[i-1]); err != nil {
				return errs.Wrap(errs.Unavailable, op, err, "interrupted before %s", k)
			}
		}
		if _, err := t.c.run(ctx, nil, "", command{"send-keys", "-t", pane, k}); err != nil {
			return errs.Wrap(errs.Unavailable, op, err, "cannot press %s in lane %s", k, h.Lane)
		}
	}
	return nil
}

// execKeyBytes are the bytes each key writes to an exec lane's standard
// input. Enter is a line feed, as Send's submit writes it: a program
// reading a pipe ends its lines with "\n", and no terminal turns a
// carriage return into one.
var execKeyBytes = map[string]string{
	"Enter":   "\n",
	"C-m":     "\r",
	"C-j":     "\n",
	"M-Enter": "\x1b\n",
	"Escape":  "\x1b",
	"Tab":     "\t",
}

// PressKeys writes the bytes of keys to the lane's standard input (Enter
// and C-j a line feed, C-m a carriage return, M-Enter Escape and a line
// feed, Escape, Tab), pausing between keys as the tmux host does. Errors
// are those of Send, and errs.Invalid for a key name not in
// contract.SubmitKeyNames.
func (e *Exec) PressKeys(ctx context.Context, h contract.LaneHandle, keys []string) error {
	const op = "host.Exec.PressKeys"
	if err := checkExecHandle(op, h); err != nil {
		return err
	}
	if err := checkKeyNames(op, keys); err != nil {
		return err
	}
	for i, k := range keys {
		if i > 0 {
			if err := pauseBefore(ctx, keys[i-1]); err != nil {
				return errs.Wrap(errs.Unavailable, op, err, "interrupted before %s", k)
			}
		}
		if err := e.writeStdin(ctx, op, h, execKeyBytes[k]); err != nil {
			return err
		}
	}
	return nil
}

// Both hosts of this package press keys.
var (
	_ KeyPresser = (*Tmux)(nil)
	_ KeyPresser = (*Exec)(nil)
)
