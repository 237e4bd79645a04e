package contract

import (
	"reflect"
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

// TestEveryRuleKnown checks that every rule named in a validate tag of a
// contract type is one this package implements, so a typo in a tag fails
// here rather than when a document happens to reach it.
func TestEveryRuleKnown(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(rt reflect.Type) {
		rt = deref(rt)
		for rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = deref(rt.Elem())
		}
		if rt.Kind() != reflect.Struct || seen[rt] || rt == timeType {
			return
		}
		seen[rt] = true
		for _, f := range planOf(rt) {
			ft := rt.Field(f.index).Type
			for i, lv := range f.levels {
				vt := ft
				for range i {
					vt = deref(vt).Elem()
				}
				for _, r := range append(lv.rules, lv.keys...) {
					if _, known := check(r, reflect.New(deref(vt)).Elem()); !known && r.name != "min" && r.name != "max" {
						t.Errorf("%s.%s: unknown validate rule %q", rt.Name(), f.name, r.name)
					}
				}
			}
			walk(ft)
		}
	}
	for _, k := range Kinds() {
		doc, _ := New(k)
		walk(reflect.TypeOf(doc))
	}
	if len(seen) < 20 {
		t.Fatalf("walked only %d types", len(seen))
	}
}
