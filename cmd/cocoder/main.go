// Command cocoder is the reference command-line interface of CoCoder: a thin
// layer over the public packages of github.com/cocoder/cocoder.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/term"
)

// exitInterrupted is the exit code of a command ended by Ctrl-C (SIGINT) or
// SIGTERM, the shell's 128+SIGINT.
const exitInterrupted = 130

// defaultInterruptGrace is how long a command has, after Ctrl-C or
// SIGTERM has cancelled its context, to finish what it was doing (release
// a lock, record a stop) before the process ends anyway. A second signal
// ends it at once.
const defaultInterruptGrace = 2 * time.Second

// interruptGrace is the grace of the running command, in nanoseconds: a
// command whose orderly stop takes longer (a server draining its requests)
// raises it with extendInterruptGrace.
var interruptGrace atomic.Int64

// extendInterruptGrace gives the running command at least d to stop after
// the first signal.
func extendInterruptGrace(d time.Duration) {
	for {
		cur := interruptGrace.Load()
		if int64(d) <= cur || interruptGrace.CompareAndSwap(cur, int64(d)) {
			return
		}
	}
}

func main() {
	os.Exit(runMain(os.Args[1:], osStreams()))
}

// runMain runs the CLI as the process: Ctrl-C and SIGTERM cancel the
// command's context, and the process ends once the command returns, after
// its grace (2 s unless it asked for more), or at a second signal,
// whichever comes first, so that no blocking step (a read of a terminal or
// a pipe, a wait) can keep it alive. The exit code is then exitInterrupted,
// unless the command returned in time with success (a server that shut
// down cleanly exits 0). A terminal whose echo a prompt turned off is
// restored first.
func runMain(args []string, s streams) int {
	interruptGrace.Store(int64(defaultInterruptGrace))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	restore := saveTerminal(s.in)
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, s) }()
	select {
	case code := <-done:
		return code
	case <-sigs:
	}
	cancel()
	select {
	case code := <-done:
		if code == exitOK {
			return exitOK
		}
	case <-sigs:
	case <-time.After(time.Duration(interruptGrace.Load())):
	}
	restore()
	fmt.Fprintln(s.err, "cocoder: interrupted")
	return exitInterrupted
}

// saveTerminal returns a function that puts the terminal on in (when it is
// one) back in the state it is in now.
func saveTerminal(in any) func() {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	st, err := term.GetState(int(f.Fd()))
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(int(f.Fd()), st) }
}
