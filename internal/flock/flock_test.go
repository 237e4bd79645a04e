package flock_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/cocoder/cocoder/internal/flock"
)

func TestTryLockExclusive(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	l1, err := flock.TryLock(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flock.TryLock(p); !errors.Is(err, flock.ErrLocked) {
		t.Fatalf("second TryLock err = %v, want ErrLocked", err)
	}
	if err := l1.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := flock.TryLock(p)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	_ = l2.Release()
	_ = l2.Release()
}

func TestAcquireAfterRelease(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	l, err := flock.Acquire(p)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		l2, err := flock.Acquire(p)
		if err == nil {
			_ = l2.Release()
		}
		close(done)
	}()
	_ = l.Release()
	<-done
}
