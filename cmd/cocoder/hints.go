package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/textx"
	runpkg "github.com/cocoder/cocoder/run"
)

// The library's messages say what is wrong and how to fix it in its own
// terms; the commands that fix it are the CLI's to name. hinted adds such
// a command to an error, and issueHints does it for preflight issues by
// their code.

// hinted is an error with the CLI's advice on what to run next.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + "\n  hint: " + h.hint }

// Unwrap returns the error the hint is about, so its code still decides the
// exit status.
func (h *hinted) Unwrap() error { return h.err }

// withHint adds hint to err (nil stays nil).
func withHint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: fmt.Sprintf(format, args...)}
}

// issueHints gives, per preflight issue code, the commands that resolve it.
// RUN, LANE, NAME and ID stand for what the issue's message names.
var issueHints = map[string]string{
	runpkg.IssueActiveRun:             "`cocoder run list` shows the run; stop it with `cocoder run stop RUN --confirm RUN`",
	runpkg.IssueMaxRuns:               "stop a run with `cocoder run stop RUN --confirm RUN`, or raise the limit: `cocoder config set maxRuns N`",
	runpkg.IssueSecretUnresolved:      "store the value with `cocoder secrets set NAME` and map it with `cocoder config set secrets.VAR '${secret:NAME}'`",
	runpkg.IssueHostUnavailable:       "or run the lanes headless: `cocoder run start PRIORITY --host exec --wait`",
	runpkg.IssueAdapterCommandMissing: "or point cocoder at the CLI: `cocoder config set adapters.ID.command PATH`",
	runpkg.IssueWorkspaceLocked:       "`cocoder run list` shows the run holding the workspace; wait for it or stop it",
	runpkg.IssuePriorityMissing:       "`cocoder workspace show` lists the workspace's priorities",
	runpkg.IssueSecretNotGranted:      "grant it in the workspace with `cocoder secrets allow 'REF'`, or map it yourself: `cocoder config set secrets.VAR 'REF'`",
	runpkg.IssueScopeDirty:            "commit or stash them (`git stash -u`), or pass --allow-dirty",
}

// printIssues lists issues, blocking ones first, each followed by the
// CLI's hint for its code when there is one.
func printIssues(w io.Writer, issues []contract.Issue) {
	for _, sev := range []contract.Severity{contract.SeverityBlock, contract.SeverityWarn} {
		hinted := map[string]bool{}
		for _, is := range issues {
			if is.Severity != sev {
				continue
			}
			lane := ""
			if is.Lane != "" {
				lane = " (lane " + is.Lane + ")"
			}
			fmt.Fprintf(w, "  %-5s %s%s: %s\n", is.Severity, is.Code, lane, textx.Printable(is.Message))
			if h, ok := issueHints[is.Code]; ok && !hinted[is.Code] {
				hinted[is.Code] = true
				fmt.Fprintf(w, "        hint: %s\n", h)
			}
		}
	}
}

// preflightReport renders a *run.PreflightError with the CLI's hints, or
// returns "" for any other error.
func preflightReport(err error) string {
	pe, ok := errors.AsType[*runpkg.PreflightError](err)
	if !ok {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the run cannot start: %d blocking issue(s)\n", len(pe.Issues))
	printIssues(&b, pe.Issues)
	return strings.TrimRight(b.String(), "\n")
}
