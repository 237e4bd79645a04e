package errs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cocoder/cocoder/internal/errs"
)

func TestCodeOf(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want errs.Code
	}{
		{"Nil", nil, ""},
		{"Plain", errors.New("x"), errs.Internal},
		{"Direct", errs.E(errs.NotFound, "op", "missing"), errs.NotFound},
		{"Wrapped", fmt.Errorf("outer: %w", errs.E(errs.Conflict, "op", "busy")), errs.Conflict},
		{"Sentinel", fmt.Errorf("x: %w", errs.ErrUnavailable), errs.Unavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := errs.CodeOf(c.err); got != c.want {
				t.Fatalf("CodeOf = %q, want %q", got, c.want)
			}
		})
	}
}

func TestIsSentinel(t *testing.T) {
	err := fmt.Errorf("wrap: %w", errs.E(errs.Invalid, "contract.Load", "bad"))
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatal("errors.Is(err, ErrInvalid) = false")
	}
	if errors.Is(err, errs.ErrNotFound) {
		t.Fatal("errors.Is(err, ErrNotFound) = true for an Invalid error")
	}
}

func TestErrorString(t *testing.T) {
	cause := errors.New("disk full")
	err := errs.Wrap(errs.Internal, "run.Start", cause, "write %s", "run.json")
	if got, want := err.Error(), "write run.json: disk full"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	outer := errs.Wrap(errs.Internal, "run.Runner.Start", err, "run r-1 did not start")
	if got, want := outer.Error(), "run r-1 did not start: write run.json: disk full"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%v", outer), outer.Error(); got != want {
		t.Fatalf("%%v = %q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%+v", outer), "run.Runner.Start: run r-1 did not start: run.Start: write run.json: disk full"; got != want {
		t.Fatalf("%%+v = %q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%+v", fmt.Errorf("ctx: %w", outer)), "ctx: run r-1 did not start: write run.json: disk full"; got != want {
		t.Fatalf("%%+v of a foreign wrapper = %q, want %q (its own format decides)", got, want)
	}
	if !errors.Is(err, cause) {
		t.Fatal("cause not reachable through Unwrap")
	}
	if errs.Wrap(errs.Internal, "op", nil, "x") != nil {
		t.Fatal("Wrap(nil) != nil")
	}
	if got := (&errs.Error{Code: errs.NotFound}).Error(); got != "not_found" {
		t.Fatalf("empty Error() = %q", got)
	}
}
