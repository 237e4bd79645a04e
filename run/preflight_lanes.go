package run

import (
	"os"
	"slices"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/host"
)

// euid is the effective user id the lanes run as; a variable for tests.
var euid = os.Geteuid

// checkLaneHosts refuses lanes that cannot work where they would run: an
// interactive agent CLI on the exec host (it gets pipes, not a terminal:
// observed, Claude Code sits silent, Codex stops with "stdin is not a
// terminal", Gemini CLI exits 42), and a lane whose CLI refuses its
// sandbox mode as root.
func (r *Runner) checkLaneHosts(p *Plan, out *issues) {
	for _, l := range p.Lanes {
		a := p.docs.adapters[l.Lane]
		if a == nil {
			continue
		}
		if p.Host == host.KindExec && a.Kind == contract.KindLLMCLI && a.Capabilities.Interactive {
			out.block(IssueInteractiveOnExec, l.Lane, "adapter %s is an interactive terminal program and the exec host gives it pipes, where it cannot work; run the lanes on the tmux host, or declare the CLI's headless form as an adapter of its own", a.ID)
		}
		if slices.Contains(a.NotAsRoot, contract.SandboxMode(l.Sandbox)) && euid() == 0 {
			out.block(IssueRefusedAsRoot, l.Lane, "adapter %s refuses sandbox mode %s when run as root (it exits at once); run CoCoder as an ordinary user, or give the lane workspace-write", a.ID, l.Sandbox)
		}
	}
}
