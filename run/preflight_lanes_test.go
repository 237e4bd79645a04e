package run_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
)

// issueCodes lists the codes of a plan's issues for lane.
func issueCodes(p *run.Plan, lane string) []string {
	var out []string
	for _, is := range p.Issues {
		if is.Lane == lane {
			out = append(out, is.Code)
		}
	}
	return out
}

// TestExecHostRefusesInteractiveCLIs plans the default profile with the
// vendor CLIs "installed" (stubs in PATH) on the exec host: their lanes
// are refused, since an interactive CLI given pipes cannot work.
func TestExecHostRefusesInteractiveCLIs(t *testing.T) {
	f := newFixture(t)
	f.script("claude", "exit 0")
	f.script("codex", "exit 0")
	r := f.runner(func(o *run.Options) { o.HostKind = host.KindExec })
	p, err := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	require.Error(t, err)
	assert.Contains(t, issueCodes(p, "lead"), run.IssueInteractiveOnExec)
	assert.Contains(t, issueCodes(p, "writer"), run.IssueInteractiveOnExec)

	tm := f.runner()
	p, err = tm.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err, "the tmux host takes them")
	assert.NotContains(t, issueCodes(p, "lead"), run.IssueInteractiveOnExec)
}

// TestFullAccessClaudeRefusedAsRoot: claude exits at once when asked to
// skip permissions as root, so such a lane is refused before it starts.
func TestFullAccessClaudeRefusedAsRoot(t *testing.T) {
	f := newFixture(t)
	f.script("claude", "exit 0")
	f.write("cocoder/profiles/full.yaml", "id: full\nlabel: full access\nlanes:\n  lead: {persona: lead, adapter: claude, canWrite: false, sandbox: danger-full-access}\n"+
		"  writer: {persona: writer, adapter: demo, canWrite: true}\n  verifier: {persona: verifier, adapter: demo, canWrite: false}\n")
	r := f.runner()
	p, _ := r.Plan(t.Context(), run.PlanRequest{Priority: "try-cocoder", Profile: "full"})
	require.NotNil(t, p)
	if os.Geteuid() == 0 {
		assert.Contains(t, issueCodes(p, "lead"), run.IssueRefusedAsRoot)
	} else {
		assert.NotContains(t, issueCodes(p, "lead"), run.IssueRefusedAsRoot)
	}
	for _, is := range p.Issues {
		if is.Code == run.IssueRefusedAsRoot {
			assert.Equal(t, contract.SeverityBlock, is.Severity)
			assert.Contains(t, is.Message, "root")
		}
	}
}
