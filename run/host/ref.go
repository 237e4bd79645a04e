package host

import (
	"strconv"

	"github.com/cocoder/cocoder/contract"
)

// Keys of LaneHandle.Ref. A host writes only its own keys and reads them
// back; nothing outside this package interprets them.
const (
	refSocket  = "socket"  // tmux: server socket name (-L)
	refSession = "session" // tmux: the run's session
	refWindow  = "window"  // tmux: window id, "@3"
	refPane    = "pane"    // tmux: pane id, "%7"
	refPID     = "pid"     // tmux and exec: the lane program's process id
)

// paneRef is where a tmux lane runs.
type paneRef struct {
	socket, session, window, pane string
	pid                           int
}

func (p paneRef) ref() map[string]string {
	m := map[string]string{refSocket: p.socket, refSession: p.session, refWindow: p.window, refPane: p.pane}
	if p.pid > 0 {
		m[refPID] = strconv.Itoa(p.pid)
	}
	return m
}

// paneOf reads a tmux handle's Ref. Missing or malformed entries come back
// empty (pid 0); checkHandle refuses such a handle.
func paneOf(h contract.LaneHandle) paneRef {
	return paneRef{socket: h.Ref[refSocket], session: h.Ref[refSession], window: h.Ref[refWindow], pane: h.Ref[refPane], pid: pidOf(h)}
}

// pidOf returns the process id a handle records, or 0.
func pidOf(h contract.LaneHandle) int {
	pid, err := strconv.Atoi(h.Ref[refPID])
	if err != nil || pid < 0 {
		return 0
	}
	return pid
}

// pidRef is the Ref of an exec lane.
func pidRef(pid int) map[string]string {
	return map[string]string{refPID: strconv.Itoa(pid)}
}

// PID returns the process id of a lane's program as its local host
// recorded it (the pane's first process for tmux, the child for exec), or
// 0 when the handle records none.
func PID(h contract.LaneHandle) int { return pidOf(h) }

// Where describes where a lane runs, for a person: "in tmux pane %3" or
// "as process 4242". It returns "" for a handle that says nothing it knows.
func Where(h contract.LaneHandle) string {
	switch h.Host {
	case KindTmux:
		if p := paneOf(h).pane; p != "" {
			return "in tmux pane " + p
		}
	case KindExec:
		if pid := pidOf(h); pid > 0 {
			return "as process " + strconv.Itoa(pid)
		}
	}
	return ""
}
