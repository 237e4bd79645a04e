package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cocoder/cocoder"
	"github.com/cocoder/cocoder/contract"
)

// validateCmd is 'cocoder validate': thin over contract.CheckPaths.
type validateCmd struct {
	Kind  string   `help:"Validate every file as this contract kind instead of inferring it from the folder (see 'cocoder schema --list')." placeholder:"KIND"`
	Paths []string `arg:"" help:"Contract files or directories (for example a workspace's cocoder/ folder)."`
}

// Run validates the paths and prints the report; it returns an exitError
// with code 3 when anything is invalid or a cross-check issue blocks.
func (c *validateCmd) Run(g *globals, s *streams) error {
	rep, err := cocoder.Validate(c.Paths, contract.Kind(c.Kind))
	if errors.Is(err, contract.ErrUnknownKind) {
		err = withHint(err, "pass --kind KIND")
	}
	if err != nil {
		return err
	}
	if g.JSON {
		if err := writeJSON(s.out, rep); err != nil {
			return err
		}
	} else {
		printReport(s.out, rep)
	}
	if !rep.OK {
		return &exitError{exitInvalid}
	}
	return nil
}

// printReport renders a report for a terminal: one line per file, then
// each problem as path:line: field: message, then the cross-check issues.
func printReport(w io.Writer, rep *contract.Report) {
	invalid, blocking, warnings := 0, 0, 0
	for _, f := range rep.Files {
		if f.OK {
			fmt.Fprintf(w, "ok       %-16s %s\n", f.Kind, f.Path)
		} else {
			invalid++
			fmt.Fprintf(w, "invalid  %-16s %s\n", f.Kind, f.Path)
		}
		for _, p := range f.Problems {
			fmt.Fprintf(w, "  %s\n", location(f.Path, p, ""))
		}
		for _, p := range f.Warnings {
			warnings++
			fmt.Fprintf(w, "  %s\n", location(f.Path, p, "warning: "))
		}
	}
	for _, is := range rep.Issues {
		if is.Severity == contract.SeverityBlock {
			blocking++
		} else {
			warnings++
		}
		ctx := fmt.Sprintf("route %s × profile %s", is.Route, is.Profile)
		if is.Boundary != "" {
			ctx += " × boundary " + is.Boundary
		}
		lane := ""
		if is.Lane != "" {
			lane = "lane " + is.Lane + ": "
		}
		fmt.Fprintf(w, "%-5s %s (%s): %s%s\n", is.Severity, is.Code, ctx, lane, is.Message)
	}
	verdict := "all valid"
	if !rep.OK {
		verdict = "INVALID"
	}
	fmt.Fprintf(w, "%s: %d %s checked, %d invalid; cross-check: %d blocking, %d %s\n",
		verdict, len(rep.Files), plural(len(rep.Files), "file"), invalid, blocking, warnings, plural(warnings, "warning"))
}

// location formats a problem as path:line: field: message [rule].
func location(path string, p contract.Problem, prefix string) string {
	var b strings.Builder
	b.WriteString(path)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	b.WriteString(prefix)
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	fmt.Fprintf(&b, " [%s]", p.Rule)
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
