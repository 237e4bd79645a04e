package contract

import (
	"testing"
)

func TestParentPathAndUnder(t *testing.T) {
	for p, want := range map[string]string{"a.b[2]": "a.b", "a.b": "a", "a": "", "a[0].b": "a[0]"} {
		if got := parentPath(p); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", p, got, want)
		}
	}
	if !under("lanes.a.adapter", "lanes.a") || under("lanes.ab", "lanes.a") || !under("x[1]", "x") {
		t.Error("under is wrong")
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"persona", "persona", 0}, {"persna", "persona", 1}, {"adaptr", "adapter", 1}, {"", "abc", 3}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestSecretRefProblem(t *testing.T) {
	for ref, ok := range map[string]bool{
		"${env:OPENAI_API_KEY}": true, "${file:secrets/token}": true, "${secret:github.token}": true,
		"${env:}": false, "${env:1X}": false, "${secret:a b}": false, "${vault:x}": false,
		"prefix ${env:X}": false, "${file: x}": false, "plain": false,
	} {
		if got := secretRefProblem(ref) == ""; got != ok {
			t.Errorf("secretRefProblem(%q) ok = %v, want %v", ref, got, ok)
		}
	}
}
