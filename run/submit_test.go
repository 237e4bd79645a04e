package run_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/internal/faketui"
	"github.com/cocoder/cocoder/run/ledger"
)

// TestSubmitKeysReachTheLane: an adapter declaring submitKeys [C-j] for a
// TUI that submits only on C-j (and takes Enter as a newline) gets its
// typed prompt and a follow-up message submitted: the keys go from the
// declaration through the plan to the delivery.
func TestSubmitKeysReachTheLane(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.self = testkit.Self(t)
	f.link("stty") // the fake TUI puts its terminal in raw mode
	f.killServer()
	log := filepath.Join(t.TempDir(), "submitted.jsonl")
	f.write("cocoder/adapters/demo.yaml", `id: demo
label: A TUI that submits on C-j
kind: command
command: "{self}"
args: ["faketui", "-log", "`+log+`", "-submit-lf"]
promptDelivery: type
readyPattern: '^READY> '
busyPattern: 'esc to interrupt'
submitKeys: [C-j]
availabilityCheck: {commandExists: "{self}"}
capabilities: {interactive: true, initialPrompt: true, stdinDispatch: true, resultFile: true, transcriptCapture: true, streamingDetection: true, screenshots: false, dom: false, console: false, shell: false, fileEdit: true}
writeCapability: bounded
sandboxModes: [read-only, workspace-write, danger-full-access]
approvalModes: [never]
resultContract: job-result
evidenceCapabilities: [transcript]
failureModes: [unknown]
`)
	r := f.runner()
	ctx := t.Context()
	p, err := r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
	require.NoError(t, err)
	lead, ok := p.Lane("lead")
	require.True(t, ok)
	require.Equal(t, "demo", lead.Adapter)
	assert.Equal(t, []string{"C-j"}, lead.SubmitKeys)
	st, err := r.Start(ctx, p)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Stop(ctx, st.RunID) })

	var out contract.DeliveryReport
	testkit.WaitFor(t, 30*time.Second, "the lead's prompt delivery", func() bool {
		events, _, err := ledger.ReadEvents(mustDir(t, r, st.RunID))
		require.NoError(t, err)
		for _, ev := range events {
			if ev.Lane == "lead" && (ev.Type == ledger.EventLanePromptDelivered || ev.Type == ledger.EventLanePromptFailed) {
				require.NoError(t, ledger.DecodeData(ev, &out))
				return true
			}
		}
		return false
	})
	assert.True(t, out.Delivered, "%+v", out)
	assert.Equal(t, 1, out.Attempts, "one press of the declared keys")
	// A follow-up message goes through the same keys.
	require.NoError(t, r.Send(ctx, st.RunID, "lead", "one more thing"))
	assert.Equal(t, []string{lead.Prompt, "one more thing"}, submitted(t, log), "each submitted once")
}

// submitted reads the fake TUI's log of submitted messages.
func submitted(t *testing.T, path string) []string {
	t.Helper()
	fl, err := os.Open(path)
	require.NoError(t, err)
	defer fl.Close()
	var got []string
	for sc := bufio.NewScanner(fl); sc.Scan(); {
		var s faketui.Submission
		require.NoError(t, json.Unmarshal(sc.Bytes(), &s))
		got = append(got, s.Text)
	}
	return got
}
