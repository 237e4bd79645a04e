package contract_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/contract/internal/patterns"
)

// TestTagParity checks that each contract field's four tags say the same
// thing: the json and yaml names are equal; `required` appears in both the
// validate and the jsonschema tag (booleans, numbers and nested structs are
// required by presence only, which the decoder checks); every oneof has the
// same values as the enum; every pattern rule is the same expression; uniq
// goes with uniqueItems; and numeric and length bounds agree.
func TestTagParity(t *testing.T) {
	seen := map[reflect.Type]bool{}
	for _, k := range contract.Kinds() {
		doc, err := contract.New(k)
		if err != nil {
			t.Fatal(err)
		}
		walkTypes(reflect.TypeOf(doc), seen, func(st reflect.Type, f reflect.StructField) {
			t.Run(st.Name()+"."+f.Name, func(t *testing.T) { checkField(t, f) })
		})
	}
}

// walkTypes calls fn for every exported field of every struct reachable
// from t.
func walkTypes(t reflect.Type, seen map[reflect.Type]bool, fn func(reflect.Type, reflect.StructField)) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() != "github.com/cocoder/cocoder/contract" {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fn(t, f)
		walkTypes(f.Type, seen, fn)
	}
}

// tagRules splits a validate tag into the rules for the field itself and
// the rules for its elements (after the first "dive"), leaving out map key
// rules.
func tagRules(tag string) (top, elem []string) {
	parts := strings.Split(tag, ",")
	inKeys, dived := false, false
	for _, p := range parts {
		switch {
		case p == "keys":
			inKeys = true
		case p == "endkeys":
			inKeys = false
		case inKeys:
		case p == "dive" && !dived:
			dived = true
		case dived:
			elem = append(elem, p)
		default:
			top = append(top, p)
		}
	}
	return top, elem
}

// ruleValue returns the parameter of rule name in rules.
func ruleValue(rules []string, name string) (string, bool) {
	for _, r := range rules {
		if v, ok := strings.CutPrefix(r, name+"="); ok {
			return v, true
		}
		if r == name {
			return "", true
		}
	}
	return "", false
}

func schemaValues(tags []string, name string) []string {
	var out []string
	for _, tg := range tags {
		if v, ok := strings.CutPrefix(tg, name+"="); ok {
			out = append(out, v)
		}
	}
	return out
}

func checkField(t *testing.T, f reflect.StructField) {
	jsonName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	yamlName, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if jsonName == "" || jsonName != yamlName {
		t.Errorf("json name %q and yaml name %q differ", jsonName, yamlName)
	}
	js := strings.Split(f.Tag.Get("jsonschema"), ",")
	top, elem := tagRules(f.Tag.Get("validate"))
	kind := f.Type.Kind()

	_, vReq := ruleValue(top, "required")
	sReq := slices.Contains(js, "required")
	if vReq && !sReq {
		t.Errorf("validate says required, jsonschema does not")
	}
	presenceOnly := kind == reflect.Bool || kind == reflect.Struct || (kind >= reflect.Int && kind <= reflect.Float64)
	if sReq && !vReq && !presenceOnly {
		t.Errorf("jsonschema says required, validate does not")
	}

	rules := top
	if kind == reflect.Slice {
		rules = elem
	}
	oneof, hasOneof := ruleValue(rules, "oneof")
	if _, ok := ruleValue(rules, "loopback"); ok {
		oneof, hasOneof = "127.0.0.1 ::1 localhost", true
	}
	enum := schemaValues(js, "enum")
	if hasOneof || len(enum) > 0 {
		if !slices.Equal(strings.Fields(oneof), enum) {
			t.Errorf("validate oneof %q and jsonschema enum %q differ", oneof, enum)
		}
	}

	_, vUniq := ruleValue(top, "uniq")
	if vUniq != slices.Contains(js, "uniqueItems=true") {
		t.Errorf("validate uniq (%v) and jsonschema uniqueItems (%v) differ", vUniq, !vUniq)
	}

	var wantPattern string
	for _, r := range rules {
		if p, ok := patterns.Of(r); ok {
			wantPattern = p
		}
	}
	gotPattern := strings.Join(schemaValues(js, "pattern"), ",")
	if wantPattern != gotPattern {
		t.Errorf("validate pattern %q and jsonschema pattern %q differ", wantPattern, gotPattern)
	}

	bounds := map[string]string{"min": "minimum", "max": "maximum"}
	switch kind {
	case reflect.Slice:
		bounds = map[string]string{"min": "minItems", "max": "maxItems"}
	case reflect.String:
		bounds = map[string]string{"max": "maxLength"}
	case reflect.Map, reflect.Struct, reflect.Pointer, reflect.Bool:
		bounds = nil
	}
	for v, s := range bounds {
		vv, _ := ruleValue(top, v)
		sv := strings.Join(schemaValues(js, s), ",")
		if vv != sv {
			t.Errorf("validate %s=%q and jsonschema %s=%q differ", v, vv, s, sv)
		}
	}
}
