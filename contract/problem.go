package contract

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cocoder/cocoder/internal/errs"
)

// Problem is one thing wrong with a contract document.
type Problem struct {
	// Path locates the value with JSON field names, e.g.
	// "lanes.writer.adapter" or "filesChanged[2]". Empty means the whole
	// document.
	Path string `json:"path"`
	// Rule names the check that failed, e.g. "required", "enum",
	// "unknown-field", "syntax", "pass-needs-evidence".
	Rule string `json:"rule"`
	// Message says what is wrong and what to change.
	Message string `json:"message"`
	// Line is the 1-based line in the source file, or 0 when unknown (for
	// example for a value built in Go rather than read from a file).
	Line int `json:"line,omitempty"`
}

// String formats the problem as "line 4: lanes.writer.adapter: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError reports every problem found in one document. It matches
// errors.Is(err, errs.ErrInvalid) and errs.CodeOf reports errs.Invalid.
type ValidationError struct {
	// File is the path or name of the document; empty for a value built in
	// Go.
	File string
	// Problems lists every problem, ordered by line and path.
	Problems []Problem
}

// maxListedProblems bounds how many problems Error lists, so that a file
// with a million duplicate keys does not make a message of many megabytes.
const maxListedProblems = 100

// Error lists the problems, one per line after a summary line: the first
// 100 of them, then how many more Problems holds.
func (e *ValidationError) Error() string {
	var b strings.Builder
	name := e.File
	if name == "" {
		name = "contract"
	}
	n := len(e.Problems)
	fmt.Fprintf(&b, "%s: %d problem", name, n)
	if n != 1 {
		b.WriteString("s")
	}
	for _, p := range e.Problems[:min(n, maxListedProblems)] {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if n > maxListedProblems {
		fmt.Fprintf(&b, "\n  ... and %d more problems; fix these first", n-maxListedProblems)
	}
	return b.String()
}

// Unwrap exposes the invalid-input code so errs.CodeOf and errors.Is see it.
func (e *ValidationError) Unwrap() error {
	return errs.E(errs.Invalid, "contract", "%s does not validate", cmp.Or(e.File, "document"))
}

// problems collects Problems while a document is checked.
type problems struct {
	list []Problem
}

// add records a problem at path.
func (p *problems) add(path, rule, format string, args ...any) {
	p.list = append(p.list, Problem{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// err returns nil when no problem was recorded, else a *ValidationError for
// file with the problems sorted and de-duplicated.
func (p *problems) err(file string) error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{File: file, Problems: sortProblems(p.list)}
}

// sortProblems orders problems by line (unknown lines last), then path and
// rule, and drops exact duplicates.
func sortProblems(list []Problem) []Problem {
	slices.SortStableFunc(list, func(a, b Problem) int {
		la, lb := a.Line, b.Line
		if la == 0 {
			la = int(^uint(0) >> 1)
		}
		if lb == 0 {
			lb = int(^uint(0) >> 1)
		}
		return cmp.Or(cmp.Compare(la, lb), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Rule, b.Rule))
	})
	return slices.Compact(list)
}

// join appends a field name to a JSON path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// index appends a list index to a JSON path.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
