package workspace

import (
	"regexp"
	"testing"
)

// FuzzDeriveID checks that a derived id always matches the registry's id
// pattern, fits in 64 bytes and avoids the taken ones.
func FuzzDeriveID(f *testing.F) {
	for _, s := range []string{"My App", "---", "", "Ünïcode ✓ repo", "a-b", "x"} {
		f.Add(s, "")
	}
	f.Add("app", "app")
	f.Add("app", "app app-2 app-3")
	idRE := regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	f.Fuzz(func(t *testing.T, name, takenList string) {
		taken := map[string]bool{}
		for _, s := range regexp.MustCompile(`\s+`).Split(takenList, -1) {
			taken[s] = true
		}
		id := deriveID(name, func(s string) bool { return taken[s] })
		if !idRE.MatchString(id) || len(id) > maxIDLen {
			t.Fatalf("deriveID(%q) = %q", name, id)
		}
		if taken[id] {
			t.Fatalf("deriveID(%q) = %q, which is taken", name, id)
		}
	})
}
