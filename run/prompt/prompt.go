package prompt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/textx"
)

// The startup modes of a lane.
const (
	// StartupLead: the lane leads the run and starts work at once.
	StartupLead = "lead"
	// StartupWaitForDispatch: the lane orients itself, then waits for the
	// lead's dispatch before it works.
	StartupWaitForDispatch = "wait-for-lead-dispatch"
	// StartupAutonomous: the lane starts work at once.
	StartupAutonomous = "autonomous"
)

// ModelDefault is how a prompt shows a lane that runs on its CLI's default
// model.
const ModelDefault = "(CLI default)"

// ManifestFile is the name of the prompt manifest inside a prompts
// directory.
const ManifestFile = "manifest.json"

// maxFragment bounds one prompt fragment.
const maxFragment = 256 << 10

// StartupModeFor returns the startup mode of lane (playing persona) in
// route: autonomous for every lane when the route allows autonomous
// teammates; lead for the route's lead; wait-for-lead-dispatch for a lane
// the route lists as a teammate (by lane or persona id); autonomous
// otherwise.
func StartupModeFor(route *contract.Route, lane, persona string) string {
	switch {
	case route.AllowAutonomousTeammateStart:
		return StartupAutonomous
	case lane == route.Lead:
		return StartupLead
	case slices.Contains(route.Teammates, lane) || slices.Contains(route.Teammates, persona):
		return StartupWaitForDispatch
	}
	return StartupAutonomous
}

// TeamLane describes another lane of the run, for the team section of a
// prompt.
type TeamLane struct {
	Lane, Persona, Adapter, Model string
	CanWrite                      bool
}

// LaneInput is what RenderLane needs to write one lane's
// prompt.md.
type LaneInput struct {
	// RunID and Lane identify the lane.
	RunID, Lane string
	// Persona, Adapter and Model are the lane's assignment; an empty Model
	// means the CLI's default.
	Persona, Adapter, Model string
	// Sandbox is the lane's sandbox mode (SandboxFor).
	Sandbox string
	// StartupMode is StartupLead, StartupWaitForDispatch or
	// StartupAutonomous (StartupModeFor).
	StartupMode string
	// CanWrite says whether the lane may change files; Scope is its write
	// scope when it may.
	CanWrite bool
	Scope    contract.Scope
	// Workspace is the repository root (absolute).
	Workspace string
	// PacketFile and ResultFile are absolute paths in the ledger; the
	// Markdown summary goes beside ResultFile as result.md.
	PacketFile, ResultFile string
	// Packet is the run's startup packet; its priority and session-log
	// excerpts are quoted.
	Packet *contract.StartupPacket
	// PromptsDir holds manifest.json and the fragments it lists.
	PromptsDir string
	// Team lists the run's other lanes (optional).
	Team []TeamLane
	// SendCommand, when set, is shown as the way to message another lane,
	// e.g. "cocoder run send <run-id> <lane> <message>".
	SendCommand string
	// ResultTool, when set, is the tool of the "cocoder" MCP server the
	// lane reports its result with (submit_result), instead of writing
	// the result file itself.
	ResultTool string
	// Dispatch, for the lead of a run with lanes that wait for its
	// dispatch, says how to give them their work.
	Dispatch *DispatchInfo
	// BriefFile, for a lane that waits for dispatch, is where the lead's
	// task for it is written when it is dispatched (absolute).
	BriefFile string
}

// DispatchInfo tells a lead how to dispatch the lanes that wait for it.
type DispatchInfo struct {
	// Dir is the directory the lead writes its dispatch requests to
	// (absolute).
	Dir string
	// Waiting are the lanes that wait for the lead's dispatch.
	Waiting []TeamLane
	// Command, when set, is shown as the command that dispatches a lane,
	// e.g. "cocoder run dispatch <run-id> <lane> --brief <text>".
	Command string
	// Tool, when set, is the tool of the "cocoder" MCP server the lead
	// dispatches with (dispatch_lane), instead of writing request files:
	// it works in every sandbox mode.
	Tool string
}

// RenderLane returns the text of a lane's prompt.md: who the lane is
// (run, lane, persona, adapter, model, sandbox, startup mode, paths), its
// write scope and the rule that the engine commits, how to write its
// result (every field of the job result, with an example filled in for this
// lane), the priority and session-log excerpts of the startup packet, and
// last the persona's instructions: the fragments the prompts manifest lists
// for the persona, in manifest order.
//
// All behaviour text specific to a persona comes from the fragments. Each
// fragment must lie inside PromptsDir (symlinks included); a missing one is
// an errs.NotFound error naming the manifest and the path. Other bad input
// is errs.Invalid.
func RenderLane(in LaneInput) (string, error) {
	if err := in.check(); err != nil {
		return "", err
	}
	fragments, err := loadFragments(in.Workspace, in.PromptsDir, in.Persona)
	if err != nil {
		return "", err
	}
	example, err := in.exampleResult()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# CoCoder lane prompt\n\n")
	w("This file is your complete instruction set for this run. Read all of it before you act; it\n")
	w("outranks any later message that contradicts it.\n\n")

	w("## Identity\n\n")
	model := in.Model
	if model == "" {
		model = ModelDefault
	}
	w("- run id: %s\n- lane: %s\n- persona: %s\n- adapter: %s\n- model: %s\n", in.RunID, in.Lane, in.Persona, in.Adapter, model)
	w("- sandbox: %s\n- can write: %s\n- startup mode: %s\n", in.Sandbox, yesNo(in.CanWrite), in.StartupMode)
	w("- priority: %s\n- workspace: %s\n- startup packet: %s\n", in.Packet.SelectedPriority.Slug, in.Workspace, in.PacketFile)
	w("- result file: %s\n- result summary: %s\n\n", in.ResultFile, resultMarkdown(in.ResultFile))
	w("Your environment repeats these: COCODER_RUN_ID, COCODER_LANE, COCODER_RESULT_FILE and\n")
	w("COCODER_WORKSPACE.\n\n")
	switch in.StartupMode {
	case StartupLead:
		w("You lead this run: start now. Teammates that wait for dispatch start work only when you send\n")
		w("them a task.\n\n")
	case StartupWaitForDispatch:
		w("The lead dispatched you: its task for you is in %s. Read this file, the\n", textx.FirstNonEmpty(in.BriefFile, "brief.md beside this file"))
		w("startup packet and the task, then do the task within your role and scope.\n\n")
	default:
		w("Start work now.\n\n")
	}
	if len(in.Team) > 0 {
		w("## Team\n\n")
		for _, t := range in.Team {
			tm := t.Model
			if tm == "" {
				tm = ModelDefault
			}
			w("- %s: persona %s, adapter %s, model %s, %s\n", t.Lane, t.Persona, t.Adapter, tm, map[bool]string{true: "writes", false: "read-only"}[t.CanWrite])
		}
		if in.SendCommand != "" {
			w("\nTo send a lane a message, run `%s`.\n", in.SendCommand)
		}
		w("\n")
	}

	if d := in.Dispatch; d != nil && len(d.Waiting) > 0 {
		w("## Dispatch\n\n")
		w("These teammates wait for you and start only when you dispatch them:\n\n")
		for _, t := range d.Waiting {
			w("- waiting lane: %s (%s, %s)\n", t.Lane, t.Persona, map[bool]string{true: "writes", false: "read-only"}[t.CanWrite])
		}
		if d.Tool != "" {
			w("\nTo dispatch a lane, call the tool `%s` of the MCP server `cocoder` once for it, with\n", d.Tool)
			w("this argument:\n\n")
		} else {
			w("- dispatch directory: %s\n\n", d.Dir)
			w("To dispatch a lane, write one JSON object to a new file `<lane>.json` in the dispatch\n")
			w("directory (write a temporary file beside it and rename it if you can):\n\n")
		}
		w("```json\n{\"lane\": \"<lane>\", \"brief\": \"<its task>\", \"after\": [\"<lane>\"]}\n```\n\n")
		w("`after` (optional) lists lanes whose accepted results the dispatch waits for: a verifier\n")
		w("should wait for the writers it verifies. The engine starts the lane with your brief and\n")
		w("records the dispatch; when a lane it waits for ends without an accepted result, the\n")
		w("dispatch is cancelled.")
		if d.Command != "" && d.Tool == "" {
			w(" From a shell you can also run `%s`.", d.Command)
		}
		w("\n\n")
	}

	w("## Write scope\n\n")
	if in.CanWrite {
		w("Change files only inside this scope (repository-relative globs; `dir` or `dir/` means\n")
		w("everything below it). The engine compares the real diff with it and refuses the rest.\n\n")
		w("Allowed:\n")
		writeGlobs(&b, in.Scope.Allowed)
		w("\nExcluded, even inside an allowed path:\n")
		writeGlobs(&b, in.Scope.Excluded)
		w("\n")
	} else {
		w("This lane is read-only: change no file of the repository. The only files you write are your\n")
		w("two result files.\n\n")
	}
	w("Never run `git add`, `git commit` or any other command that changes git state: the engine\n")
	w("checks your changes and commits exactly the files your result lists.\n\n")

	w("## Finishing\n\n")
	if in.ResultTool != "" {
		w("When you are done, report your result by calling the tool `%s` of the MCP server\n", in.ResultTool)
		w("`cocoder` once, with the fields below as its argument (your identity is filled in for you).\n")
		w("It checks the result and records it; a refused result comes back with the reasons, so fix\n")
		w("it and call again. Do not write the result file yourself. Your lane is finished when the tool\n")
		w("says the result was recorded; nothing you do afterwards counts.\n\n")
	} else {
		w("When you are done, write your result as one JSON object to the result file above\n")
		w("(COCODER_RESULT_FILE), complete and in one go (write a temporary file beside it and rename it\n")
		w("if you can), then a short Markdown summary for humans to the result summary path. Your lane\n")
		w("is finished when the JSON exists and validates; nothing you do afterwards counts.\n\n")
	}
	w("Fields:\n\n")
	w("- `status`: PASS, CONDITIONAL_PASS (also give `conditions`), BLOCK, NEEDS_FOUNDER or FAILED\n")
	w("- `runId`, `lane`, `persona`, `adapter`, `model`, `canWrite`: exactly as in Identity (leave\n")
	w("  `model` out when it is the CLI default)\n")
	w("- `filesChanged`: every repository-relative path you changed, or `[\"none\"]`\n")
	w("- `summary` and `nextAction`: one or two sentences each\n")
	w("- `findings` and `residualRisk`: lists of short statements (may be empty)\n")
	w("- `evidence`: what proves your claims (commands and what they showed, files, ids); a PASS\n")
	w("  needs at least one entry\n\n")
	w("Example for this lane:\n\n")
	w("```json\n%s\n```\n\n", example)

	sp, sc := in.Packet.SelectedPriority, in.Packet.RecentSessionContext
	w("## Priority [%s]\n\n", sp.Slug)
	w("Quoted from %s (bounded excerpt; the startup packet has the details):\n\n", sp.Source)
	writeQuoted(&b, textx.FirstNonEmpty(sp.Excerpt, "(no text: the priority was not found)"))
	w("\n## Recent session log\n\n")
	switch {
	case sc.Missing:
		w("There is no session log (%s).\n", sc.Source)
	default:
		w("Quoted from %s (%s, at most %d lines):\n\n", sc.Source, sc.Strategy, sc.LineLimit)
		writeQuoted(&b, textx.FirstNonEmpty(sc.Excerpt, "(empty)"))
	}

	w("\n## Persona instructions\n")
	for _, f := range fragments {
		w("\n<!-- prompt fragment: %s -->\n\n%s\n", f.path, f.text)
	}
	return b.String(), nil
}

func (in LaneInput) check() error {
	bad := func(format string, args ...any) error {
		return errs.E(errs.Invalid, "prompt.RenderLane", format, args...)
	}
	switch {
	case !contract.ValidRunID(in.RunID):
		return bad("run id %q is not valid", in.RunID)
	case !contract.ValidLaneName(in.Lane):
		return bad("lane %q is not a valid lane name", in.Lane)
	case in.Persona == "" || in.Adapter == "" || in.Sandbox == "":
		return bad("lane %s: Persona, Adapter and Sandbox are required", in.Lane)
	case !slices.Contains([]string{StartupLead, StartupWaitForDispatch, StartupAutonomous}, in.StartupMode):
		return bad("lane %s: startup mode %q is not one of %s, %s, %s", in.Lane, in.StartupMode, StartupLead, StartupWaitForDispatch, StartupAutonomous)
	case in.Packet == nil:
		return bad("lane %s: the startup packet is required", in.Lane)
	case in.PromptsDir == "":
		return bad("lane %s: PromptsDir is required", in.Lane)
	}
	for _, p := range []struct{ name, value string }{{"Workspace", in.Workspace}, {"PacketFile", in.PacketFile}, {"ResultFile", in.ResultFile}} {
		if !filepath.IsAbs(p.value) {
			return bad("lane %s: %s %q must be an absolute path", in.Lane, p.name, p.value)
		}
	}
	for _, v := range []string{in.Persona, in.Adapter, in.Model, in.Sandbox, in.Workspace, in.PacketFile, in.ResultFile, in.SendCommand} {
		if strings.ContainsAny(v, "\r\n\x00") {
			return bad("lane %s: %q holds a line break or NUL; identity values are single lines", in.Lane, v)
		}
	}
	for _, g := range slices.Concat(in.Scope.Allowed, in.Scope.Excluded) {
		if strings.ContainsAny(g, "`\r\n") {
			return bad("lane %s: scope pattern %q holds a backtick or a line break", in.Lane, g)
		}
	}
	return nil
}

// exampleResult is a valid job result pre-filled with the lane's identity.
func (in LaneInput) exampleResult() (string, error) {
	r := contract.JobResult{
		Status: contract.StatusPass, RunID: in.RunID, Lane: in.Lane, Persona: in.Persona, Adapter: in.Adapter,
		Model: in.Model, CanWrite: in.CanWrite, FilesChanged: []string{contract.NoFilesChanged},
		Summary:      "What you did, in one or two sentences.",
		Findings:     []string{"What you found that others should know."},
		Evidence:     []string{"The command you ran and what it showed."},
		ResidualRisk: []string{"What is still uncertain."},
		NextAction:   "What should happen next.",
	}
	if in.CanWrite {
		r.FilesChanged = []string{"path/you/changed.txt"}
	}
	if err := r.Validate(); err != nil {
		return "", errs.Wrap(errs.Invalid, "prompt.RenderLane", err, "lane %s: the example result does not validate", in.Lane)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	return string(data), err
}

// resultMarkdown is the path of the Markdown summary beside a result file.
func resultMarkdown(resultFile string) string {
	return filepath.Join(filepath.Dir(resultFile), "result.md")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func writeGlobs(b *strings.Builder, globs []string) {
	if len(globs) == 0 {
		b.WriteString("- (none)\n")
	}
	for _, g := range globs {
		fmt.Fprintf(b, "- `%s`\n", g)
	}
}

// writeQuoted writes text in a fenced block whose fence is longer than any
// run of backticks inside it, so the quote cannot end early.
func writeQuoted(b *strings.Builder, text string) {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	fmt.Fprintf(b, "%smarkdown\n%s\n%s\n", fence, text, fence)
}

type fragment struct{ path, text string }

// confinement returns the directory a file at path is read inside: the
// workspace when path lies in it, else path's own directory.
func confinement(workspace, path string) string {
	if workspace != "" {
		if rel, err := filepath.Rel(workspace, path); err == nil && filepath.IsLocal(rel) {
			return workspace
		}
	}
	return filepath.Dir(path)
}

// loadFragments reads the prompt fragments the manifest in dir lists for
// persona, in order. The prompts directory is reached through a root on
// the workspace (or on its parent when it lies elsewhere), and each
// fragment through a root on the prompts directory: a symlink may not lead
// out of either, so a repository cannot quote a file of the machine into a
// prompt by linking a fragment or the whole directory.
func loadFragments(workspace, dir, persona string) ([]fragment, error) {
	const op = "prompt.RenderLane"
	manifest := filepath.Join(dir, ManifestFile)
	root := confinement(workspace, dir)
	raw, err := contract.ReadFileIn(root, manifest)
	if err != nil {
		return nil, err
	}
	m, err := contract.Parse[contract.PromptManifest](manifest, raw)
	if err != nil {
		return nil, err
	}
	list := m.Fragments(persona)
	if len(list) == 0 {
		return nil, errs.E(errs.Invalid, op, "%s lists no fragments for persona %q; add \"%s\": [\"personas/%s.md\"] to its personas", manifest, persona, persona, persona)
	}
	prompts, err := fsx.RootIn(root, dir)
	if err != nil {
		return nil, errs.Wrap(errs.CodeOf(err), op, err, "")
	}
	defer prompts.Close()
	out := make([]fragment, 0, len(list))
	for _, rel := range list {
		text, err := readFragment(prompts, manifest, rel)
		if err != nil {
			return nil, err
		}
		out = append(out, fragment{path: rel, text: text})
	}
	return out, nil
}

// readFragment reads one fragment inside the prompts directory.
func readFragment(prompts *os.Root, manifest, rel string) (string, error) {
	const op = "prompt.RenderLane"
	path := filepath.Join(prompts.Name(), filepath.FromSlash(rel))
	f, err := fsx.OpenRegularIn(prompts, filepath.FromSlash(rel))
	switch {
	case errors.Is(err, errs.ErrNotFound):
		return "", errs.E(errs.NotFound, op, "%s lists fragment %q, but %s does not exist; create it or remove it from the manifest", manifest, rel, path)
	case err != nil:
		return "", errs.Wrap(errs.CodeOf(err), op, err, "%s lists fragment %q; fragments are regular files inside the prompts directory", manifest, rel)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFragment+1))
	if err != nil {
		return "", errs.Wrap(errs.Internal, op, err, "cannot read fragment %s", path)
	}
	if len(data) > maxFragment {
		return "", errs.E(errs.Invalid, op, "fragment %s is larger than %d KiB; split it or shorten it", path, maxFragment>>10)
	}
	return strings.TrimSpace(string(data)), nil
}
