// Package memtest measures the heap a piece of code allocates, for tests
// that hold readers to a memory bound on oversized input.
package memtest

import "runtime"

// TenMiB is the size of the oversized inputs the bounded-reader tests
// feed: more than any reader of the project keeps.
const TenMiB = 10 << 20

// Allocated returns how many bytes f allocated on the heap, freed or not:
// an upper bound on what f held at its peak.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
