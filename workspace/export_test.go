package workspace

import (
	"io"
	"time"
)

// SetRegistryClock replaces the registry's clock, for tests.
func SetRegistryClock(r *Registry, now func() time.Time) { r.now = now }

// FindPriorityIn is FindPriority on a stream, for tests that must feed it
// a source that never ends.
func FindPriorityIn(r io.Reader, slug string) (Priority, error) {
	var found Priority
	err := scanPriorities(r, func(p Priority) bool {
		if p.Slug == slug {
			found = p
			return false
		}
		return true
	}, slug)
	return found, err
}
