package run_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/memtest"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/ledger"
)

func TestReadPlanIsBounded(t *testing.T) {
	dir := t.TempDir()
	testkit.PutFile(t, filepath.Join(dir, ledger.PlanFile), `{"lanes":[`+strings.Repeat(`{},`, memtest.TenMiB/3)+`{}]}`)
	var err error
	n := memtest.Allocated(func() { _, err = run.ReadPlan(dir) })
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, filepath.Join(dir, ledger.PlanFile))
	assert.ErrorContains(t, err, "1 MiB")
	assert.Less(t, n, uint64(64<<10), "refused by its size: allocated %d bytes", n)
}
