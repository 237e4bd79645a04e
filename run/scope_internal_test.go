package run

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/ledger"
)

// TestAttributeFoldsCase: on a file system that folds case, a writer's
// change to "src/.ENV" is the excluded "src/.env" and is refused, and
// "SRC/app.go" is inside "src/**"; matched case-sensitively (the plan's
// FoldCase false) the same paths go the other way.
func TestAttributeFoldsCase(t *testing.T) {
	scope := &contract.Scope{Allowed: []string{"src/**"}, Excluded: []string{"**/.env"}}
	evs := []contract.Event{
		ledger.MustEvent(ledger.EventRunBaseline, "", ledger.TreeData{}),
		ledger.MustEvent(ledger.EventLaneTree, "writer", ledger.TreeData{Phase: phaseStart}),
	}
	now := ledger.TreeData{Changed: map[string]string{"src/.ENV": "d1", "SRC/app.go": "d2"}}
	for _, tc := range []struct {
		fold              bool
		owned, refusedTop string
	}{{true, "SRC/app.go", "src/.ENV"}, {false, "src/.ENV", "SRC/app.go"}} {
		p := &Plan{FoldCase: tc.fold, Lanes: []PlanLane{{Lane: "writer", CanWrite: true, Scope: scope}}}
		a := attribute(evs, now, p, &contract.Route{})
		assert.Equal(t, []string{tc.owned}, a.byLane["writer"], "fold %v", tc.fold)
		if assert.Len(t, a.refused, 1, "fold %v", tc.fold) {
			assert.Equal(t, tc.refusedTop, a.refused[0].Path)
		}
	}
}
