package run

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/clock"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/textx"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

// Limits of Send.
const (
	// MaxSend bounds the text Send accepts.
	MaxSend = 256 << 10
	// inlineSend is the longest single-line text typed as it is; longer
	// or multi-line text is written to a file in the ledger and the lane
	// is told to read it.
	inlineSend = 400
)

// Send gives lane of run runID a follow-up message, through the same
// acknowledged delivery as the initial prompt (the lane's adapter
// patterns), and records lane.send with the text's size and digest (never
// the text). Text longer than a short line is written to
// lanes/<lane>/messages/<n>.md and the lane is told to read that file.
//
// It returns errs.Invalid for an empty or oversized text or a bad lane
// name, errs.NotFound for an unknown run or lane, errs.Conflict once the
// lane has written its result, has not started or ended, or the run is
// finished, and errs.Unavailable when the lane did not take the message
// (nothing is recorded then).
func (r *Runner) Send(ctx context.Context, runID, lane, text string) error {
	const op = "run.Runner.Send"
	switch {
	case !contract.ValidLaneName(lane):
		return errs.E(errs.Invalid, op, "%q is not a lane name", lane)
	case strings.TrimSpace(text) == "":
		return errs.E(errs.Invalid, op, "nothing to send to lane %s: the text is empty", lane)
	case len(text) > MaxSend:
		return errs.E(errs.Invalid, op, "the message is %d bytes; at most %d can be sent: put the rest in a file in the workspace and send its path", len(text), MaxSend)
	}
	dir, err := r.runDir(ctx, runID)
	if err != nil {
		return err
	}
	st, _, err := ledger.ReadStatus(dir)
	if err != nil {
		return err
	}
	ls, ok := st.Lanes[lane]
	resultFile := filepath.Join(dir, ledger.LaneFile(lane, ledger.ResultName))
	_, statErr := os.Lstat(resultFile)
	switch {
	case st.State.Terminal():
		return errs.E(errs.Conflict, op, "run %s is %s: it takes no more messages", runID, st.State)
	case !ok:
		return errs.E(errs.NotFound, op, "run %s has no lane %q (its lanes: %s)", runID, lane, strings.Join(slices.Sorted(maps.Keys(st.Lanes)), ", "))
	case ls.State == contract.LaneDone || statErr == nil:
		return errs.E(errs.Conflict, op, "lane %s has written its result (%s): it takes no more messages; plan a new run for more work", lane, resultFile)
	case ls.Handle == nil:
		return errs.E(errs.Conflict, op, "lane %s has not started (it is %s)", lane, ls.State)
	case !ls.State.Active():
		return errs.E(errs.Conflict, op, "lane %s is %s (%s): it cannot take a message", lane, ls.State, textx.FirstNonEmpty(ls.Reason, string(ls.Source)))
	}
	plan, err := ReadPlan(dir)
	if err != nil {
		return err
	}
	pl, _ := plan.Lane(lane)
	h := *ls.Handle
	hst, err := r.hostFor(h)
	if err != nil {
		return err
	}
	l, err := r.openLedger(ctx, dir)
	if err != nil {
		return err
	}
	defer l.Close()

	typed := text
	if len(text) > inlineSend || strings.ContainsAny(strings.TrimRight(text, "\r\n"), "\r\n") {
		rel, err := nextMessage(dir, lane)
		if err == nil {
			err = l.WriteFile(rel, []byte(text))
		}
		if err != nil {
			return errs.Wrap(errs.Unavailable, op, err, "cannot store the message for lane %s", lane)
		}
		typed = "Read and follow the message at " + filepath.Join(dir, rel)
	}
	out := contract.DeliveryReport{Delivered: true}
	if h.Host == host.KindExec {
		err = host.SendSubmit(ctx, hst, h, typed, pl.SubmitKeys)
	} else {
		opt := deliveryOptions(pl)
		opt.ReadyTimeout = 15 * time.Second
		out, err = host.Deliver(ctx, hst, h, typed, opt)
	}
	if err != nil {
		return errs.Wrap(errs.CodeOf(err), op, err, "cannot send to lane %s", lane)
	}
	if !out.Delivered && out.Dialog != "" {
		_, _ = r.appendAll(l, deliveryEvents(lane, out, "send")[1:])
	}
	if !out.Delivered {
		return errs.E(errs.Unavailable, op, "lane %s did not take the message: %s", lane, out.Reason)
	}
	sum := sha256.Sum256([]byte(text))
	data := ledger.LaneSendData{Bytes: len(text), SHA256: hex.EncodeToString(sum[:]), Submit: true, By: r.actor}
	if h.Host != host.KindExec {
		data.Delivery = &out
	}
	return r.record(l, ledger.EventLaneSend, lane, data)
}

// nextMessage returns the ledger path of the next message file of a lane.
func nextMessage(dir, lane string) (string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, ledger.LaneFile(lane, ledger.MessagesDir)))
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	return filepath.Join(ledger.LaneFile(lane, ledger.MessagesDir), fmt.Sprintf("%03d.md", len(entries)+1)), nil
}

// Stop stops run runID. It records
// run.stopped, kills the lanes the host has for this run (and only those:
// Host.List by run id), recording lane.killed for each lane that was still
// running, and moves the run to aborted unless it is already finished.
// Stopping a finished run removes what is left of its lanes (dead panes)
// and changes nothing else. Transcripts are saved as the lanes are killed.
//
// Errors: errs.Invalid when the id is malformed,
// errs.NotFound for an unknown run, errs.Unavailable when a lane cannot be
// killed (the run is still marked aborted); errs.Unavailable, after the
// run is stopped, when this process cannot resolve one of the run's
// secrets and so saved no transcript rather than an unmasked one.
func (r *Runner) Stop(ctx context.Context, runID string) error {
	const op = "run.Runner.Stop"
	dir, err := r.runDir(ctx, runID)
	if err != nil {
		return err
	}
	l, err := r.openLedger(ctx, dir)
	if err != nil {
		return err
	}
	defer l.Close()
	defer r.releaseLock(runID)
	st := l.Status()
	if err := r.record(l, ledger.EventRunStopped, "", ledger.RunStoppedData{By: r.actor, Reason: "stop requested"}); err != nil {
		return err
	}
	killErr := r.killLanes(ctx, dir, st)
	for _, name := range slices.Sorted(maps.Keys(st.Lanes)) {
		if ls := st.Lanes[name]; ls.Handle != nil && ls.State.Active() {
			if err := r.record(l, ledger.EventLaneKilled, name, ledger.ReasonData{Reason: "the run was stopped"}); err != nil {
				return err
			}
		}
	}
	if !st.State.Terminal() {
		reason := "stopped"
		if r.actor != "" {
			reason += " by " + r.actor
		}
		if err := r.setState(l, contract.StateAborted, reason); err != nil {
			return err
		}
	}
	if killErr != nil {
		return errs.Wrap(errs.Unavailable, op, killErr, "run %s is marked stopped, but not every lane could be killed", runID)
	}
	if err := r.blindTo(runID); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "run %s is stopped and its lanes killed, but no transcript was saved", runID)
	}
	return nil
}

// killLanes kills what the hosts have of the run in ledger dir: first
// each lane the ledger knows, by its recorded handle, saving its
// transcript where the engine keeps it (lanes/<lane>/transcript.log in
// the ledger, whatever a pane's labels say), then whatever else the host
// lists for the run.
func (r *Runner) killLanes(ctx context.Context, dir string, st contract.RunStatus) error {
	ctx = context.WithoutCancel(ctx)
	var hosts []host.Host
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(st.Lanes)) {
		ls := st.Lanes[name]
		if ls.Handle == nil {
			continue
		}
		hst, err := r.hostFor(*ls.Handle)
		if err != nil {
			keep(err)
			continue
		}
		h := *ls.Handle
		if h.Transcript != "" {
			h.Transcript = filepath.Join(dir, ledger.LanesDir, name, ledger.TranscriptName)
		}
		keep(hst.Kill(ctx, h))
		if !slices.Contains(hosts, hst) {
			hosts = append(hosts, hst)
		}
	}
	// A launch cut short may have left lanes the ledger only knows as
	// launching: the plan's host is asked for everything of the run.
	if p, err := ReadPlan(dir); err == nil {
		if hst, err := r.hostFor(contract.LaneHandle{Host: p.Host}); err == nil && !slices.Contains(hosts, hst) {
			hosts = append(hosts, hst)
		}
	}
	for _, hst := range hosts {
		if t, ok := hst.(*host.Tmux); ok {
			keep(t.KillRun(ctx, st.RunID))
		} else {
			keep(killListed(ctx, hst, st.RunID))
		}
	}
	return first
}

// killListed kills every lane host lists for the run.
func killListed(ctx context.Context, hst host.Host, runID string) error {
	hs, err := hst.List(ctx, runID)
	if err != nil {
		return err
	}
	var first error
	for _, h := range hs {
		if err := hst.Kill(ctx, h); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// laneOf returns the status and handle of a started lane.
func (r *Runner) laneOf(ctx context.Context, runID, lane string) (string, contract.LaneStatus, error) {
	const op = "run.Runner"
	dir, err := r.runDir(ctx, runID)
	if err != nil {
		return "", contract.LaneStatus{}, err
	}
	st, _, err := ledger.ReadStatus(dir)
	if err != nil {
		return "", contract.LaneStatus{}, err
	}
	ls, ok := st.Lanes[lane]
	if !ok {
		return "", ls, errs.E(errs.NotFound, op, "run %s has no lane %q (its lanes: %s)", runID, lane, strings.Join(slices.Sorted(maps.Keys(st.Lanes)), ", "))
	}
	if ls.Handle == nil {
		return dir, ls, errs.E(errs.NotFound, op, "lane %s of run %s never started, so it has no output", lane, runID)
	}
	return dir, ls, nil
}

// maxTranscript bounds how much of a transcript file Transcript reads:
// the end of a longer one, from its first whole line.
const maxTranscript = 8 << 20

// Transcript returns what lane of run runID has shown so far: its pane's
// scrollback while the tmux pane exists, else its transcript file, of
// which at most the last 8 MiB (from a line start) are read. live tells
// whether the lane's program still runs. It fails closed with
// errs.Unavailable when this process cannot resolve one of the run's
// secrets, so could not mask its value.
func (r *Runner) Transcript(ctx context.Context, runID, lane string) (text string, live bool, err error) {
	const op = "run.Runner.Transcript"
	dir, ls, err := r.laneOf(ctx, runID, lane)
	if err != nil {
		return "", false, err
	}
	r.learnSecrets(ctx, dir)
	if err := r.blindTo(runID); err != nil {
		return "", false, errs.Wrap(errs.Unavailable, op, err, "the output of lane %s is not shown", lane)
	}
	h := *ls.Handle
	hst, err := r.hostFor(h)
	if err != nil {
		return "", false, err
	}
	live, _ = hst.Alive(ctx, h)
	if h.Host == host.KindTmux {
		if text, err := hst.Capture(ctx, h, 100000); err == nil {
			return string(r.redact([]byte(textx.SqueezeBlank(text)))), live, nil
		}
	}
	path := textx.FirstNonEmpty(h.Transcript, filepath.Join(dir, ledger.LaneFile(lane, ledger.TranscriptName)))
	b, err := fsx.ReadTail(path, maxTranscript+1)
	if err != nil {
		if os.IsNotExist(err) {
			return "", live, errs.E(errs.NotFound, op, "lane %s has no transcript yet (%s)", lane, path)
		}
		return "", live, errs.Wrap(errs.Unavailable, op, err, "cannot read %s", path)
	}
	if len(b) > maxTranscript {
		_, b, _ = bytes.Cut(b, []byte("\n")) // a partial first line
	}
	return string(b), live, nil
}

// Logs writes lane's transcript to w. With follow it keeps writing what
// the lane shows next, every poll interval, until the lane's program ends
// or ctx does.
func (r *Runner) Logs(ctx context.Context, runID, lane string, follow bool, w io.Writer) error {
	var printed []string
	for {
		text, live, err := r.Transcript(ctx, runID, lane)
		if err != nil {
			return err
		}
		lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
		k := shown(printed, lines)
		if k < len(lines) {
			if _, err := io.WriteString(w, strings.Join(lines[k:], "\n")+"\n"); err != nil {
				return err
			}
		}
		printed = lines
		if !follow || !live {
			return nil
		}
		if err := clock.Sleep(ctx, 500*time.Millisecond); err != nil {
			return nil
		}
	}
}

// shown returns how many of lines, a later view of a transcript, were
// already printed: the lines both start with, or, when they start apart
// because the view is cut to the transcript's end and moved on as it
// grew, the longest end of printed that starts lines.
func shown(printed, lines []string) int {
	k := 0
	for k < len(printed) && k < len(lines) && printed[k] == lines[k] {
		k++
	}
	if k > 0 {
		return k
	}
	for j := max(0, len(printed)-len(lines)); j < len(printed); j++ {
		if n := len(printed) - j; printed[j] == lines[0] && printed[len(printed)-1] == lines[n-1] && slices.Equal(printed[j:], lines[:n]) {
			return n
		}
	}
	return 0
}

// AttachCommand returns the command line that attaches a terminal to the
// tmux session of run runID, showing lane when given (else the lead's
// window). It returns errs.Invalid when the lane does not run in tmux and
// errs.NotFound when the session is gone.
func (r *Runner) AttachCommand(ctx context.Context, runID, lane string) ([]string, error) {
	const op = "run.Runner.AttachCommand"
	var h *contract.LaneHandle
	if lane != "" {
		_, ls, err := r.laneOf(ctx, runID, lane)
		if err != nil {
			return nil, err
		}
		h = ls.Handle
	} else {
		st, err := r.Get(ctx, runID)
		if err != nil {
			return nil, err
		}
		// Any lane's handle names the session; attaching shows its
		// first window, the lead's.
		for _, name := range slices.Sorted(maps.Keys(st.Lanes)) {
			if ls := st.Lanes[name]; ls.Handle != nil && h == nil {
				h = ls.Handle
			}
		}
		if h == nil {
			return nil, errs.E(errs.NotFound, op, "run %s has no started lane", runID)
		}
	}
	if h.Host != host.KindTmux {
		return nil, errs.E(errs.Invalid, op, "lane %s runs on the %s host, which has no terminal to attach to: read its output instead", h.Lane, h.Host)
	}
	hst, err := r.hostFor(*h)
	if err != nil {
		return nil, err
	}
	tm, ok := hst.(*host.Tmux)
	if !ok {
		return nil, errs.E(errs.Invalid, op, "lane %s has no terminal to attach to", h.Lane)
	}
	if hs, err := hst.List(ctx, runID); err != nil || len(hs) == 0 {
		return nil, errs.E(errs.NotFound, op, "the tmux session of run %s is gone (the run was stopped or the tmux server ended)", runID)
	}
	return tm.AttachCommand(*h, lane != "")
}
