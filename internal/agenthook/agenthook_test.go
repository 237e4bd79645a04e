package agenthook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/agenthook"
)

// secretPrompt stands for what a hook file must never hold: the prompt
// and the tools' inputs.
const secretPrompt = "the user's private prompt text"

func TestArgsRoundTrip(t *testing.T) {
	c := agenthook.Config{File: "/ledger/lanes/solo/hooks.jsonl", Event: "UserPromptSubmit"}
	got, err := agenthook.ParseArgs(c.Args())
	require.NoError(t, err)
	assert.Equal(t, c, got)
	for _, bad := range [][]string{
		nil,
		{"--file", "relative/hooks.jsonl"},
		{"--file", "/x", "--event"},
		{"--file", "/x", "--event", "$(touch pwned)"},
		{"--file", "/x", "--other", "y"},
	} {
		_, err := agenthook.ParseArgs(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestParseKeepsOnlyWhatTheEngineNeeds(t *testing.T) {
	payload := `{"session_id":"s","transcript_path":"/home/u/.claude/x.jsonl","cwd":"/w","hook_event_name":"UserPromptSubmit",` +
		`"prompt":"` + secretPrompt + `","tool_input":{"command":"` + secretPrompt + `"}}`
	rec, err := agenthook.Parse(strings.NewReader(payload))
	require.NoError(t, err)
	assert.Equal(t, agenthook.Record{Event: "UserPromptSubmit"}, rec)

	rec, err = agenthook.Parse(strings.NewReader(`{"hook_event_name":"Notification","message":"Claude needs your permission to use Bash\u001b[2J\nnow",` +
		`"notification_type":"permission_prompt","title":"` + secretPrompt + `"}`))
	require.NoError(t, err)
	assert.Equal(t, "Notification", rec.Event)
	assert.Equal(t, "permission_prompt", rec.Type)
	assert.Equal(t, `Claude needs your permission to use Bash\x1b[2J\nnow`, rec.Message, "control characters are escaped")

	rec, _ = agenthook.Parse(strings.NewReader(`{"hook_event_name":"Notification","message":"` + strings.Repeat("é", 500) + `"}`))
	assert.Equal(t, agenthook.MaxMessage, utf8.RuneCountInString(rec.Message))
	assert.True(t, strings.HasSuffix(rec.Message, "…"))

	rec, _ = agenthook.Parse(strings.NewReader(`{"hook_event_name":"rm -rf /","notification_type":"a b","message":17}`))
	assert.Equal(t, agenthook.Record{}, rec, "names that are not names, and values that are not strings, are left out")

	for _, bad := range []string{``, `[]`, `"x"`, `not json`} {
		_, err := agenthook.Parse(strings.NewReader(bad))
		assert.Error(t, err, "%q", bad)
	}
}

// A payload larger than MaxPayload (a tool input holding a whole file) is
// parsed as far as the limit: the event's name comes first.
func TestParseHugePayload(t *testing.T) {
	payload := `{"hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"content":"` +
		strings.Repeat("x", 3*agenthook.MaxPayload) + `"}}`
	rec, err := agenthook.Parse(strings.NewReader(payload))
	assert.Error(t, err, "the payload is cut off")
	assert.Equal(t, "PreToolUse", rec.Event)
}

func TestAppendAndRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hooks.jsonl")
	recs, next, err := agenthook.Read(file, 0)
	require.NoError(t, err, "a missing file is no records")
	assert.Empty(t, recs)
	assert.Zero(t, next)

	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	require.NoError(t, agenthook.Append(file, agenthook.Record{Time: at, Event: "UserPromptSubmit"}))
	require.NoError(t, agenthook.Append(file, agenthook.Record{Time: at.Add(time.Second), Event: "Notification", Type: "permission_prompt", Message: "needs you"}))
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	recs, next, err = agenthook.Read(file, 0)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, "UserPromptSubmit", recs[0].Event)
	assert.Equal(t, at, recs[0].Time)
	assert.Equal(t, agenthook.Record{Time: at.Add(time.Second), Event: "Notification", Type: "permission_prompt", Message: "needs you"}, recs[1])
	assert.Equal(t, fi.Size(), next)

	// Nothing new: no records, same offset.
	recs, again, err := agenthook.Read(file, next)
	require.NoError(t, err)
	assert.Empty(t, recs)
	assert.Equal(t, next, again)

	// A line being written is left for later; garbage and long lines are
	// skipped; bad names are cleaned away.
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString("not json\n" + `{"event":"Stop` + strings.Repeat(" ", agenthook.MaxLine) + `"}` + "\n" +
		`{"event":"$(x)"}` + "\n" + `{"event":"Stop","message":"\u001b]0;t\u0007"}` + "\n" + `{"event":"Pre`)
	require.NoError(t, err)
	recs, next, err = agenthook.Read(file, next)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "Stop", recs[0].Event)
	assert.Equal(t, `\x1b]0;t\a`, recs[0].Message)
	_, err = f.WriteString(`ToolUse"}` + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	recs, _, err = agenthook.Read(file, next)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "PreToolUse", recs[0].Event, "the line finished later is read whole")

	// A file shorter than the offset was replaced: read from its start.
	require.NoError(t, os.Remove(file))
	require.NoError(t, agenthook.Append(file, agenthook.Record{Event: "SessionStart"}))
	recs, _, err = agenthook.Read(file, next)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "SessionStart", recs[0].Event)
}

func TestAppendRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hooks.jsonl")
	assert.Error(t, agenthook.Append(file, agenthook.Record{Event: "not a name"}), "no event")
	assert.Error(t, agenthook.Append("hooks.jsonl", agenthook.Record{Event: "Stop"}), "relative path")
	_, err := os.Stat(file)
	assert.True(t, os.IsNotExist(err), "nothing was written")

	// A symlink, to a file beside it or outside the directory, is refused
	// and its target untouched.
	victim := filepath.Join(dir, "events.jsonl")
	require.NoError(t, os.WriteFile(victim, []byte("keep\n"), 0o600))
	outside := filepath.Join(t.TempDir(), "bashrc")
	require.NoError(t, os.WriteFile(outside, []byte("keep\n"), 0o600))
	for _, target := range []string{"events.jsonl", victim, outside} {
		require.NoError(t, os.Symlink(target, file))
		assert.Error(t, agenthook.Append(file, agenthook.Record{Event: "Stop"}), "symlink to %s", target)
		require.NoError(t, os.Remove(file))
	}
	// A hard link to another file is refused too.
	require.NoError(t, os.Link(victim, file))
	assert.Error(t, agenthook.Append(file, agenthook.Record{Event: "Stop"}))
	require.NoError(t, os.Remove(file))
	for _, p := range []string{victim, outside} {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, "keep\n", string(b), p)
	}

	// A FIFO neither blocks nor is written.
	require.NoError(t, syscall.Mkfifo(file, 0o600))
	done := make(chan error, 1)
	go func() { done <- agenthook.Append(file, agenthook.Record{Event: "Stop"}) }()
	select {
	case err := <-done:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Append blocked on a FIFO")
	}
	require.NoError(t, os.Remove(file))

	// A full file takes no more lines.
	require.NoError(t, os.WriteFile(file, bytes.Repeat([]byte("x"), agenthook.MaxFile-10), 0o600))
	assert.ErrorIs(t, agenthook.Append(file, agenthook.Record{Event: "Stop"}), agenthook.ErrFull)
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.EqualValues(t, agenthook.MaxFile-10, fi.Size())
}

// Hooks of one CLI may run at the same time (parallel tool calls): every
// line arrives whole.
func TestConcurrentAppends(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hooks.jsonl")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			assert.NoError(t, agenthook.Append(file, agenthook.Record{Event: "PreToolUse", Message: fmt.Sprint(i, strings.Repeat("m", 150))}))
		})
	}
	wg.Wait()
	recs, _, err := agenthook.Read(file, 0)
	require.NoError(t, err)
	assert.Len(t, recs, 50)
}

func TestMain_(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hooks.jsonl")
	var errOut bytes.Buffer
	in := strings.NewReader(`{"hook_event_name":"Notification","notification_type":"idle_prompt","message":"waiting","prompt":"` + secretPrompt + `"}`)
	assert.Equal(t, 0, agenthook.Main(context.Background(), agenthook.Config{File: file}.Args(), in, &errOut))
	assert.Empty(t, errOut.String())
	// --event wins over the payload's name.
	in = strings.NewReader(`{"hook_event_name":"Other"}`)
	assert.Equal(t, 0, agenthook.Main(context.Background(), agenthook.Config{File: file, Event: "Stop"}.Args(), in, &errOut))
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.NotContains(t, string(b), secretPrompt)
	recs, _, err := agenthook.Read(file, 0)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, "idle_prompt", recs[0].Type)
	assert.Equal(t, "Stop", recs[1].Event)
	assert.WithinDuration(t, time.Now(), recs[1].Time, time.Minute)

	// Bad arguments, a payload that is not JSON, a directory that does
	// not exist: exit 0 all the same, with a line on errOut.
	for _, args := range [][]string{{"--nope"}, agenthook.Config{File: filepath.Join(t.TempDir(), "gone", "hooks.jsonl")}.Args()} {
		errOut.Reset()
		assert.Equal(t, 0, agenthook.Main(context.Background(), args, strings.NewReader(`{"hook_event_name":"Stop"}`), &errOut))
		assert.Contains(t, errOut.String(), "cocoder agent hook:")
	}
}

// A CLI that never closes the hook's standard input does not hold the
// hook: it writes what the arguments say and returns.
func TestMainDoesNotWaitForeverForItsInput(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hooks.jsonl")
	r, w := io.Pipe()
	defer w.Close()
	start := time.Now()
	assert.Equal(t, 0, agenthook.Main(context.Background(), agenthook.Config{File: file, Event: "Stop"}.Args(), r, io.Discard))
	assert.Less(t, time.Since(start), 5*time.Second)
	recs, _, err := agenthook.Read(file, 0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "Stop", recs[0].Event)
}

// FuzzParse feeds the payload parser anything: it never panics, and what
// it returns is clean, fits a line of the hook file and survives the
// round trip through the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"hook_event_name":"Notification","notification_type":"permission_prompt","message":"Claude needs your permission"}`))
	f.Add([]byte(`{"hook_event_name":"UserPromptSubmit","prompt":"hi","tool_input":{"a":[1,2,{"b":null}]}}`))
	f.Add([]byte(`{"message":"\u0000\u001b[31m\ud800","hook_event_name":"Stop","hook_event_name":"Other"}`))
	f.Add([]byte(`{"hook_event_name":`))
	f.Add([]byte(`[{"hook_event_name":"Stop"}]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, payload []byte) {
		rec, _ := agenthook.Parse(bytes.NewReader(payload))
		if rec != rec.Clean() {
			t.Fatalf("Parse returned a record that is not clean: %+v", rec)
		}
		if utf8.RuneCountInString(rec.Message) > agenthook.MaxMessage || strings.ContainsAny(rec.Message, "\x00\x1b\n\r") {
			t.Fatalf("message not bounded or not escaped: %q", rec.Message)
		}
		if rec.Event == "" {
			return
		}
		file := filepath.Join(dir, "hooks.jsonl")
		_ = os.Remove(file)
		if err := agenthook.Append(file, rec); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > agenthook.MaxLine || bytes.Count(b, []byte("\n")) != 1 {
			t.Fatalf("the line is %d bytes with %d newlines", len(b), bytes.Count(b, []byte("\n")))
		}
		var back agenthook.Record
		if err := json.Unmarshal(b, &back); err != nil || back.Event != rec.Event || back.Type != rec.Type {
			t.Fatalf("round trip: %+v → %s (%v)", rec, b, err)
		}
	})
}
