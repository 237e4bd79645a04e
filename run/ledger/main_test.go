package ledger_test

import (
	"bufio"
	"fmt"
	"os"
	"testing"

	"github.com/cocoder/cocoder/internal/tmuxtest"
	"github.com/cocoder/cocoder/run/ledger"
)

// helperEnv selects what the re-executed test binary does instead of
// running tests.
const helperEnv = "COCODER_RUN_TEST_HELPER"

// TestMain runs the helper programs the tests start (as lanes or as a
// ledger writer), and keeps every test away from the user's tmux: TMUX is
// pointed at a server that does not exist and TMUX_TMPDIR at a fresh
// directory. After the tests it fails if anything created tmux's default
// socket there.
func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
	case "ledger-writer":
		os.Exit(ledgerWriterMain(os.Args[1]))
	default:
		fmt.Fprintln(os.Stderr, "unknown helper", os.Getenv(helperEnv))
		os.Exit(2)
	}
	os.Exit(tmuxtest.Main(m))
}

// ledgerWriterMain opens the ledger dir and appends events as fast as it
// can, printing "ack <seq>" after each Append returns, until killed. One
// event in three changes the status, so kills also land between an append
// and the rewrite of run.json.
func ledgerWriterMain(dir string) int {
	l, err := ledger.Open(dir, ledger.Options{})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "ready")
	w.Flush()
	pad := make([]byte, 0, 2048)
	for i := 0; ; i++ {
		pad = append(pad[:0], make([]byte, i%2048)...)
		for j := range pad {
			pad[j] = 'a' + byte(j%26)
		}
		// Every third event changes the lane's status (and so rewrites
		// run.json); the others change nothing run.json shows.
		typ := ledger.EventLaneSend
		switch i % 6 {
		case 0:
			typ = ledger.EventLanePromptDelivered
		case 3:
			typ = ledger.EventLanePromptFailed
		}
		ev, err := ledger.NewEvent(typ, "writer", map[string]any{"i": i, "pad": string(pad)})
		if err == nil {
			ev, err = l.Append(ev)
		}
		if err != nil {
			fmt.Fprintln(w, "error", err)
			w.Flush()
			return 1
		}
		fmt.Fprintln(w, "ack", ev.Seq)
		w.Flush()
	}
}
