// Package faketui is a tiny stand-in for an agent's terminal UI, used to
// test prompt delivery against a real tmux pane. It puts its terminal in
// raw mode, turns on bracketed paste, shows a composer line "READY> …" and
// records every submitted message. Flags make it misbehave the way real
// TUIs do: start slowly, show a dialog, drop a paste, swallow an Enter,
// take an Enter that follows a paste too soon as a newline, submit only on
// another key (C-j) and take Enter as a newline, or show a paste late.
//
// A test binary calls Main from TestMain when it is re-executed as the
// lane's program.
package faketui

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Screen texts, for tests to build patterns from.
const (
	// Prompt starts the composer line.
	Prompt = "READY> "
	// Busy is shown while a submitted message is being "worked on".
	Busy = "working (esc to interrupt)"
	// Dialog is shown instead of the composer until "y" is typed.
	Dialog = "Allow this tool to run? [y/n]"
	// Loading is shown before the program is ready.
	Loading = "loading..."
)

var (
	pasteStart = []byte("\x1b[200~")
	pasteEnd   = []byte("\x1b[201~")
)

// Submission is one line of the log file.
type Submission struct {
	Text string `json:"text"`
}

type tui struct {
	out          io.Writer
	log          string
	swallow      int
	submitLF     bool
	showAfter    time.Duration
	pending      string // a paste not shown yet (showAfter)
	dropPastes   int
	enterWindow  time.Duration
	busyFor      time.Duration
	ready        bool
	dialog       bool
	busy         bool
	buf          string
	history      []string
	lastPasteEnd time.Time
}

// Main runs the fake TUI with command-line args (without the program name)
// on stdin and stdout, until stdin ends. It returns the exit code.
func Main(args []string) int {
	fs := flag.NewFlagSet("faketui", flag.ContinueOnError)
	readyAfter := fs.Duration("ready-after", 0, "show the composer only after this long")
	dialog := fs.Bool("dialog", false, "show a dialog until 'y' is typed")
	t := &tui{out: os.Stdout}
	fs.StringVar(&t.log, "log", "", "append each submission to this file as a JSON line")
	fs.IntVar(&t.swallow, "swallow-enters", 0, "ignore this many Enters that would submit")
	fs.IntVar(&t.dropPastes, "drop-pastes", 0, "ignore this many pastes")
	fs.DurationVar(&t.enterWindow, "enter-window", 0, "an Enter this soon after a paste becomes a newline")
	fs.DurationVar(&t.busyFor, "busy", 0, "show the busy line this long after a submission")
	fs.BoolVar(&t.submitLF, "submit-lf", false, "submit only on a line feed (C-j); a carriage return (Enter) adds a newline")
	fs.DurationVar(&t.showAfter, "show-paste-after", 0, "show a paste in the composer only this long after it arrived, with a status line below the composer meanwhile")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	t.dialog = *dialog

	stty := exec.Command("stty", "raw", "-echo")
	stty.Stdin = os.Stdin
	_ = stty.Run() // not a terminal: run anyway (unit tests)
	fmt.Fprint(t.out, "\x1b[?2004h")

	input := make(chan []byte)
	go func() {
		defer close(input)
		b := make([]byte, 4096)
		for {
			n, err := os.Stdin.Read(b)
			if n > 0 {
				input <- append([]byte(nil), b[:n]...)
			}
			if err != nil {
				return
			}
		}
	}()
	readyC := time.After(*readyAfter)
	var busyC, showC <-chan time.Time
	var acc []byte
	t.draw()
	for {
		select {
		case <-readyC:
			t.ready = true
			t.draw()
		case <-busyC:
			t.busy = false
			t.draw()
		case <-showC:
			t.buf += t.pending
			t.pending, showC = "", nil
			t.lastPasteEnd = time.Now()
			t.draw()
		case b, ok := <-input:
			if !ok {
				return 0
			}
			acc = append(acc, b...)
			acc = t.feed(acc)
			if t.pending != "" && showC == nil {
				showC = time.After(t.showAfter)
			}
			if t.busy && busyC == nil {
				busyC = time.After(t.busyFor)
			} else if !t.busy {
				busyC = nil
			}
			t.draw()
		}
	}
}

// feed consumes what it can of the input and returns the rest (an
// incomplete escape sequence or paste).
func (t *tui) feed(acc []byte) []byte {
	for len(acc) > 0 {
		if bytes.HasPrefix(acc, pasteStart) {
			i := bytes.Index(acc, pasteEnd)
			if i < 0 {
				return acc // wait for the rest of the paste
			}
			t.paste(string(acc[len(pasteStart):i]))
			acc = acc[i+len(pasteEnd):]
			continue
		}
		c := acc[0]
		if c == 0x1b && len(acc) < len(pasteStart) && bytes.HasPrefix(pasteStart, acc) {
			return acc
		}
		acc = acc[1:]
		switch {
		case !t.ready:
			// Input before the program is ready is lost, as in real TUIs.
		case t.dialog:
			if c == 'y' {
				t.dialog = false
			}
		case c == '\r' && t.submitLF:
			t.buf += "\n"
		case c == '\r' || c == '\n':
			t.enter()
		case c == 0x7f:
			if r := []rune(t.buf); len(r) > 0 {
				t.buf = string(r[:len(r)-1])
			}
		case c >= 0x20 && c != 0x7f:
			t.buf += string([]byte{c})
		}
	}
	return nil
}

func (t *tui) paste(s string) {
	if !t.ready || t.dialog {
		return
	}
	if t.dropPastes > 0 {
		t.dropPastes--
		return
	}
	if t.showAfter > 0 {
		t.pending += s
		return
	}
	t.buf += s
	t.lastPasteEnd = time.Now()
}

func (t *tui) enter() {
	if t.busy {
		return
	}
	if t.enterWindow > 0 && time.Since(t.lastPasteEnd) < t.enterWindow {
		t.buf += "\n"
		return
	}
	if strings.TrimSpace(t.buf) == "" {
		return
	}
	if t.swallow > 0 {
		t.swallow--
		return
	}
	text := t.buf
	t.buf = ""
	t.history = append(t.history, "you: "+strings.ReplaceAll(text, "\n", " / "))
	if t.log != "" {
		line, _ := json.Marshal(Submission{Text: text})
		if f, err := os.OpenFile(t.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			_, _ = f.Write(append(line, '\n'))
			_ = f.Close()
		}
	}
	if t.busyFor > 0 {
		t.busy = true
		t.history = append(t.history, Busy)
	} else {
		t.history = append(t.history, "done")
	}
}

// draw repaints the whole screen: the last history lines, then the
// composer (or the dialog, loading or nothing while busy).
func (t *tui) draw() {
	var b strings.Builder
	b.WriteString("\x1b[H\x1b[2J")
	h := t.history
	if len(h) > 15 {
		h = h[len(h)-15:]
	}
	for _, l := range h {
		b.WriteString(l + "\r\n")
	}
	switch {
	case !t.ready:
		b.WriteString(Loading)
	case t.dialog:
		b.WriteString(Dialog)
	case t.busy:
	default:
		b.WriteString(Prompt + strings.ReplaceAll(t.buf, "\n", " ⏎ "))
		if t.pending != "" {
			b.WriteString("\r\n(pasting...)")
		}
	}
	fmt.Fprint(t.out, b.String())
}
