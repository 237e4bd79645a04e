package oz

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run"
)

// ProblemContentType is the media type of every error response.
const ProblemContentType = "application/problem+json"

// Problem is the one error format of the API (RFC 9457). Code is the
// CoCoder error code (errs.Code: invalid, not_found, conflict,
// unauthorized, unavailable, internal), so a Go client gets back the same
// typed error the server met.
type Problem struct {
	// Type is "about:blank": the status and Code say what happened.
	Type string `json:"type"`
	// Title is the status text.
	Title string `json:"title"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Code is the CoCoder error code.
	Code string `json:"code"`
	// Detail is the message written for people. It never holds a secret.
	Detail string `json:"detail,omitempty"`
	// Problems lists every finding when there are several: the fields of
	// a request body, or a preflight's blocking issues.
	Problems []ProblemItem `json:"problems,omitempty"`
}

// ProblemItem is one finding of a Problem.
type ProblemItem struct {
	// Code classifies the finding (an issue code of the preflight, or
	// "body" for a request body).
	Code string `json:"code,omitempty"`
	// Field is the JSON field or lane the finding is about.
	Field string `json:"field,omitempty"`
	// Message says what is wrong and how to fix it.
	Message string `json:"message"`
}

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:      http.StatusBadRequest,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Unavailable:  http.StatusServiceUnavailable,
	errs.Internal:     http.StatusInternalServerError,
}

// codeOfStatus maps a status without a problem body back to an error code
// (a proxy's answer, or a status the table above does not produce).
func codeOfStatus(status int) errs.Code {
	for c, s := range statusOf {
		if s == status {
			return c
		}
	}
	switch {
	case status == http.StatusForbidden:
		return errs.Unauthorized
	case status == http.StatusTooManyRequests:
		return errs.Unavailable
	case status >= 400 && status < 500:
		return errs.Invalid
	}
	return errs.Internal
}

// problemOf builds the problem for err. Internal errors say only that
// something failed on the server: their detail goes to the log.
func problemOf(err error, redact func([]byte) []byte) Problem {
	code := errs.CodeOf(err)
	p := Problem{Type: "about:blank", Status: statusOf[code], Code: string(code), Detail: err.Error()}
	if code == errs.Internal {
		p.Detail = "the server failed to carry out the request; its log says why"
	}
	if pe, ok := errors.AsType[*run.PreflightError](err); ok {
		p.Detail = "the run cannot start: " + strconv.Itoa(len(pe.Issues)) + " blocking issue(s)"
		for _, is := range pe.Issues {
			p.Problems = append(p.Problems, ProblemItem{Code: is.Code, Field: is.Lane, Message: is.Message})
		}
	}
	if ve, ok := errors.AsType[*contract.ValidationError](err); ok {
		for _, vp := range ve.Problems {
			p.Problems = append(p.Problems, ProblemItem{Code: vp.Rule, Field: vp.Path, Message: vp.Message})
		}
	}
	if bp, ok := errors.AsType[*bodyError](err); ok {
		p.Problems = bp.items
	}
	if redact != nil {
		p.Detail = string(redact([]byte(p.Detail)))
		for i := range p.Problems {
			p.Problems[i].Message = string(redact([]byte(p.Problems[i].Message)))
		}
	}
	return p
}

// writeProblem writes p with its status.
func writeProblem(w http.ResponseWriter, p Problem) {
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	p.Title = http.StatusText(p.Status)
	b, _ := json.Marshal(p)
	h := w.Header()
	h.Set("Content-Type", ProblemContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(p.Status)
	_, _ = w.Write(b)
}

// refuse writes a problem for a request refused before it reached a
// handler (authentication, Host, Origin, limits). Its detail is short and
// never says which check a credential failed.
func refuse(w http.ResponseWriter, status int, code errs.Code, detail string) {
	writeProblem(w, Problem{Status: status, Code: string(code), Detail: detail})
}
