package oz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/cocoder/cocoder/internal/errs"
)

// MaxBodyBytes is the largest request body the API reads; a larger one is
// refused with 413 before any of it is decoded.
const MaxBodyBytes = 1 << 20

// bodyError is a request body that does not decode: each finding is a
// problem item.
type bodyError struct {
	items []ProblemItem
}

func (e *bodyError) Error() string {
	if len(e.items) == 1 {
		return "the request body is not valid: " + e.items[0].Message
	}
	return "the request body is not valid: " + strconv.Itoa(len(e.items)) + " problems"
}

// Unwrap makes a bodyError an errs.Invalid error.
func (e *bodyError) Unwrap() error { return errs.ErrInvalid }

// errTooLarge marks a body over MaxBodyBytes (413).
var errTooLarge = errors.New("request body too large")

// decodeBody decodes the JSON request body strictly into v: one object,
// no unknown fields, no wrong types, nothing after it, at most
// MaxBodyBytes. An empty body is an error unless allowEmpty.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) error {
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	data, err := io.ReadAll(body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return errTooLarge
		}
		return errs.Wrap(errs.Invalid, "oz.decode", err, "cannot read the request body")
	}
	return decodeJSON(data, v, allowEmpty)
}

// decodeJSON is the strict decoder behind decodeBody.
func decodeJSON(data []byte, v any, allowEmpty bool) error {
	if len(bytes.TrimSpace(data)) == 0 {
		if allowEmpty {
			return nil
		}
		return &bodyError{[]ProblemItem{{Code: "body", Message: "the request needs a JSON object body"}}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &bodyError{[]ProblemItem{describeJSONError(err)}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &bodyError{[]ProblemItem{{Code: "body", Message: "the body has data after its JSON object; send exactly one object"}}}
	}
	return nil
}

// describeJSONError names the field and the fix of a decoding error.
func describeJSONError(err error) ProblemItem {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return ProblemItem{Code: "type", Field: te.Field, Message: fmt.Sprintf("field %q must be a JSON %s, not %s", te.Field, te.Type.Kind(), te.Value)}
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return ProblemItem{Code: "syntax", Message: fmt.Sprintf("the body is not valid JSON at byte %d: %v", se.Offset, se)}
	}
	msg := err.Error()
	if f, ok := bytes.CutPrefix([]byte(msg), []byte("json: unknown field ")); ok {
		return ProblemItem{Code: "unknown-field", Field: string(bytes.Trim(f, `"`)), Message: "unknown field " + string(f) + "; remove it (see the API reference for the fields this request takes)"}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return ProblemItem{Code: "syntax", Message: "the body ends inside its JSON object"}
	}
	return ProblemItem{Code: "body", Message: "the body is not a valid JSON object: " + msg}
}
