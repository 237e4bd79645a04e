package demoagent

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/fsx"
)

// NotesFile is the file the demo agent appends to when its scope allows it
// and nothing more specific is in scope.
const NotesFile = "cocoder/memory/demo-notes.md"

// outOfScopeCandidates are the files the out-of-scope fault tries, in
// order, taking the first the scope does not allow.
var outOfScopeCandidates = []string{"cocoder-demo-out-of-scope.txt", "out-of-scope/cocoder-demo.txt"}

// outcome is what the demo agent did, for its result.
type outcome struct {
	status     contract.ResultStatus
	changed    []string // files changed inside the scope and reported
	evidence   []string
	findings   []string
	summary    string
	nextAction string
	resultFile string
	model      string
}

// EditLine is the line the demo agent appends for a lane.
func EditLine(runID, lane, priority string) string {
	return fmt.Sprintf("- %s %s: %s demo edit", runID, lane, priority)
}

// work does the lane's job: the edit for a writer, a look for a reader.
func (a *agent) work(p Prompt) outcome {
	o := outcome{status: contract.StatusPass, model: p.Model}
	if a.opt.modelSet {
		o.model = a.opt.model
		if p.Model != "" && a.opt.model != p.Model {
			o.findings = append(o.findings, fmt.Sprintf("the CLI was started with model %q but the prompt names %q", a.opt.model, p.Model))
		}
	}
	o.resultFile = or(a.env(EnvResultFile), p.ResultFile)
	root := a.root(p)
	scope := contract.Scope{Allowed: p.Allowed, Excluded: p.Excluded}
	line := EditLine(p.RunID, p.Lane, p.Priority)
	sandbox := or(a.opt.sandbox, p.Sandbox)
	switch {
	case !p.CanWrite || sandbox == string(contract.SandboxReadOnly):
		a.look(&o, p, root, line)
	default:
		a.edit(&o, p, root, scope, line)
	}
	if a.fault(FaultOutOfScope) {
		a.strayEdit(&o, p, root, scope, line)
	}
	return o
}

// root is the repository the agent works in.
func (a *agent) root(p Prompt) string {
	if r := or(a.opt.workdir, or(a.env(EnvWorkspace), p.Workspace)); r != "" {
		return r
	}
	wd, _ := os.Getwd()
	return wd
}

func (a *agent) edit(o *outcome, p Prompt, root string, scope contract.Scope, line string) {
	target, why := chooseTarget(p, root, scope)
	if target == "" {
		a.say("demo: nothing concrete in scope; changing nothing")
		o.status = contract.StatusBlock
		o.summary = "Changed nothing: the lane's scope holds no concrete file to edit."
		o.evidence = append(o.evidence, "write scope allowed: "+listOr(p.Allowed)+"; excluded: "+listOr(p.Excluded))
		o.findings = append(o.findings, "no allowed entry is a plain file path, the priority names no file in scope, and "+NotesFile+" is not in scope")
		o.nextAction = "Give the lane a file path in its scope (or name one in the priority's text) and run again."
		return
	}
	a.say("demo: editing %s (%s)", target, why)
	if err := appendLine(root, target, line); err != nil {
		o.status = contract.StatusFailed
		o.summary = "The edit failed: " + err.Error()
		o.evidence = append(o.evidence, "appending to "+target+" failed: "+err.Error())
		o.nextAction = "Fix the problem with " + target + " and run again."
		return
	}
	o.changed = append(o.changed, target)
	o.summary = fmt.Sprintf("Appended one line to %s for priority [%s].", target, p.Priority)
	o.evidence = append(o.evidence, fmt.Sprintf("appended %q to %s (%s)", line, target, why))
	o.findings = append(o.findings, "The demo agent makes one deterministic edit and reads or changes nothing else.")
	o.nextAction = fmt.Sprintf("Check that %s ends with the line above, then commit exactly that file.", target)
}

// look is a read-only lane's work: it reports whether the file a writer
// would edit holds this run's line, and changes nothing.
func (a *agent) look(o *outcome, p Prompt, root, line string) {
	o.summary = "Read-only lane: looked at the workspace and changed nothing."
	o.nextAction = "Nothing for this lane; the lead decides what comes next."
	target, _ := chooseTarget(p, root, contract.Scope{Allowed: []string{"**"}})
	if target == "" {
		o.evidence = append(o.evidence, "read the lane prompt; the priority names no file to look at; changed no file")
		return
	}
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(target)))
	state := "holds no demo edit of this run (yet)"
	if err == nil && hasRunEdit(string(data), p.RunID, p.Priority) {
		state = "holds a demo edit of this run"
	}
	a.say("demo: looked at %s", target)
	o.evidence = append(o.evidence, fmt.Sprintf("looked at %s: it %s; changed no file", target, state))
}

// hasRunEdit reports whether text holds a line EditLine wrote for run
// runID and the priority, by any lane.
func hasRunEdit(text, runID, priority string) bool {
	for l := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(l, "- "+runID+" ") && strings.HasSuffix(l, ": "+priority+" demo edit") {
			return true
		}
	}
	return false
}

// strayEdit is the out-of-scope fault: it also appends to a file the scope
// does not allow. A writer reports it; a read-only lane (which may report
// no file) hides it.
func (a *agent) strayEdit(o *outcome, p Prompt, root string, scope contract.Scope, line string) {
	for _, c := range outOfScopeCandidates {
		if scope.Allows(c) {
			continue
		}
		a.say("demo: editing %s, outside the scope, on purpose", c)
		if err := appendLine(root, c, line); err != nil {
			o.findings = append(o.findings, "the out-of-scope edit failed: "+err.Error())
			return
		}
		if p.CanWrite {
			o.changed = append(o.changed, c)
			o.evidence = append(o.evidence, fmt.Sprintf("appended %q to %s", line, c))
		}
		return
	}
	o.findings = append(o.findings, "every out-of-scope candidate is inside the scope, so no out-of-scope edit was made")
}

// pathWordRE finds path-like words in prose: segments of letters, digits
// and ._- joined by slashes, ending in a file extension.
var pathWordRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*\.[A-Za-z0-9]+`) })

// chooseTarget picks the file to edit and says why, or returns "".
func chooseTarget(p Prompt, root string, scope contract.Scope) (string, string) {
	for _, g := range p.Allowed {
		if plainFile(g, root) && scope.Allows(g) {
			return g, "the first allowed entry that names a file"
		}
	}
	for _, w := range pathWordRE().FindAllString(p.PriorityText, -1) {
		if plainFile(w, root) && scope.Allows(w) {
			return w, "named in the priority"
		}
	}
	if scope.Allows(NotesFile) {
		return NotesFile, "the demo notes file is in scope"
	}
	return "", ""
}

// plainFile reports whether a scope entry or a word names one file: no
// glob characters, no trailing slash, a file extension, a clean relative
// path, and not an existing directory.
func plainFile(s, root string) bool {
	if s == "" || strings.ContainsAny(s, "*?[{") || strings.HasSuffix(s, "/") || !filepath.IsLocal(filepath.FromSlash(s)) || strings.Contains(s, "//") {
		return false
	}
	base := s[strings.LastIndexByte(s, '/')+1:]
	if i := strings.LastIndexByte(base, '.'); i <= 0 || i == len(base)-1 {
		return false
	}
	st, err := os.Stat(filepath.Join(root, filepath.FromSlash(s)))
	return err != nil || !st.IsDir()
}

// appendLine appends line to root/rel, creating the file and its
// directories, and refuses to follow a symlink out of root.
func appendLine(root, rel, line string) error {
	path := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	realDir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return err
	}
	if r, err := filepath.Rel(realRoot, realDir); err != nil || !filepath.IsLocal(r) {
		return fmt.Errorf("%s leads outside the repository", rel)
	}
	prefix := ""
	if st, err := os.Lstat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", rel)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			prefix = "\n"
		}
	}
	return fsx.AppendFile(path, []byte(prefix+line+"\n"), 0o644)
}

// finish writes the result files, honouring the result faults.
func (a *agent) finish(p Prompt, o outcome) error {
	if o.resultFile == "" {
		return fmt.Errorf("no result file: %s is not set and the prompt names none", EnvResultFile)
	}
	if !filepath.IsAbs(o.resultFile) {
		return fmt.Errorf("the result file %q is not an absolute path", o.resultFile)
	}
	files := o.changed
	if len(files) == 0 || !p.CanWrite {
		files = []string{contract.NoFilesChanged}
	}
	r := contract.JobResult{
		Status: o.status, RunID: p.RunID, Lane: p.Lane, Persona: p.Persona, Adapter: p.Adapter, Model: o.model,
		CanWrite: p.CanWrite, FilesChanged: files, Summary: o.summary, Findings: nonNil(o.findings),
		Evidence: nonNil(o.evidence), NextAction: o.nextAction,
		ResidualRisk: []string{"This is CoCoder's built-in demo agent: its work proves the run loop (prompt delivery, scope, result, commit), not a real change to the code."},
	}
	if err := a.dispatch(p); err != nil {
		return err
	}
	var data []byte
	switch {
	case a.fault(FaultNoResult):
		a.say("demo: writing no result, on purpose")
		return nil
	case a.fault(FaultMalformedResult):
		data = []byte(`{"status": "PASS", "persona": ` + "\n")
	case a.fault(FaultInvalidResult):
		r.Evidence = []string{}
		data, _ = json.MarshalIndent(r, "", "  ")
	default:
		if err := r.Validate(); err != nil {
			return fmt.Errorf("the result does not validate: %w", err)
		}
		data, _ = json.MarshalIndent(r, "", "  ")
	}
	if err := os.MkdirAll(filepath.Dir(o.resultFile), 0o755); err != nil {
		return err
	}
	md := filepath.Join(filepath.Dir(o.resultFile), "result.md")
	if err := fsx.WriteFile(md, []byte(markdown(r)), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", md, err)
	}
	if err := fsx.WriteFile(o.resultFile, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", o.resultFile, err)
	}
	a.say("demo: done (%s); result written to %s", r.Status, o.resultFile)
	return nil
}

// markdown renders a result for humans.
func markdown(r contract.JobResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s — lane %s\n\n", r.Status, r.Lane)
	fmt.Fprintf(&b, "Run %s · persona %s · adapter %s", r.RunID, r.Persona, r.Adapter)
	if r.Model != "" {
		fmt.Fprintf(&b, " · model %s", r.Model)
	}
	fmt.Fprintf(&b, "\n\n%s\n\n## Files changed\n\n", r.Summary)
	for _, f := range r.FilesChanged {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	for _, s := range []struct {
		title string
		list  []string
	}{{"Evidence", r.Evidence}, {"Findings", r.Findings}, {"Residual risk", r.ResidualRisk}} {
		if len(s.list) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n", s.title)
		for _, v := range s.list {
			fmt.Fprintf(&b, "- %s\n", v)
		}
	}
	fmt.Fprintf(&b, "\n## Next\n\n%s\n", r.NextAction)
	return b.String()
}

func listOr(list []string) string {
	if len(list) == 0 {
		return "(none)"
	}
	return strings.Join(list, ", ")
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// dispatch, for a lead whose prompt lists lanes waiting for it, gives them
// their work the way the prompt says: one request file per lane in the
// dispatch directory, writing lanes at once and read-only lanes (the
// verifiers) after every writing one.
func (a *agent) dispatch(p Prompt) error {
	if p.DispatchDir == "" || len(p.Waiting) == 0 {
		return nil
	}
	if !filepath.IsAbs(p.DispatchDir) {
		return fmt.Errorf("the dispatch directory %q is not an absolute path", p.DispatchDir)
	}
	var writers []string
	for _, w := range p.Waiting {
		if w.Writes {
			writers = append(writers, w.Lane)
		}
	}
	if err := os.MkdirAll(p.DispatchDir, 0o700); err != nil {
		return err
	}
	for _, w := range p.Waiting {
		req := map[string]any{"lane": w.Lane, "brief": "Do your part of priority [" + p.Priority + "] as your prompt describes."}
		if !w.Writes && len(writers) > 0 {
			req["after"] = writers
			req["brief"] = "Verify what " + strings.Join(writers, ", ") + " changed for priority [" + p.Priority + "]."
		}
		data, _ := json.Marshal(req)
		path := filepath.Join(p.DispatchDir, w.Lane+".json")
		if err := fsx.WriteFile(path, append(data, '\n'), 0o600); err != nil {
			return fmt.Errorf("writing the dispatch request %s: %w", path, err)
		}
		a.say("demo: dispatched lane %s", w.Lane)
	}
	return nil
}
