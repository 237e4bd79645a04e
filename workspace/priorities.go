package workspace

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
)

// PriorityState says whether a priority can be worked on as it stands.
type PriorityState string

// The priority states.
const (
	// PriorityActive: the priority exists and nothing marks it as finished
	// or outdated.
	PriorityActive PriorityState = "active"
	// PriorityReviewRequired: the heading or the status marks the priority
	// as stale, superseded, archived, closed or done; a human should look
	// before a run starts on it.
	PriorityReviewRequired PriorityState = "review-required"
	// PriorityMissing: no heading carries the requested slug.
	PriorityMissing PriorityState = "missing"
)

// Caps on what the reader keeps, so that a huge PRIORITIES.md costs little.
const (
	// ExcerptMaxLines is the most lines an excerpt holds (heading included).
	ExcerptMaxLines = 40
	// ExcerptMaxBytes is the most bytes an excerpt holds.
	ExcerptMaxBytes = 4096
	// MaxPriorities is the most priorities ReadPriorities and
	// ParsePriorities return; a text with more is refused, so that what
	// they hold stays bounded whatever the size of the file.
	MaxPriorities = 10_000
	// MaxPrioritiesFile is the largest PRIORITIES.md the readers go
	// through (64 MiB); a larger file, or a symlink to a device that never
	// ends, is refused rather than read forever.
	MaxPrioritiesFile = 64 << 20
	// maxLineBytes is the most bytes of one line the reader looks at; the
	// rest of a longer line is skipped.
	maxLineBytes = 16 << 10
	// maxSlugLen bounds a slug.
	maxSlugLen = 128
)

// Priority is one unit of work from PRIORITIES.md: a Markdown heading of
// level 2 to 4 that carries a [slug], and the text below it.
type Priority struct {
	// Slug is the priority's identifier, the last bracketed token of its
	// heading that is a valid slug.
	Slug string `json:"slug"`
	// Title is the heading text without the #'s and without the [slug].
	Title string `json:"title"`
	// Status is the value of the first "**Status:**" (or "Status:") line of
	// the section, "" if there is none.
	Status string `json:"status,omitempty"`
	// Excerpt is the start of the section, heading included, capped at
	// ExcerptMaxLines lines and ExcerptMaxBytes bytes.
	Excerpt string `json:"excerpt,omitempty"`
	// Truncated is true when the section is longer than Excerpt.
	Truncated bool `json:"truncated,omitempty"`
	// Line is the 1-based line number of the heading.
	Line int `json:"line,omitempty"`
	// LastUpdated is the text after the last "Last updated:" line seen
	// before the heading, "" if none.
	LastUpdated string `json:"lastUpdated,omitempty"`
	// State says whether the priority can be run as it stands.
	State PriorityState `json:"state"`
}

var (
	statusRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)^(?:[-*+][ \t]+)?(?:\*\*|__)?status(?:\*\*|__)?[ \t]*:(.*)$`)
	})
	lastUpdateRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)^(?:[-*+][ \t]+)?(?:\*\*|__)?last updated(?:\*\*|__)?[ \t]*:(.*)$`)
	})
	// staleTitleWords mark a heading as outdated when they are its first word.
	staleTitleWords = []string{"stale", "superseded", "archived"}
	// staleStatusWords mark a status as finished or outdated when they are
	// its first word.
	staleStatusWords = []string{"stale", "superseded", "archived", "closed", "done", "complete", "completed"}
)

// ValidSlug returns an errs.Invalid error unless slug is a valid priority
// slug: lower-case letters, digits, '.', '_' and '-', starting with a letter
// or digit, at most 128 bytes.
func ValidSlug(slug string) error {
	if !isSlug(slug) {
		return errs.E(errs.Invalid, "workspace.ValidSlug", "priority slug %q is not valid: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (at most %d bytes)", slug, maxSlugLen)
	}
	return nil
}

// isSlug matches [a-z0-9][a-z0-9._-]* of at most maxSlugLen bytes.
func isSlug(s string) bool {
	if s == "" || len(s) > maxSlugLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// ReadPriorities returns every priority of the PRIORITIES.md file at path,
// in file order. A missing file is an errs.NotFound error; anything but a
// regular file (a FIFO, a device) is refused before it is opened
// (errs.Invalid). For a workspace's own file use [Workspace.Priorities],
// which also keeps the read inside the workspace.
func ReadPriorities(path string) ([]Priority, error) {
	return readPriorities("", path)
}

// Priorities returns every priority of the workspace's PRIORITIES.md, in
// file order, like [ReadPriorities], reading it through a root confined to
// the workspace: a PRIORITIES.md that is (or lies under) a symlink leading
// out of the workspace is refused with errs.Invalid, naming the file.
func (w *Workspace) Priorities() ([]Priority, error) {
	return readPriorities(w.Root, w.PrioritiesPath())
}

// Priority returns the workspace's priority slug, like [FindPriority], read
// through a root confined to the workspace (see [Workspace.Priorities]).
func (w *Workspace) Priority(slug string) (Priority, error) {
	return findPriority(w.Root, w.PrioritiesPath(), slug)
}

func readPriorities(root, path string) ([]Priority, error) {
	f, err := openPriorities("workspace.ReadPriorities", root, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parsePriorities("workspace.ReadPriorities", path, capPriorities("workspace.ReadPriorities", path, f))
}

// capPriorities bounds what the readers take from the file at path.
func capPriorities(op, path string, f io.Reader) io.Reader {
	return fsx.CapReader(f, MaxPrioritiesFile, func() error {
		return errs.E(errs.Invalid, op, "%s is larger than %d MiB, the most a priorities file may hold; move finished priorities to an archive file", path, MaxPrioritiesFile>>20)
	})
}

// FindPriority returns the first priority of the file at path whose slug is
// exactly slug. It stops reading as soon as that section ends.
//
// It returns an errs.Invalid error for a malformed slug, and an
// errs.NotFound error when the file is missing or no heading carries the
// slug; in that case the returned Priority has State PriorityMissing.
func FindPriority(path, slug string) (Priority, error) {
	return findPriority("", path, slug)
}

func findPriority(root, path, slug string) (Priority, error) {
	const op = "workspace.FindPriority"
	missing := Priority{Slug: slug, State: PriorityMissing}
	if err := ValidSlug(slug); err != nil {
		return missing, err
	}
	f, err := openPriorities(op, root, path)
	if err != nil {
		return missing, err
	}
	defer f.Close()
	var found *Priority
	err = scanPriorities(capPriorities(op, path, f), func(p Priority) bool {
		if p.Slug == slug {
			found = &p
			return false
		}
		return true
	}, slug)
	if errs.CodeOf(err) == errs.Invalid {
		return missing, err
	}
	if err != nil {
		return missing, errs.Wrap(errs.Internal, op, err, "reading %s", path)
	}
	if found == nil {
		return missing, errs.E(errs.NotFound, op, "no priority [%s] in %s: add a heading such as \"## Title [%s]\"", slug, path, slug)
	}
	return *found, nil
}

// openPriorities opens the priorities file at path: confined to root when
// root is not empty, and only when it is a regular file.
func openPriorities(op, root, path string) (*os.File, error) {
	var f *os.File
	var err error
	if root != "" {
		f, err = fsx.OpenIn(root, path)
	} else {
		f, err = fsx.OpenRegular(path)
	}
	if errors.Is(err, errs.ErrNotFound) {
		return nil, errs.E(errs.NotFound, op, "%s does not exist; create it (scaffolding the workspace writes one from the template)", path)
	}
	if err != nil {
		return nil, errs.Wrap(errs.CodeOf(err), op, err, "")
	}
	return f, nil
}

// ParsePriorities reads PRIORITIES.md text from r and returns every
// priority in order. Memory use is bounded whatever the input size: each
// priority keeps at most ExcerptMaxLines lines and ExcerptMaxBytes bytes,
// lines longer than 16 KiB are cut, and a text with more than
// MaxPriorities priorities is an errs.Invalid error.
func ParsePriorities(r io.Reader) ([]Priority, error) {
	return parsePriorities("workspace.ParsePriorities", "the text", r)
}

// parsePriorities is ParsePriorities for the text named name.
func parsePriorities(op, name string, r io.Reader) ([]Priority, error) {
	var out []Priority
	tooMany := false
	err := scanPriorities(r, func(p Priority) bool {
		if len(out) == MaxPriorities {
			tooMany = true
			return false
		}
		out = append(out, p)
		return true
	}, "")
	if errs.CodeOf(err) == errs.Invalid {
		return nil, err
	}
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "reading %s", name)
	}
	if tooMany {
		return nil, errs.E(errs.Invalid, op, "%s holds more than %d priorities, the most that are listed; move finished ones to an archive file", name, MaxPriorities)
	}
	return out, nil
}

// section is the priority being captured.
type section struct {
	p     Priority
	level int
	lines int
	buf   bytes.Buffer
}

func (s *section) add(line string) {
	if s.p.Truncated {
		return
	}
	if s.lines >= ExcerptMaxLines || s.buf.Len()+len(line)+1 > ExcerptMaxBytes {
		s.p.Truncated = true
		return
	}
	if s.lines > 0 {
		s.buf.WriteByte('\n')
	}
	s.buf.WriteString(line)
	s.lines++
}

func (s *section) finish() Priority {
	p := s.p
	p.Excerpt = strings.TrimRight(s.buf.String(), "\n \t")
	p.State = PriorityActive
	if firstWordIn(p.Title, staleTitleWords) || firstWordIn(p.Status, staleStatusWords) {
		p.State = PriorityReviewRequired
	}
	return p
}

// scanPriorities streams r and calls emit for each priority when its
// section ends; emit returns false to stop. When only is not "", sections of
// other slugs are not captured (their excerpts are not built).
func scanPriorities(r io.Reader, emit func(Priority) bool, only string) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		cur         *section
		fence       string // the opening fence while inside a code block
		lastUpdated string
		lineNo      int
	)
	flush := func() bool {
		if cur == nil {
			return true
		}
		p := cur.finish()
		cur = nil
		return emit(p)
	}
	for {
		line, err := readLine(br)
		if err == io.EOF && line == "" {
			break
		}
		if err != nil && err != io.EOF {
			return err
		}
		lineNo++
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
				fence = ""
			}
			if cur != nil {
				cur.add(line)
			}
			continue
		}
		if f := fenceOf(trimmed); f != "" {
			fence = f
			if cur != nil {
				cur.add(line)
			}
			continue
		}
		if cur == nil && hasLabel(trimmed, "last updated") {
			if m := lastUpdateRE().FindStringSubmatch(trimmed); m != nil {
				lastUpdated = cleanStatus(m[1])
			}
		}
		if level, text, ok := heading(line); ok {
			slug, title := slugOf(text)
			isPriority := slug != "" && level >= 2 && level <= 4
			if cur != nil && (isPriority || level <= cur.level) {
				if !flush() {
					return nil
				}
			}
			if isPriority {
				if only == "" || slug == only {
					cur = &section{level: level, p: Priority{Slug: slug, Title: title, Line: lineNo, LastUpdated: lastUpdated}}
					cur.add(line)
				}
				continue
			}
		}
		if cur == nil {
			continue
		}
		if strings.HasPrefix(trimmed, "<!--") && strings.Contains(strings.ToLower(trimmed), "archived") {
			if !flush() {
				return nil
			}
			continue
		}
		if cur.p.Status == "" && hasLabel(trimmed, "status") {
			if m := statusRE().FindStringSubmatch(trimmed); m != nil {
				cur.p.Status = cleanStatus(m[1])
			}
		}
		cur.add(line)
	}
	flush()
	return nil
}

// hasLabel is a cheap test that trimmed may be a "label: value" line, run
// before the regular expression that parses one.
func hasLabel(trimmed, label string) bool {
	s := trimmed
	if len(s) > 1 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && (s[1] == ' ' || s[1] == '\t') {
		s = strings.TrimLeft(s[1:], " \t")
	}
	s = strings.TrimLeft(s, "*_")
	return len(s) > len(label) && strings.EqualFold(s[:len(label)], label)
}

// readLine returns the next line without its line ending, cut to
// maxLineBytes. It returns io.EOF with the last partial line, if any.
func readLine(br *bufio.Reader) (string, error) {
	chunk, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return strings.TrimRight(string(chunk[:min(len(chunk), maxLineBytes)]), "\r\n"), err
	}
	buf := append([]byte(nil), chunk[:min(len(chunk), maxLineBytes)]...)
	for err == bufio.ErrBufferFull {
		chunk, err = br.ReadSlice('\n')
		if room := maxLineBytes - len(buf); room > 0 {
			buf = append(buf, chunk[:min(len(chunk), room)]...)
		}
	}
	return strings.TrimRight(string(buf), "\r\n"), err
}

// fenceOf returns the fence that opens a code block on this line ("```" or
// "~~~", possibly longer), or "".
func fenceOf(trimmed string) string {
	for _, c := range []string{"`", "~"} {
		n := 0
		for n < len(trimmed) && trimmed[n] == c[0] {
			n++
		}
		if n >= 3 {
			return trimmed[:n]
		}
	}
	return ""
}

// heading parses an ATX heading ("## text", up to three leading spaces,
// an optional closing run of #'s).
func heading(line string) (level int, text string, ok bool) {
	s := line
	for i := 0; i < 3 && strings.HasPrefix(s, " "); i++ {
		s = s[1:]
	}
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 {
		return 0, "", false
	}
	rest := s[level:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return 0, "", false
	}
	text = strings.TrimSpace(rest)
	if t := strings.TrimRight(text, "#"); t == "" {
		text = ""
	} else if len(t) < len(text) && (t[len(t)-1] == ' ' || t[len(t)-1] == '\t') {
		text = strings.TrimSpace(t)
	}
	return level, text, true
}

// slugOf finds the slug of a heading: the last bracketed token ("[...]"
// with no bracket inside) that is a valid slug and not a link text
// ("[text](url)"). It returns the title with that token removed.
func slugOf(text string) (slug, title string) {
	type span struct{ start, end int } // text[start:end] is "[...]"
	var spans []span
	for i := 0; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		j := strings.IndexAny(text[i+1:], "[]")
		if j < 0 {
			break
		}
		j += i + 1
		if text[j] == '[' {
			i = j - 1
			continue
		}
		if j+1 >= len(text) || text[j+1] != '(' {
			spans = append(spans, span{i, j + 1})
		}
		i = j
	}
	for k := len(spans) - 1; k >= 0; k-- {
		sp := spans[k]
		cand := text[sp.start+1 : sp.end-1]
		if !isSlug(cand) {
			continue
		}
		title = strings.Join(strings.Fields(text[:sp.start]+" "+text[sp.end:]), " ")
		return cand, strings.Trim(title, " -–—:")
	}
	return "", text
}

// cleanStatus removes Markdown emphasis around a status value.
func cleanStatus(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "*_` ")
	return strings.TrimSpace(s)
}

// firstWordIn reports whether the first word of s (letters only, ignoring
// leading punctuation such as "~~" or "(") is one of words, case-insensitive.
func firstWordIn(s string, words []string) bool {
	s = strings.TrimLeftFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	if end >= 0 {
		s = s[:end]
	}
	s = strings.ToLower(s)
	for _, w := range words {
		if s == w {
			return true
		}
	}
	return false
}
