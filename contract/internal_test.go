package contract

import (
	"reflect"
	"strings"
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

// contractTypes calls fn for every struct type a contract can hold.
func contractTypes(t *testing.T, fn func(reflect.Type)) {
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
		fn(rt)
		for i := range rt.NumField() {
			walk(rt.Field(i).Type)
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

// TestEveryRuleKnown checks that every rule named in a validate tag of a
// contract type is one the validator knows, so a typo in a tag fails here
// rather than when a document happens to reach it: the validator reads all
// of a struct type's tags the first time it checks a value of that type,
// and panics on a rule it does not know.
func TestEveryRuleKnown(t *testing.T) {
	contractTypes(t, func(rt reflect.Type) {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%s: %v", rt.Name(), r)
			}
		}()
		_ = validatorInstance().Struct(reflect.New(rt).Interface())
	})
}

// TestUniqTypes checks that uniqTypes names every contract struct type
// with a list tagged uniq, so that its repeats are reported.
func TestUniqTypes(t *testing.T) {
	listed := map[reflect.Type]bool{}
	for _, doc := range uniqTypes {
		listed[reflect.TypeOf(doc)] = true
	}
	contractTypes(t, func(rt reflect.Type) {
		if has := len(uniqFields(rt)) > 0; has != listed[rt] {
			t.Errorf("%s: has uniq lists %v, listed in uniqTypes %v", rt.Name(), has, listed[rt])
		}
	})
}

// TestNestedDive checks that every list or map field holding structs has a
// dive in its validate tag: without one the validator does not look at the
// entries, and their own rules would never run.
func TestNestedDive(t *testing.T) {
	contractTypes(t, func(rt reflect.Type) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			ft := deref(f.Type)
			if ft.Kind() != reflect.Slice && ft.Kind() != reflect.Map {
				continue
			}
			et := deref(ft.Elem())
			for et.Kind() == reflect.Slice || et.Kind() == reflect.Map {
				et = deref(et.Elem())
			}
			if et.Kind() == reflect.Struct && et != timeType && !strings.Contains(f.Tag.Get("validate"), "dive") {
				t.Errorf("%s.%s holds structs but its validate tag has no dive", rt.Name(), f.Name)
			}
		}
	})
}

// TestDocPath checks the translation of validator namespaces into document
// paths, including map keys that hold dots and brackets.
func TestDocPath(t *testing.T) {
	p := &Profile{Lanes: map[string]ProfileLane{
		"verifiers.primary": {WriteBoundary: []string{"a"}},
		"x]":                {},
		"x":                 {WriteBoundary: []string{"b"}},
	}}
	for ns, want := range map[string]string{
		".lanes[verifiers.primary].writeBoundary[0]": "lanes.verifiers.primary.writeBoundary[0]",
		".lanes[x]]":                 "lanes.x]",
		".lanes[x].writeBoundary[0]": "lanes.x.writeBoundary[0]",
		".id":                        "id",
		"":                           "",
	} {
		if got, ok := docPath(reflect.ValueOf(p), "", ns); !ok || got != want {
			t.Errorf("docPath(%q) = %q, %v; want %q", ns, got, ok, want)
		}
	}
	for _, ns := range []string{".nope", ".lanes[y]", ".lanes[x].writeBoundary[3]", ".lanes[x].writeBoundary[z]", "[0]"} {
		if got, ok := docPath(reflect.ValueOf(p), "", ns); ok {
			t.Errorf("docPath(%q) = %q, want no match", ns, got)
		}
	}
}
