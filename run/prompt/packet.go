package prompt

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/textx"
	"github.com/cocoder/cocoder/workspace"
)

// Default caps of a startup packet's excerpts. The priority caps match what
// workspace.FindPriority keeps.
const (
	DefaultPriorityLines  = workspace.ExcerptMaxLines
	DefaultPriorityBytes  = workspace.ExcerptMaxBytes
	DefaultSessionEntries = 3
	DefaultSessionLines   = 60
	DefaultSessionBytes   = 8 << 10
)

// The ways the session-log excerpt is chosen (SessionContext.Strategy).
const (
	// StrategyNewestEntries takes the newest dated entries, newest first.
	StrategyNewestEntries = "newest-session-entries"
	// StrategyHeadFallback takes the head of a log without dated entries.
	StrategyHeadFallback = "head-fallback"
)

// maxLogLine is how many bytes of one session-log line are kept.
const maxLogLine = 4 << 10

// PacketCaps bound what a startup packet quotes. Zero fields take the
// defaults above; the caps used are recorded in the packet.
type PacketCaps struct {
	// PriorityLines and PriorityBytes cap the priority excerpt.
	PriorityLines, PriorityBytes int
	// SessionEntries caps how many session-log entries are quoted.
	SessionEntries int
	// SessionLines and SessionBytes cap the whole session-log excerpt.
	SessionLines, SessionBytes int
}

func (c PacketCaps) withDefaults() (PacketCaps, error) {
	for _, v := range []int{c.PriorityLines, c.PriorityBytes, c.SessionEntries, c.SessionLines, c.SessionBytes} {
		if v < 0 {
			return c, errs.E(errs.Invalid, "prompt.BuildPacket", "packet caps may not be negative (got %+v); use 0 for the defaults", c)
		}
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.PriorityLines, DefaultPriorityLines)
	def(&c.PriorityBytes, DefaultPriorityBytes)
	def(&c.SessionEntries, DefaultSessionEntries)
	def(&c.SessionLines, DefaultSessionLines)
	def(&c.SessionBytes, DefaultSessionBytes)
	return c, nil
}

// PacketInput is what BuildPacket needs.
type PacketInput struct {
	// RunID is the run's id (ValidRunID).
	RunID string
	// Route and Profile of the run; both required and already validated.
	Route   *contract.Route
	Profile *contract.Profile
	// ProfileBytes are the profile file's raw bytes, for the digest.
	ProfileBytes []byte
	// Boundary is the priority boundary of the run, or nil when the
	// priority has none (writer lanes then use the profile's scopes).
	Boundary *contract.PriorityBoundary
	// Priority is the selected priority as workspace.FindPriority returned
	// it, also when it was not found (State "missing"); Slug is required.
	Priority workspace.Priority
	// PrioritiesPath is the PRIORITIES.md the priority was read from.
	PrioritiesPath string
	// SessionLogPath is the workspace's SESSION_LOG.md; it may be missing.
	SessionLogPath string
	// Workspace is the repository root. When set, the packet names the two
	// files relative to it.
	Workspace string
	// Caps bound the excerpts.
	Caps PacketCaps
	// Now is the creation time; zero means time.Now().
	Now time.Time
}

// BuildPacket builds the bounded context the lead of a run reads
// instead of whole files: the route in brief, the profile's digest, the
// selected priority's excerpt, the newest session-log entries, the write
// scope of every writer lane and the model roles, with the caps used and
// how each excerpt was taken.
//
// Session-log entries start at "## YYYY-MM-DD" headings. The newest are
// taken, newest first, whichever way the file is ordered; a log without
// dated entries is quoted from its head. The log is streamed, so its size
// does not matter.
//
// Problems that should stop a launch (the priority is missing or needs a
// review, a writer lane has no scope) are listed in the packet's Gaps;
// advisory ones in Warnings. The returned error is for bad input
// (errs.Invalid), an unreadable file (errs.Internal), or a packet that
// fails its contract (*contract.ValidationError).
func BuildPacket(in PacketInput) (*contract.StartupPacket, error) {
	const op = "prompt.BuildPacket"
	switch {
	case !contract.ValidRunID(in.RunID):
		return nil, errs.E(errs.Invalid, op, "run id %q is not valid", in.RunID)
	case in.Route == nil || in.Profile == nil:
		return nil, errs.E(errs.Invalid, op, "a route and a profile are required")
	case len(in.ProfileBytes) == 0:
		return nil, errs.E(errs.Invalid, op, "give the profile file's bytes (ProfileBytes) for the digest")
	case in.Priority.Slug == "":
		return nil, errs.E(errs.Invalid, op, "no priority slug given")
	case in.PrioritiesPath == "" || in.SessionLogPath == "":
		return nil, errs.E(errs.Invalid, op, "PrioritiesPath and SessionLogPath are required")
	}
	caps, err := in.Caps.withDefaults()
	if err != nil {
		return nil, err
	}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	digest := sha256.Sum256(in.ProfileBytes)
	p := &contract.StartupPacket{
		RunID:         in.RunID,
		CreatedAt:     now.UTC(),
		Route:         contract.PacketRoute{ID: in.Route.ID, Lead: in.Route.Lead, Teammates: nonNil(in.Route.Teammates)},
		ProfileDigest: hex.EncodeToString(digest[:]),
		ModelRoles:    contract.ResolveModelRoles(in.Profile.ModelRoles, in.Route.ModelRoles),
		SafetyFlags:   contract.SafetyFlags{OldReferencesReadOnly: true, NoFullPriorityRead: true, NoFullSessionLogRead: true},
	}
	prioSource, logSource := in.display(in.PrioritiesPath), in.display(in.SessionLogPath)

	p.SelectedPriority = selectedPriority(in.Priority, confinement(in.Workspace, in.PrioritiesPath), in.PrioritiesPath, prioSource, caps)
	switch sp := p.SelectedPriority; sp.StaleState {
	case "missing-source":
		p.Gaps = append(p.Gaps, fmt.Sprintf("%s does not exist, so priority [%s] cannot be read; create it (cocoder init scaffolds one)", prioSource, sp.Slug))
	case "missing":
		p.Gaps = append(p.Gaps, fmt.Sprintf("no heading with [%s] in %s; add one or pick an existing priority", sp.Slug, prioSource))
	case "review-required":
		p.Gaps = append(p.Gaps, fmt.Sprintf("priority [%s] is marked %q; review it and set its status to active before a run", sp.Slug, textx.FirstNonEmpty(sp.Status, sp.Title)))
	}
	if p.SelectedPriority.Truncated {
		p.Warnings = append(p.Warnings, fmt.Sprintf("the excerpt of priority [%s] is cut at %d lines or %d bytes; keep the section short or read the rest in %s", in.Priority.Slug, caps.PriorityLines, caps.PriorityBytes, prioSource))
	}

	p.RecentSessionContext, err = readSessionLog(confinement(in.Workspace, in.SessionLogPath), in.SessionLogPath, logSource, caps)
	if err != nil {
		return nil, err
	}
	if p.RecentSessionContext.Missing {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%s does not exist; the packet has no session context", logSource))
	}

	p.WriteBoundaries, p.ResolvedWriteBoundary = in.scopes(&p.Gaps, &p.Warnings)
	p.ExtractionEvidence = []contract.ExtractionEvidence{
		{Source: prioSource, Method: "streamed the section under the [" + in.Priority.Slug + "] heading only", Slug: in.Priority.Slug},
		{Source: logSource, Method: sessionMethod(p.RecentSessionContext), LineLimit: caps.SessionLines},
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// display names a file for the packet: relative to the workspace when it
// is inside it.
func (in PacketInput) display(path string) string {
	if in.Workspace != "" {
		if rel, err := filepath.Rel(in.Workspace, path); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return path
}

// selectedPriority turns the priority read from path (inside root, shown as
// source) into the packet's form, cut to the caps.
func selectedPriority(pr workspace.Priority, root, path, source string, caps PacketCaps) contract.SelectedPriority {
	excerpt, cut := capText(pr.Excerpt, caps.PriorityLines, caps.PriorityBytes)
	sp := contract.SelectedPriority{
		Slug: pr.Slug, Title: pr.Title, Status: pr.Status, Excerpt: excerpt, LastUpdated: pr.LastUpdated,
		StaleState: string(pr.State), Source: source, Matched: pr.State != workspace.PriorityMissing && pr.State != "",
		Truncated: pr.Truncated || cut,
	}
	if !sp.Matched {
		sp.StaleState = string(workspace.PriorityMissing)
		if _, err := fsx.StatIn(root, path); errors.Is(err, errs.ErrNotFound) {
			sp.StaleState = "missing-source"
		}
	}
	return sp
}

// writers lists the route's lanes that write: canWrite in the profile, or
// a writer lane of the route's enabled orchestrator-commit policy.
func writers(r *contract.Route, p *contract.Profile) []string {
	var out []string
	for _, lane := range r.Lanes {
		oc := r.OrchestratorCommit
		if p.Lanes[lane].CanWrite || (oc != nil && oc.Enabled && slices.Contains(oc.WriterLanes, lane)) {
			out = append(out, lane)
		}
	}
	return out
}

// scopes resolves the write scope of every writer lane.
func (in PacketInput) scopes(gaps, warnings *[]string) ([]string, *contract.ResolvedWriteBoundary) {
	rb := &contract.ResolvedWriteBoundary{Source: "profile-fallback", LaneBoundaries: map[string]contract.Scope{}}
	if b := in.Boundary; b != nil {
		rb.ID, rb.PrioritySlug, rb.Source = b.ID, b.PrioritySlug, "priority-boundary"
	} else {
		*warnings = append(*warnings, fmt.Sprintf("no priority boundary for [%s]; writer lanes use the route's or the profile's write scopes", in.Priority.Slug))
	}
	allowed := []string{}
	for _, lane := range writers(in.Route, in.Profile) {
		s, src := contract.LaneScope(in.Route, in.Profile, in.Boundary, lane)
		if in.Boundary != nil && src != contract.ScopeFromBoundary {
			rb.Source = "priority-boundary-unresolved"
			*gaps = append(*gaps, fmt.Sprintf("boundary %q has no writerLanes entry for writer lane %s; add one", in.Boundary.ID, lane))
		}
		if len(s.Allowed) == 0 {
			*gaps = append(*gaps, fmt.Sprintf("writer lane %s has no allowed paths, so it may change nothing; give it a scope in a priority boundary or the profile's writeBoundary", lane))
		}
		s = contract.Scope{Allowed: nonNil(s.Allowed), Excluded: slices.Clone(s.Excluded)}
		rb.LaneBoundaries[lane] = s
		allowed = textx.AppendNew(allowed, s.Allowed...)
		rb.ExcludedWriteBoundaries = textx.AppendNew(rb.ExcludedWriteBoundaries, s.Excluded...)
	}
	return allowed, rb
}

// readSessionLog takes the bounded excerpt of the session log at path
// (shown as source), read through a root confined to root: a log that is a
// symlink leading out of root, a FIFO or a device is refused, since its
// excerpt is sent to the lanes' models.
func readSessionLog(root, path, source string, caps PacketCaps) (contract.SessionContext, error) {
	sc := contract.SessionContext{Source: source, LineLimit: caps.SessionLines, EntryLimit: caps.SessionEntries, Strategy: StrategyNewestEntries}
	f, err := fsx.OpenIn(root, path)
	if errors.Is(err, errs.ErrNotFound) {
		sc.Missing = true
		return sc, nil
	}
	if err != nil {
		return sc, errs.Wrap(errs.CodeOf(err), "prompt.BuildPacket", err, "the session log must be an ordinary text file")
	}
	defer f.Close()
	entries, head, err := scanSessionLog(f, caps)
	if err != nil {
		return sc, errs.Wrap(errs.Internal, "prompt.BuildPacket", err, "cannot read %s", path)
	}
	var lines []string
	if len(entries) == 0 {
		sc.Strategy = StrategyHeadFallback
		lines = head
	} else {
		for i, e := range entries {
			if i > 0 {
				lines = append(lines, "")
			}
			lines = append(lines, e.trimmed()...)
		}
	}
	sc.Excerpt, _ = capText(strings.TrimRight(strings.Join(lines, "\n"), "\n \t"), caps.SessionLines, caps.SessionBytes)
	if sc.Excerpt != "" {
		sc.LinesRead = strings.Count(sc.Excerpt, "\n") + 1
	}
	return sc, nil
}

// logEntry is one dated entry of a session log, cut to the caps.
type logEntry struct {
	date  string
	lines []string
	bytes int
	full  bool // a line did not fit: nothing more is added
}

func (e *logEntry) add(line string, caps PacketCaps) {
	if e.full || len(e.lines) >= caps.SessionLines || e.bytes+len(line) >= caps.SessionBytes {
		e.full = true
		return
	}
	e.lines = append(e.lines, line)
	e.bytes += len(line) + 1
}

// trimmed returns the entry's lines without trailing blank lines.
func (e *logEntry) trimmed() []string {
	n := len(e.lines)
	for n > 0 && strings.TrimSpace(e.lines[n-1]) == "" {
		n--
	}
	return e.lines[:n]
}

// entryHeadingRE matches the heading that starts a dated entry.
var entryHeadingRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^##[ \t]+([0-9]{4}-[0-9]{2}-[0-9]{2})\b`) })

// scanSessionLog streams a session log. It returns the newest entries
// (newest first, at most caps.SessionEntries) and the head of the file for
// the fallback. Memory is bounded by the caps: it keeps the first and the
// last entries and decides at the end which end of the file is newest.
func scanSessionLog(r io.Reader, caps PacketCaps) (newest []logEntry, head []string, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		first, last []logEntry // the first entries, and a window of the last ones
		cur         *logEntry
		fence       string
		headEntry   logEntry // the head of the file, for the fallback
	)
	flush := func() {
		if cur == nil {
			return
		}
		if len(first) < caps.SessionEntries {
			first = append(first, *cur)
		}
		last = append(last, *cur)
		if len(last) > caps.SessionEntries {
			last = last[1:]
		}
		cur = nil
	}
	for {
		line, rerr := readCappedLine(br, maxLogLine)
		if rerr != nil && rerr != io.EOF {
			return nil, nil, rerr
		}
		if rerr == io.EOF && line == "" {
			break
		}
		headEntry.add(line, caps)
		trimmed := strings.TrimSpace(line)
		switch {
		case fence != "":
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
				fence = ""
			}
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			fence = trimmed[:3]
		default:
			if m := entryHeadingRE().FindStringSubmatch(line); m != nil {
				if _, perr := time.Parse(time.DateOnly, m[1]); perr == nil {
					flush()
					cur = &logEntry{date: m[1]}
				}
			} else if strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "## ") {
				flush() // a heading of the same or a higher level ends an entry
			}
		}
		if cur != nil {
			cur.add(line, caps)
		}
		if rerr == io.EOF {
			break
		}
	}
	flush()
	head = headEntry.trimmed()
	if len(first) == 0 {
		return nil, head, nil
	}
	// Oldest first (the last entry is dated later than the first): take
	// the last entries. Otherwise the file is newest first: take the first.
	// Either way the entries are handed back newest first; a file kept in
	// no order gets the window this picks, sorted by date.
	sel := first
	if first[0].date < last[len(last)-1].date {
		sel = last
		slices.Reverse(sel) // later in the file is newer among equal dates
	}
	slices.SortStableFunc(sel, func(a, b logEntry) int { return strings.Compare(b.date, a.date) })
	return sel, head, nil
}

// readCappedLine returns the next line without its ending, cut to max
// bytes; the rest of a longer line is skipped.
func readCappedLine(br *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if room := max - len(buf); room > 0 {
			buf = append(buf, chunk[:min(len(chunk), room)]...)
		}
		if err != bufio.ErrBufferFull {
			return strings.TrimRight(string(buf), "\r\n"), err
		}
	}
}

func sessionMethod(sc contract.SessionContext) string {
	switch {
	case sc.Missing:
		return "no session log"
	case sc.Strategy == StrategyHeadFallback:
		return "head of the file (no dated ## YYYY-MM-DD entries)"
	}
	return fmt.Sprintf("newest %d dated ## YYYY-MM-DD entries, newest first, streamed", sc.EntryLimit)
}

// capText cuts text to maxLines lines and maxBytes bytes, at a line end
// (or, for a single over-long line, at a rune boundary). It reports whether
// anything was cut.
func capText(text string, maxLines, maxBytes int) (string, bool) {
	lines := strings.Split(text, "\n")
	cut := false
	if len(lines) > maxLines {
		lines, cut = lines[:maxLines], true
	}
	out := strings.Join(lines, "\n")
	if len(out) <= maxBytes {
		return out, cut
	}
	out = out[:maxBytes]
	if i := strings.LastIndexByte(out, '\n'); i > 0 {
		return out[:i], true
	}
	for len(out) > 0 && !utf8.ValidString(out) {
		out = out[:len(out)-1]
	}
	return out, true
}

// nonNil returns list, or an empty list instead of nil (contract fields
// that are required lists must not be null).
func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return slices.Clone(list)
}
