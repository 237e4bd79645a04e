package host_test

import (
	"os/exec"
	"strconv"
	"testing"

	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/host"
)

// BenchmarkTmuxStart3Lanes measures starting a three-lane run on the tmux
// host, against the same three panes made with plain tmux commands
// (new-session + two new-window, no labels, no checks).
func BenchmarkTmuxStart3Lanes(b *testing.B) {
	hst := testkit.NewTmux(b)
	dir := b.TempDir()
	b.Run("Host", func(b *testing.B) {
		for b.Loop() {
			id := testkit.NewRunID()
			for _, lane := range []string{"lead", "writer", "verifier"} {
				if _, err := hst.Start(b.Context(), host.LaneSpec{RunID: id, Lane: lane, Dir: dir,
					Argv: []string{"/bin/sleep", "60"}, Env: []string{"COCODER_LANE=" + lane}}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			_ = hst.KillRun(b.Context(), id)
			b.StartTimer()
		}
	})
	b.Run("RawTmux", func(b *testing.B) {
		sock := "cct-raw-" + testkit.RandHex(4)
		defer exec.Command("tmux", "-L", sock, "kill-server").Run()
		i := 0
		for b.Loop() {
			i++
			s := "raw" + strconv.Itoa(i)
			cmds := [][]string{
				{"new-session", "-d", "-s", s, "-c", dir, "-e", "COCODER_LANE=lead", "--", "/bin/sleep", "60"},
				{"new-window", "-d", "-t", s + ":", "-c", dir, "-e", "COCODER_LANE=writer", "--", "/bin/sleep", "60"},
				{"new-window", "-d", "-t", s + ":", "-c", dir, "-e", "COCODER_LANE=verifier", "--", "/bin/sleep", "60"},
			}
			for _, c := range cmds {
				if out, err := exec.Command("tmux", append([]string{"-L", sock, "-f", "/dev/null"}, c...)...).CombinedOutput(); err != nil {
					b.Fatal(err, string(out))
				}
			}
			b.StopTimer()
			_ = exec.Command("tmux", "-L", sock, "kill-session", "-t", s).Run()
			b.StartTimer()
		}
	})
}
