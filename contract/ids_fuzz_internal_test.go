package contract

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzIDs checks that every accepted id is a plain path segment, so a
// ledger path built from accepted ids stays under the home.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{"r-20261124T140312Z-7k3f6q2a", "writer", "verifiers.primary", "..", "a/b", "$(id)", "ws-1", ".hidden"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, ws, id string) {
		for _, s := range []string{ws, id} {
			if ValidLaneName(s) || ValidWorkspaceID(s) || ValidRunID(s) {
				if !filepath.IsLocal(s) || strings.ContainsAny(s, "/\\;$`\n\x00 #:") || s == "." {
					t.Fatalf("accepted %q, which is not a plain path segment", s)
				}
			}
		}
		if ValidWorkspaceID(ws) && ValidRunID(id) {
			if dir := filepath.Join("/home", "runs", ws, id); !strings.HasPrefix(dir, "/home/runs/") {
				t.Fatalf("ledger dir %q escapes the home", dir)
			}
		}
		if ValidRunID(id) && !bytes.Equal([]byte(NewRunID(mustTime(t, id)))[:18], []byte(id)[:18]) {
			t.Fatalf("run id %q does not round-trip its time", id)
		}
	})
}

func mustTime(t *testing.T, id string) time.Time {
	t.Helper()
	tm, ok := RunIDTime(id)
	if !ok {
		t.Fatalf("RunIDTime(%q) failed for a valid id", id)
	}
	return tm
}
