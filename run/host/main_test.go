package host_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/internal/tmuxtest"
	"github.com/cocoder/cocoder/run/internal/faketui"
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
	case "faketui":
		os.Exit(faketui.Main(os.Args[1:]))
	case "dump":
		os.Exit(dumpMain())
	case "keys":
		os.Exit(keysMain())
	default:
		fmt.Fprintln(os.Stderr, "unknown helper", os.Getenv(helperEnv))
		os.Exit(2)
	}
	os.Exit(tmuxtest.Main(m))
}

// dumpMain records its argv, environment and working directory as JSON in
// the file named by $COCODER_DUMP, then waits (so the pane stays alive)
// for $COCODER_DUMP_WAIT.
func dumpMain() int {
	wd, _ := os.Getwd()
	b, _ := json.Marshal(dump{Args: os.Args[1:], Env: os.Environ(), Dir: wd})
	if err := os.WriteFile(os.Getenv("COCODER_DUMP"), b, 0o600); err != nil {
		return 1
	}
	if d, err := time.ParseDuration(os.Getenv("COCODER_DUMP_WAIT")); err == nil {
		time.Sleep(d)
	}
	return 0
}

type dump struct {
	Args []string `json:"args"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`
}

// readDump waits for the dump helper's output file and decodes it.
func readDump(t testing.TB, path string) dump {
	t.Helper()
	var d dump
	testkit.WaitFor(t, 10*time.Second, "the lane program to write "+path, func() bool {
		b, err := os.ReadFile(path)
		return err == nil && json.Unmarshal(b, &d) == nil
	})
	return d
}

// keysMain puts its terminal in raw mode and appends what each read of
// its stdin returns, as one quoted Go string per line, to the file named
// by $COCODER_KEYS, until stdin ends.
func keysMain() int {
	stty := exec.Command("stty", "raw", "-echo")
	stty.Stdin = os.Stdin
	if err := stty.Run(); err != nil {
		return 1
	}
	f, err := os.OpenFile(os.Getenv("COCODER_KEYS"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 1
	}
	defer f.Close()
	b := make([]byte, 256)
	for {
		n, err := os.Stdin.Read(b)
		if n > 0 {
			fmt.Fprintf(f, "%q\n", b[:n])
		}
		if err != nil {
			return 0
		}
	}
}
