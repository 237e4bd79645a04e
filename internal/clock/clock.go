// Package clock holds the one helper for waiting that honours a context.
package clock

import (
	"context"
	"time"
)

// Sleep sleeps for d or until ctx is done, and returns ctx.Err() in the
// second case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
