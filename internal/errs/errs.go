// Package errs is the one error vocabulary shared by every CoCoder package.
//
// An [Error] carries a [Code] that says what kind of failure happened, the
// operation that failed, a message safe to show to a user, and an optional
// wrapped cause. Each code has a sentinel ([ErrInvalid], [ErrNotFound], ...)
// so callers can write errors.Is(err, errs.ErrNotFound) whatever the message.
// The root package cocoder re-exports these names; they are the same values.
package errs

import (
	"errors"
	"fmt"
	"io"
)

// Code classifies an error. The set is small on purpose: it decides exit
// codes in the CLI and status codes in Oz.
type Code string

// The error codes.
const (
	// Invalid means the caller's input is wrong: a contract that does not
	// validate, a bad flag value, an unknown name. Fixing the input fixes it.
	Invalid Code = "invalid"
	// NotFound means a named thing does not exist.
	NotFound Code = "not_found"
	// Conflict means the request clashes with current state: a run already
	// active, a file changed since it was read, a lock held elsewhere.
	Conflict Code = "conflict"
	// Unauthorized means a credential is missing or wrong.
	Unauthorized Code = "unauthorized"
	// Unavailable means something the operation needs is missing on this
	// machine or not reachable: tmux not installed, an adapter binary absent.
	Unavailable Code = "unavailable"
	// Internal is everything else. Its details are for operators.
	Internal Code = "internal"
)

// Error is the error type used across CoCoder.
type Error struct {
	// Code classifies the failure.
	Code Code
	// Op names the operation that failed, e.g. "contract.Load".
	Op string
	// Message is a human-readable explanation that names what to change.
	Message string
	// Err is the underlying cause, if any.
	Err error
}

// Error returns the message and the messages of its causes, "message:
// cause", leaving out empty parts. It is written for the person who reads
// it: operation names are left out (format with %+v to see them).
func (e *Error) Error() string {
	return e.chain(false)
}

// Format prints the error: %v and %s as Error does, %+v with each
// operation name before its message ("op: message: cause"), for logs and
// debugging.
func (e *Error) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('+'):
		_, _ = io.WriteString(f, e.chain(true))
	case verb == 'v' || verb == 's':
		_, _ = io.WriteString(f, e.Error())
	case verb == 'q':
		fmt.Fprintf(f, "%q", e.Error())
	default:
		fmt.Fprintf(f, "%%!%c(*errs.Error=%s)", verb, e.Error())
	}
}

// chain joins op (when withOp), message and cause.
func (e *Error) chain(withOp bool) string {
	var s string
	add := func(part string) {
		if part == "" {
			return
		}
		if s != "" {
			s += ": "
		}
		s += part
	}
	if withOp {
		add(e.Op)
	}
	add(e.Message)
	if e.Err != nil {
		if withOp {
			add(fmt.Sprintf("%+v", e.Err))
		} else {
			add(e.Err.Error())
		}
	}
	if s == "" {
		s = string(e.Code)
	}
	return s
}

// Unwrap returns the wrapped cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's code, so that
// errors.Is(err, ErrNotFound) holds for every NotFound error.
func (e *Error) Is(target error) bool {
	s, ok := target.(*sentinel)
	return ok && s.code == e.Code
}

type sentinel struct{ code Code }

func (s *sentinel) Error() string { return string(s.code) }

// Sentinels, one per code, for use with errors.Is.
var (
	ErrInvalid      error = &sentinel{Invalid}
	ErrNotFound     error = &sentinel{NotFound}
	ErrConflict     error = &sentinel{Conflict}
	ErrUnauthorized error = &sentinel{Unauthorized}
	ErrUnavailable  error = &sentinel{Unavailable}
	ErrInternal     error = &sentinel{Internal}
)

// CodeOf returns the code of the first *Error in err's chain, the code of a
// sentinel found in the chain, or Internal. CodeOf(nil) is "".
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	if s, ok := errors.AsType[*sentinel](err); ok {
		return s.code
	}
	return Internal
}

// E builds an *Error. It is the short form used inside the module.
func E(code Code, op, format string, args ...any) *Error {
	return &Error{Code: code, Op: op, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error around a cause. A nil cause gives a nil error.
func Wrap(code Code, op string, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Op: op, Message: fmt.Sprintf(format, args...), Err: err}
}
