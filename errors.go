package cocoder

import "github.com/cocoder/cocoder/internal/errs"

// Error is the error type used across CoCoder. See [Code] for the kinds.
type Error = errs.Error

// Code classifies an [Error].
type Code = errs.Code

// The error codes.
const (
	Invalid      = errs.Invalid
	NotFound     = errs.NotFound
	Conflict     = errs.Conflict
	Unauthorized = errs.Unauthorized
	Unavailable  = errs.Unavailable
	Internal     = errs.Internal
)

// Sentinels for errors.Is, one per code.
var (
	ErrInvalid      = errs.ErrInvalid
	ErrNotFound     = errs.ErrNotFound
	ErrConflict     = errs.ErrConflict
	ErrUnauthorized = errs.ErrUnauthorized
	ErrUnavailable  = errs.ErrUnavailable
	ErrInternal     = errs.ErrInternal
)

// CodeOf returns the [Code] of err, Internal for errors CoCoder did not
// classify, and "" for nil.
func CodeOf(err error) Code { return errs.CodeOf(err) }
