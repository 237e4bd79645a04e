package contract_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run/ledger"
)

func TestNewRunID(t *testing.T) {
	at := time.Date(2026, 11, 24, 15, 3, 12, 0, time.FixedZone("CET", 3600))
	id := contract.NewRunID(at)
	assert.Regexp(t, `^r-20261124T140312Z-[a-z2-7]{8}$`, id, "the time is UTC")
	assert.True(t, contract.ValidRunID(id))
	got, ok := contract.RunIDTime(id)
	require.True(t, ok)
	assert.True(t, got.Equal(at.Truncate(time.Second)))

	seen := map[string]bool{}
	for range 1000 {
		id := contract.NewRunID(at)
		assert.False(t, seen[id], "ids must not repeat")
		seen[id] = true
	}

	var ids []string
	for i := range 5 {
		ids = append(ids, contract.NewRunID(at.Add(time.Duration(4-i)*time.Hour)))
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		a, _ := contract.RunIDTime(ids[i-1])
		b, _ := contract.RunIDTime(ids[i])
		assert.True(t, a.Before(b), "sorting ids sorts them by time")
	}
}

func TestValidRunID(t *testing.T) {
	for name, tc := range map[string]struct {
		id string
		ok bool
	}{
		"OK":             {"r-20261124T140312Z-7k3f6q2a", true},
		"ErrEmpty":       {"", false},
		"ErrMonth13":     {"r-20261324T140312Z-7k3f6q2a", false},
		"ErrUpper":       {"r-20261124T140312Z-7K3F6Q2A", false},
		"ErrBase32Digit": {"r-20261124T140312Z-7k3f6q1a", false},
		"ErrShort":       {"r-20261124T140312Z-7k3f6q2", false},
		"ErrSlash":       {"r-20261124T140312Z-7k3f/q2a", false},
		"ErrDotDot":      {"..", false},
		"ErrNUL":         {"r-20261124T140312Z-7k3f6q2\x00", false},
		"ErrTrailingNL":  {"r-20261124T140312Z-7k3f6q2a\n", false},
		"ErrPrefix":      {"run-20261124T140312Z-7k3f6q2a", false},
	} {
		t.Run(name, func(t *testing.T) { assert.Equal(t, tc.ok, contract.ValidRunID(tc.id)) })
	}
}

func TestValidLaneName(t *testing.T) {
	for name, tc := range map[string]struct {
		lane string
		ok   bool
	}{
		"OK":             {"writer", true},
		"OKDotted":       {"verifiers.primary", true},
		"OKCamel":        {"bobHelpers.first-2", true},
		"ErrEmpty":       {"", false},
		"ErrSemicolon":   {"a;b", false},
		"ErrSubshell":    {"$(touch x)", false},
		"ErrBacktick":    {"`id`", false},
		"ErrNewline":     {"a\nb", false},
		"ErrSlash":       {"a/b", false},
		"ErrDotDot":      {"..", false},
		"ErrLeadingDot":  {".a", false},
		"ErrTrailingDot": {"a.", false},
		"OKDigitFirst":   {"1a.2b", true},
		"ErrSpace":       {"a b", false},
		"ErrHash":        {"a#{pane_id}", false},
		"ErrColon":       {"a:b", false},
		"ErrTooLong":     {strings.Repeat("a", 65), false},
		"OKLongest":      {strings.Repeat("a", 64), true},
	} {
		t.Run(name, func(t *testing.T) { assert.Equal(t, tc.ok, contract.ValidLaneName(tc.lane)) })
	}
}

func TestLedgerDir(t *testing.T) {
	id := contract.NewRunID(time.Now())
	dir, err := ledger.Dir("/home/u/.cocoder", "ws-1", id)
	require.NoError(t, err)
	assert.Equal(t, "/home/u/.cocoder/runs/ws-1/"+id, dir)

	for name, tc := range map[string]struct{ ws, id string }{
		"ErrWorkspaceDotDot": {"..", id},
		"ErrWorkspaceSlash":  {"a/b", id},
		"ErrWorkspaceEmpty":  {"", id},
		"ErrRunID":           {"ws", "../../secrets"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ledger.Dir("/h", tc.ws, tc.id)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err))
		})
	}
}
