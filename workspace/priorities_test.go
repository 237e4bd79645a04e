package workspace_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

const samplePriorities = "\ufeff# Priorities\r\n" + `
Last updated: 2026-11-20 — login first, then search.

Preamble mentioning [login] and [search-v2] in passing.

## Login flow [login]

**Status:** Active — atom L2 next

Make the login page work.

### Notes

Sub-heading text stays in the excerpt.

` + "```md\n## Not a heading [fenced]\n```\n" + `
## ~~Stale~~ old search [search]

- **Status**: in progress

## Search v2 [search-v2]

Status: Done

#### Deep [deep.one]

Status: superseded by search-v2

## Not a priority

Text after a plain heading.

## Link heading [docs](https://example.com) [with-link]

Body.
<!-- [x] Archived below -->
archived text

## Two [tags] in [the-slug]

__Status:__ closed

# Top level ends everything
`

func writePriorities(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "PRIORITIES.md")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func TestReadPriorities(t *testing.T) {
	path := writePriorities(t, samplePriorities)
	ps, err := workspace.ReadPriorities(path)
	require.NoError(t, err)

	type row struct {
		Slug, Title, Status string
		State               workspace.PriorityState
		Line                int
	}
	var got []row
	for _, p := range ps {
		got = append(got, row{p.Slug, p.Title, p.Status, p.State, p.Line})
	}
	want := []row{
		{"login", "Login flow", "Active — atom L2 next", workspace.PriorityActive, 7},
		{"search", "~~Stale~~ old search", "in progress", workspace.PriorityReviewRequired, 21},
		{"search-v2", "Search v2", "Done", workspace.PriorityReviewRequired, 25},
		{"deep.one", "Deep", "superseded by search-v2", workspace.PriorityReviewRequired, 29},
		{"with-link", "Link heading [docs](https://example.com)", "", workspace.PriorityActive, 37},
		{"the-slug", "Two [tags] in", "closed", workspace.PriorityReviewRequired, 43},
	}
	assert.Equal(t, want, got)

	login := ps[0]
	assert.Equal(t, "2026-11-20 — login first, then search.", login.LastUpdated)
	assert.True(t, strings.HasPrefix(login.Excerpt, "## Login flow [login]"))
	assert.Contains(t, login.Excerpt, "Sub-heading text stays in the excerpt.")
	assert.Contains(t, login.Excerpt, "## Not a heading [fenced]", "fenced lines belong to the excerpt")
	assert.NotContains(t, login.Excerpt, "old search")
	assert.False(t, login.Truncated)

	assert.NotContains(t, ps[4].Excerpt, "archived text", "an Archived comment ends the section")
	assert.NotContains(t, ps[5].Excerpt, "Top level", "a level-1 heading ends the section")
}

func TestFindPriority(t *testing.T) {
	path := writePriorities(t, samplePriorities)
	tests := []struct {
		name, slug string
		code       errs.Code
		state      workspace.PriorityState
		title      string
	}{
		{"Active", "login", "", workspace.PriorityActive, "Login flow"},
		{"ExactNotSubstring", "search", "", workspace.PriorityReviewRequired, "~~Stale~~ old search"},
		{"LongerSlug", "search-v2", "", workspace.PriorityReviewRequired, "Search v2"},
		{"ErrPrefixOnly", "log", errs.NotFound, workspace.PriorityMissing, ""},
		{"ErrFencedIgnored", "fenced", errs.NotFound, workspace.PriorityMissing, ""},
		{"ErrNotLastBracket", "tags", errs.NotFound, workspace.PriorityMissing, ""},
		{"ErrLinkTextIsNotSlug", "docs", errs.NotFound, workspace.PriorityMissing, ""},
		{"ErrInvalidSlug", "Login", errs.Invalid, workspace.PriorityMissing, ""},
		{"ErrSlugWithSlash", "a/b", errs.Invalid, workspace.PriorityMissing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := workspace.FindPriority(path, tt.slug)
			assert.Equal(t, tt.code, errs.CodeOf(err), "err %v", err)
			assert.Equal(t, tt.state, p.State)
			assert.Equal(t, tt.slug, p.Slug)
			assert.Equal(t, tt.title, p.Title)
		})
	}
	t.Run("ErrMissingFile", func(t *testing.T) {
		p, err := workspace.FindPriority(filepath.Join(t.TempDir(), "PRIORITIES.md"), "login")
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
		assert.Contains(t, err.Error(), "scaffolding the workspace writes one")
		assert.Equal(t, workspace.PriorityMissing, p.State)
		_, err = workspace.ReadPriorities(filepath.Join(t.TempDir(), "PRIORITIES.md"))
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	})
}

func TestPriorityExcerptIsBounded(t *testing.T) {
	t.Run("ManyLines", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("## Big [big]\n")
		for range 1000 {
			b.WriteString("line\n")
		}
		b.WriteString("## Next [next]\nStatus: active\n")
		ps, err := workspace.ParsePriorities(strings.NewReader(b.String()))
		require.NoError(t, err)
		require.Len(t, ps, 2)
		assert.True(t, ps[0].Truncated)
		assert.Equal(t, workspace.ExcerptMaxLines, strings.Count(ps[0].Excerpt, "\n")+1)
		assert.False(t, ps[1].Truncated)
		assert.Equal(t, "active", ps[1].Status)
	})
	t.Run("LongLines", func(t *testing.T) {
		long := strings.Repeat("x", 100_000)
		text := "## Wide [wide]\n" + long + "\n" + long + "\nStatus: late\n"
		ps, err := workspace.ParsePriorities(strings.NewReader(text))
		require.NoError(t, err)
		require.Len(t, ps, 1)
		assert.True(t, ps[0].Truncated)
		assert.LessOrEqual(t, len(ps[0].Excerpt), workspace.ExcerptMaxBytes)
		assert.Equal(t, "late", ps[0].Status, "status is read even after the excerpt is full")
	})
	t.Run("HugeHeadingLine", func(t *testing.T) {
		text := "## " + strings.Repeat("y", 1<<20) + " [cut]\nbody\n## After [after]\n"
		ps, err := workspace.ParsePriorities(strings.NewReader(text))
		require.NoError(t, err)
		require.Len(t, ps, 1, "the over-long heading is cut before its slug")
		assert.Equal(t, "after", ps[0].Slug)
		assert.Equal(t, 3, ps[0].Line)
	})
}

func TestFindPriorityStopsEarly(t *testing.T) {
	// A stream that never reaches end of file: the search must return as
	// soon as the wanted section ends, without reading further.
	r, w := io.Pipe()
	defer w.Close()
	go func() {
		_, _ = w.Write([]byte("## Wanted [wanted]\nStatus: active\n\n## Other [other]\n"))
	}()
	type result struct {
		p   workspace.Priority
		err error
	}
	got := make(chan result, 1)
	go func() {
		p, err := workspace.FindPriorityIn(r, "wanted")
		got <- result{p, err}
	}()
	select {
	case r := <-got:
		require.NoError(t, r.err)
		assert.Equal(t, "active", r.p.Status)
	case <-time.After(5 * time.Second):
		t.Fatal("FindPriority kept reading after the section ended")
	}
}

// TestPrioritiesRefuseAFIFO: a PRIORITIES.md that is a FIFO (or a symlink
// to one) is refused at once, naming the file, instead of blocking the
// reader on an open that no writer ever answers.
func TestPrioritiesRefuseAFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "PRIORITIES.md")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan error, 1)
	go func() { _, err := workspace.FindPriority(fifo, "wanted"); done <- err }()
	select {
	case err := <-done:
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		assert.ErrorContains(t, err, fifo+" is a named pipe (FIFO)")
	case <-time.After(5 * time.Second):
		t.Fatal("FindPriority blocked on a FIFO")
	}
}

func BenchmarkFindPriorityLargeFile(b *testing.B) {
	var buf bytes.Buffer
	for i := range 20_000 {
		buf.WriteString("## Item ")
		buf.WriteString(strings.Repeat("z", i%50))
		buf.WriteString(" [item-")
		buf.WriteString(strings.Repeat("a", 1+i%7))
		buf.WriteString("]\nStatus: active\nSome text about it.\n\n")
	}
	buf.WriteString("## Last [last]\nStatus: active\n")
	path := filepath.Join(b.TempDir(), "PRIORITIES.md")
	require.NoError(b, os.WriteFile(path, buf.Bytes(), 0o644))
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := workspace.FindPriority(path, "last"); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzParsePriorities checks that the reader never panics, that every
// priority it returns has a valid slug, a bounded excerpt and a known state,
// and that FindPriority agrees with ParsePriorities on the first match.
func FuzzParsePriorities(f *testing.F) {
	f.Add([]byte(samplePriorities))
	f.Add([]byte("## A [a]\n**Status:** done\n"))
	f.Add([]byte("```\n## X [x]\n"))
	f.Add([]byte("#### [a][b](c) [d-e]\n<!-- archived -->\n## [z]"))
	f.Add([]byte("## \r\n##\t[x]\t##\n~~~~\n~~~\n~~~~\n### y [y]"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := workspace.ParsePriorities(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if workspace.ValidSlug(p.Slug) != nil {
				t.Fatalf("invalid slug %q", p.Slug)
			}
			if len(p.Excerpt) > workspace.ExcerptMaxBytes || strings.Count(p.Excerpt, "\n") >= workspace.ExcerptMaxLines {
				t.Fatalf("excerpt over the caps: %d bytes", len(p.Excerpt))
			}
			if p.State != workspace.PriorityActive && p.State != workspace.PriorityReviewRequired {
				t.Fatalf("state %q", p.State)
			}
			if p.Line < 1 {
				t.Fatalf("line %d", p.Line)
			}
		}
		if len(ps) > 0 {
			path := filepath.Join(dir, "P.md")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := workspace.FindPriority(path, ps[0].Slug)
			if err != nil || p != ps[0] {
				t.Fatalf("FindPriority(%q) = %+v, %v; ParsePriorities gave %+v", ps[0].Slug, p, err, ps[0])
			}
		}
	})
}

// TestPrioritiesRefuseAnEndlessFile: a PRIORITIES.md that is a symlink to
// a device that never ends is refused by its type, before it is opened,
// instead of being read forever.
func TestPrioritiesRefuseAnEndlessFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "PRIORITIES.md")
	require.NoError(t, os.Symlink("/dev/zero", path))
	_, err := workspace.FindPriority(path, "wanted")
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, "is a device, not a regular file")
	_, err = workspace.ReadPriorities(path)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, path)
}
