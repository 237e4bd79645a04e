package contract

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cocoder/cocoder/contract/internal/patterns"
)

// The `validate` struct tags use the go-playground/validator syntax
// (required, omitempty, oneof=a b, min=N, max=N, gte=N, lte=N, eq=V,
// datetime=LAYOUT, dive, keys ... endkeys) plus this package's own rules
// (id, laneid, slug, glob, relpath, regexp, placeholders, secretref,
// loopback, uniq, ...). They are interpreted here rather than by that
// library: importing it costs a cold `cocoder validate` about 2 ms and
// 3 MiB before any file is read, and interpreting the tags directly gives
// JSON paths and keeps checking the other entries of a list after one fails.

// rule is one rule of a validate tag: a name and an optional parameter.
type rule struct {
	name, param string
}

// level holds the rules that apply at one depth of a value: the field
// itself, then (after each "dive") its elements or map values.
type level struct {
	omitempty bool
	rules     []rule
	keys      []rule // map key rules ("keys ... endkeys" right after the dive)
}

// fieldPlan is how one struct field is checked.
type fieldPlan struct {
	index  int
	name   string
	levels []level
}

var plans sync.Map // reflect.Type → []fieldPlan

// planOf returns the checking plan of a struct type, built once.
func planOf(t reflect.Type) []fieldPlan {
	if p, ok := plans.Load(t); ok {
		return p.([]fieldPlan)
	}
	si := infoOf(t)
	var out []fieldPlan
	for _, name := range si.names {
		i := si.fields[name]
		out = append(out, fieldPlan{index: i, name: name, levels: parseTag(t.Field(i).Tag.Get("validate"))})
	}
	plans.Store(t, out)
	return out
}

// parseTag splits a validate tag into levels.
func parseTag(tag string) []level {
	if tag == "" || tag == "-" {
		return nil
	}
	levels := []level{{}}
	inKeys := false
	for tok := range strings.SplitSeq(tag, ",") {
		cur := &levels[len(levels)-1]
		name, param, _ := strings.Cut(tok, "=")
		switch {
		case name == "dive":
			levels = append(levels, level{})
		case name == "keys":
			inKeys = true
		case name == "endkeys":
			inKeys = false
		case inKeys:
			cur.keys = append(cur.keys, rule{name, param})
		case name == "omitempty":
			cur.omitempty = true
		default:
			cur.rules = append(cur.rules, rule{name, param})
		}
	}
	return levels
}

// ruleChecker walks a value and records every rule it breaks.
type ruleChecker struct {
	p *problems
}

// structure checks every field of struct v at path.
func (c ruleChecker) structure(v reflect.Value, path string) {
	for _, f := range planOf(v.Type()) {
		c.value(v.Field(f.index), join(path, f.name), f.name, f.levels)
	}
}

// value applies the first level's rules to v, then the next levels to its
// elements, and checks nested structs whatever their tags say.
func (c ruleChecker) value(v reflect.Value, path, name string, levels []level) {
	if len(levels) > 0 {
		if !c.apply(v, path, name, levels[0]) {
			return
		}
		levels = levels[1:]
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() != timeType {
			c.structure(v, path)
		}
	case reflect.Slice, reflect.Array:
		if len(levels) == 0 && !nested(v.Type().Elem()) {
			return
		}
		for i := range v.Len() {
			p := index(path, i)
			c.value(v.Index(i), p, p, levels)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || (len(levels) == 0 && !nested(v.Type().Elem())) {
			return
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			p := join(path, k.String())
			if len(levels) > 0 && len(levels[0].keys) > 0 {
				if !c.apply(k, p, p, level{rules: levels[0].keys}) {
					continue
				}
			}
			c.value(v.MapIndex(k), p, p, levels)
		}
	}
}

// nested reports whether values of type t hold structs to check.
func nested(t reflect.Type) bool {
	t = deref(t)
	switch t.Kind() {
	case reflect.Struct:
		return t != timeType
	case reflect.Slice, reflect.Array, reflect.Map:
		return nested(t.Elem())
	}
	return false
}

// apply checks v against one level's rules and records the first rule it
// breaks (later rules of the same level would only repeat the news). It
// reports whether to go on into v's elements: false after a broken rule,
// and for an empty value under omitempty.
func (c ruleChecker) apply(v reflect.Value, path, name string, lv level) bool {
	if lv.omitempty && !hasValue(v) {
		return false
	}
	for _, r := range lv.rules {
		ok, known := check(r, v)
		if !known {
			c.p.add(path, "internal", "unknown validate rule %q on %s", r.name, name)
			return false
		}
		if !ok {
			rl, msg := ruleProblem(r, v, name)
			c.p.add(path, rl, "%s", msg)
			return false
		}
	}
	return true
}

// hasValue is the "required" test: a non-nil list, map or pointer, or a
// non-zero value.
func hasValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
		return !v.IsNil()
	case reflect.Invalid:
		return false
	}
	return !v.IsZero()
}

// stringRules are the rules that test a string on its own.
var stringRules = sync.OnceValue(func() map[string]func(string) bool {
	m := map[string]func(string) bool{
		"glob":         func(s string) bool { return globProblem(s) == "" },
		"relpath":      func(s string) bool { return filePathProblem(s) == "" },
		"regexp":       func(s string) bool { return regexpProblem(s) == "" },
		"placeholders": func(s string) bool { return placeholderProblem(s) == "" },
		"secretref":    func(s string) bool { return secretRefProblem(s) == "" },
		"loopback":     isLoopbackHost,
	}
	for _, p := range patterns.Tags {
		m[p.Tag] = regexp.MustCompile(p.Pattern).MatchString
	}
	return m
})

// check tests one rule. known is false for a rule this package does not
// implement (a mistake in a tag, caught by the tests).
func check(r rule, v reflect.Value) (ok, known bool) {
	switch r.name {
	case "required":
		return hasValue(v), true
	case "uniq":
		return true, true // checkUnique reports duplicates with their index
	case "oneof":
		return slices.Contains(strings.Fields(r.param), fmt.Sprint(v.Interface())), true
	case "min", "gte":
		n, ok := measure(v)
		want, err := strconv.ParseFloat(r.param, 64)
		return ok && err == nil && n >= want, ok
	case "max", "lte":
		n, ok := measure(v)
		want, err := strconv.ParseFloat(r.param, 64)
		return ok && err == nil && n <= want, ok
	case "eq":
		return fmt.Sprint(v.Interface()) == r.param, true
	case "datetime":
		_, err := time.Parse(r.param, v.String())
		return v.Kind() == reflect.String && err == nil, true
	}
	if fn, ok := stringRules()[r.name]; ok {
		return v.Kind() == reflect.String && fn(v.String()), true
	}
	return false, false
}

// measure returns what min and max compare: a string's length in
// characters, a list's or map's length, or a number.
func measure(v reflect.Value) (float64, bool) {
	switch v.Kind() {
	case reflect.String:
		return float64(utf8.RuneCountInString(v.String())), true
	case reflect.Slice, reflect.Map, reflect.Array:
		return float64(v.Len()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint()), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return 0, false
}
