package workspace

import "time"

// SetRegistryClock replaces the registry's clock, for tests.
func SetRegistryClock(r *Registry, now func() time.Time) { r.now = now }
