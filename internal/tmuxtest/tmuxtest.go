// Package tmuxtest keeps a test binary away from the user's tmux.
//
// Tests that start real tmux servers call [Main] from TestMain. It points
// TMUX_TMPDIR at a fresh directory, so every socket the tests create lives
// there, and TMUX at a server that does not exist, so nothing that honours
// an inherited TMUX reaches a session the user is in. After the tests it
// fails the binary if anything created tmux's default socket, which would
// mean some code forgot its private -L server.
package tmuxtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Main runs m with tmux isolated as the package doc describes and returns
// the exit code for os.Exit.
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cct")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	os.Setenv("TMUX_TMPDIR", dir)
	os.Setenv("TMUX", "/nonexistent/default,1,0")
	code := m.Run()
	def := filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), "default")
	if _, err := os.Stat(def); err == nil {
		fmt.Fprintln(os.Stderr, "FAIL: a test touched tmux's default server socket", def)
		code = 1
	}
	return code
}
