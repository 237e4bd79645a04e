package run_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/ledger"
)

// FuzzReadPlan feeds arbitrary bytes to ReadPlan as a ledger's plan.json:
// it never panics, refuses what is not a plan with errs.Invalid, and a plan
// it accepts encodes again.
func FuzzReadPlan(f *testing.F) {
	f.Add([]byte(`{"runId":"r-20261124T140312Z-abcdefgh","workspace":"/w","ledgerDir":"/h/runs/w/r","host":"tmux","priority":{"slug":"x","state":"active"},"route":{"id":"default","file":"/w/cocoder/routes/default.yaml"},"profile":{"id":"default","file":"/p"},"lanes":[{"lane":"lead","persona":"lead","adapter":"demo","sandbox":"read-only","canWrite":false,"startupMode":"lead","promptDelivery":"type","prompt":"p","command":"/c","argv":["/c","agent","demo"],"env":["PATH"],"promptFile":"/a","resultFile":"/b","transcript":"/t"}],"createdAt":"2026-11-24T14:03:12Z"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"lanes":[{"scope":{"allowed":["src/**"]},"secrets":{"K":"${secret:k}"}}],"issues":[{"code":"x","severity":"block","message":"m"}]}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`{"lanes":null,"runId":7}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ledger.PlanFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := run.ReadPlan(dir)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("ReadPlan error code %s, want invalid: %v", errs.CodeOf(err), err)
			}
			return
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("an accepted plan does not encode: %v", err)
		}
		for _, l := range p.Lanes {
			if got, ok := p.Lane(l.Lane); !ok || got.Lane != l.Lane {
				t.Fatalf("Lane(%q) does not find the lane", l.Lane)
			}
		}
		_ = p.Blocking()
	})
}
