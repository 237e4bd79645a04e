package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/ledger"
)

// The lanes of the team run: the scaffolded default route's lead, writer
// and verifier.
const (
	LeadLane     = "lead"
	WriterLane   = "writer"
	VerifierLane = "verifier"
)

// TeamOutcome is what a team run did.
type TeamOutcome struct {
	// RunID is the run's id and Ledger its ledger directory.
	RunID, Ledger string
	// Status is the run's status after Wait.
	Status contract.RunStatus
	// Events are the run's events.
	Events []contract.Event
	// Model is the scripted model the lanes talked to.
	Model *Model
	// Edited is the content of EditedFile after the run.
	Edited string
	// Commit is the message of the workspace's last commit.
	Commit string
	// Survivors are processes of the run still alive after Stop.
	Survivors []int
	// Screens are the lanes' last screens before the run was stopped.
	Screens map[string]string
}

// RunTeam runs the scaffolded default route with every lane on cli: the
// lead dispatches the writer and, once the writer's result is accepted,
// the verifier, through the dispatch tool of the lanes' MCP server; the
// writer changes EditedFile; each lane reports through the result
// channel; the engine gates and commits. It waits up to timeout (default
// 6 minutes), stops the run and reports what happened (see CheckTeam).
func RunTeam(t testing.TB, cli CLI, timeout time.Duration) TeamOutcome {
	t.Helper()
	ctx := context.Background()
	if timeout <= 0 {
		timeout = 6 * time.Minute
	}
	script := func(root string) Script {
		return Script{Lanes: map[string]Script{
			LeadLane: {
				Dispatch: []map[string]any{
					{"lane": WriterLane, "brief": "Add one line to " + EditedFile + ", then report."},
					{"lane": VerifierLane, "brief": "Check the writer's line in " + EditedFile + ".", "after": []string{WriterLane}},
				},
				Result: passResult("dispatched the writer and the verifier", contract.NoFilesChanged),
			},
			WriterLane: {
				Edit:   &Edit{Path: filepath.Join(root, EditedFile), Text: "- team edit by " + cli.Adapter + "\n"},
				Result: passResult("added the line", EditedFile),
			},
			VerifierLane: {Result: passResult("the line is there", contract.NoFilesChanged)},
		}}
	}
	b := newLab(t, cli, map[string]string{"cocoder/profiles/team.yaml": teamProfileYAML(cli.Adapter)}, script, nil)
	r := b.runner
	runID := b.start(t, cli, "default", "team")
	out := TeamOutcome{RunID: runID, Model: b.model, Screens: map[string]string{}}
	out.Status, _ = r.Wait(ctx, runID, run.WaitOptions{Timeout: timeout, Poll: 500 * time.Millisecond})
	for _, lane := range []string{LeadLane, WriterLane, VerifierLane} {
		out.Screens[lane] = b.screen(out.Status, lane)
	}
	_ = r.Stop(ctx, runID)
	out.Survivors = Survivors(runID, 5*time.Second)
	out.Ledger, _ = ledgerDir(b.home, out.Status)
	out.Events, _, _ = ledger.ReadEvents(out.Ledger)
	if data, err := os.ReadFile(filepath.Join(b.root, EditedFile)); err == nil {
		out.Edited = string(data)
	}
	if msg, err := exec.Command("git", "-C", b.root, "log", "-1", "--format=%B").Output(); err == nil {
		out.Commit = string(msg)
	}
	return out
}

// CheckTeam asserts what a team run must show: the run complete with every
// lane done and PASS, each lane's prompt delivery confirmed, the writer
// and the verifier dispatched by the lead (the verifier only after the
// writer's result), the writer's change committed by the engine with the
// lane's trailer, and no process of the run left after the stop.
func CheckTeam(t testing.TB, o TeamOutcome) {
	t.Helper()
	var bad []string
	if o.Status.State != contract.StateComplete {
		bad = append(bad, fmt.Sprintf("the run is %s (%s), not complete", o.Status.State, o.Status.Reason))
	}
	at := map[string]int{}
	delivered := map[string]bool{}
	for i, ev := range o.Events {
		key := ev.Type + " " + ev.Lane
		if _, seen := at[key]; !seen {
			at[key] = i + 1
		}
		if ev.Type == ledger.EventLanePromptDelivered {
			delivered[ev.Lane] = true
		}
	}
	for _, lane := range []string{LeadLane, WriterLane, VerifierLane} {
		ls := o.Status.Lanes[lane]
		if ls.State != contract.LaneDone || ls.Result != string(contract.StatusPass) {
			bad = append(bad, fmt.Sprintf("lane %s is %s with result %q (%s: %s)", lane, ls.State, ls.Result, ls.Source, ls.Reason))
		}
		if !delivered[lane] {
			bad = append(bad, "lane "+lane+"'s prompt delivery was not confirmed")
		}
	}
	for _, lane := range []string{WriterLane, VerifierLane} {
		if at[ledger.EventLaneDispatchRequested+" "+lane] == 0 || at[ledger.EventLaneDispatched+" "+lane] == 0 {
			bad = append(bad, "lane "+lane+" was not dispatched by the lead")
		}
	}
	if w, v := at[ledger.EventLaneResult+" "+WriterLane], at[ledger.EventLaneDispatched+" "+VerifierLane]; w == 0 || v < w {
		bad = append(bad, "the verifier was dispatched before the writer's result was accepted")
	}
	if !strings.Contains(o.Edited, "team edit") {
		bad = append(bad, "the writer did not change "+EditedFile)
	}
	if !strings.Contains(o.Commit, "Cocoder-Lane: "+WriterLane) || !strings.Contains(o.Commit, "Cocoder-Run: "+o.RunID) {
		bad = append(bad, "the last commit is not the engine's commit of the writer's change:\n"+o.Commit)
	}
	if len(o.Survivors) > 0 {
		bad = append(bad, fmt.Sprintf("processes of the run survived the stop: %v", o.Survivors))
	}
	if len(bad) > 0 {
		var screens strings.Builder
		for _, lane := range []string{LeadLane, WriterLane, VerifierLane} {
			fmt.Fprintf(&screens, "\n--- %s's last screen:\n%s\n", lane, o.Screens[lane])
		}
		t.Errorf("conformance: %s\nmodel steps: %v%s", strings.Join(bad, "\n"), laneSteps(o.Model), screens.String())
	}
}

// laneSteps lists the model's steps as lane:step.
func laneSteps(m *Model) []string {
	var out []string
	for _, r := range m.Requests() {
		if r.Step != "" && r.Step != "side" {
			out = append(out, r.Lane+":"+r.Step)
		}
	}
	return out
}

func teamProfileYAML(adapter string) string {
	return fmt.Sprintf(`id: team
label: Lead, writer and verifier on %[1]s
lanes:
  lead:
    persona: lead
    adapter: %[1]s
    canWrite: false
  writer:
    persona: writer
    adapter: %[1]s
    canWrite: true
  verifier:
    persona: verifier
    adapter: %[1]s
    canWrite: false
defaults:
  missingAdapterPolicy: block
`, adapter)
}
