package contract

import (
	"crypto/rand"
	"encoding/base32"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cocoder/cocoder/contract/internal/patterns"
)

// runIDTimeLayout is the UTC timestamp inside a run id.
const runIDTimeLayout = "20060102T150405Z"

// lowerBase32 encodes the random suffix of run ids: a-z and 2-7, no padding.
var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

var (
	runIDPattern       = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^r-[0-9]{8}T[0-9]{6}Z-[a-z2-7]{8}$`) })
	laneNamePattern    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(patterns.Lane) })
	workspaceIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`) })
)

// Length limits for names that become path segments.
const (
	maxLaneName    = 64
	maxWorkspaceID = 128
)

// NewRunID returns a fresh run id for a run created at now, of the form
// "r-20261124T140312Z-7k3f6q2a": the UTC time to the second, then 40
// random bits in lowercase base32. Ids sort by creation time (to the
// second) and need no coordination to be unique.
func NewRunID(now time.Time) string {
	var b [5]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
	return "r-" + now.UTC().Format(runIDTimeLayout) + "-" + lowerBase32.EncodeToString(b[:])
}

// ValidRunID reports whether id has the exact form NewRunID produces, with
// a real calendar time. Anything else (path separators, "..", NUL, other
// lengths) is refused before it can reach a path.
func ValidRunID(id string) bool {
	_, ok := RunIDTime(id)
	return ok
}

// RunIDTime returns the creation time encoded in a run id, and false when id
// is not a valid run id.
func RunIDTime(id string) (time.Time, bool) {
	if !runIDPattern().MatchString(id) {
		return time.Time{}, false
	}
	t, err := time.Parse(runIDTimeLayout, id[2:2+len(runIDTimeLayout)])
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// ValidLaneName reports whether name may name a lane: one or more
// dot-separated segments, each a letter or digit followed by letters,
// digits, "_" or "-" (e.g. "writer", "verifiers.primary"), at most 64
// bytes. It accepts the lane ids contract validation accepts, bounded in
// length. Such a
// name is safe as a path segment, a tmux window name and an environment
// value; nothing a shell or tmux interprets can appear in it.
func ValidLaneName(name string) bool {
	return len(name) <= maxLaneName && laneNamePattern().MatchString(name)
}

// ValidWorkspaceID reports whether id is safe as the workspace segment of a
// ledger path: letters, digits, ".", "_" and "-", starting with a letter or
// digit, at most 128 bytes, and not "." or "..".
func ValidWorkspaceID(id string) bool {
	return len(id) <= maxWorkspaceID && workspaceIDPattern().MatchString(id) && !strings.Contains(id, "..")
}

var envNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(patterns.Env) })

// ValidEnvName reports whether name is a portable environment variable
// name: a letter or "_", then letters, digits and "_".
func ValidEnvName(name string) bool { return envNamePattern().MatchString(name) }
