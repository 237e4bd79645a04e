package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// The strict decoder walks a yaml.Node tree into a contract struct. It does
// what yaml.v3's own decoder cannot do at once: it reports every unknown
// field, wrong type, duplicate key and missing required field in one pass,
// each with a JSON path and a line number, and it records the line of every
// path so validation problems found later can point at the source too.

// maxNodes bounds how many values one document may expand to, so that a
// small file built from nested YAML aliases cannot exhaust memory.
const maxNodes = 200_000

// decoder holds the state of one document's decode.
type decoder struct {
	lines     map[string]int // JSON path → source line
	probs     []Problem
	budget    int
	exhausted bool
}

// nodeDecoder is implemented by types that decode themselves from a node
// (a version that may be a number, a role slot that may be a list).
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string)
}

// fieldHook is implemented by structs that decode one of their fields in a
// special way (a profile's nested lane groups). It reports whether it
// handled the field.
type fieldHook interface {
	decodeField(d *decoder, name string, n *yaml.Node, path string) bool
}

var timeType = reflect.TypeFor[time.Time]()

// problem records a decode problem at a known line.
func (d *decoder) problem(line int, path, rule, format string, args ...any) {
	d.probs = append(d.probs, Problem{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...), Line: line})
}

// mark remembers the line of path unless it is already known.
func (d *decoder) mark(path string, line int) {
	if _, ok := d.lines[path]; !ok && line > 0 {
		d.lines[path] = line
	}
}

// resolve follows aliases and spends one unit of the node budget. It
// returns nil when the budget is gone.
func (d *decoder) resolve(n *yaml.Node, path string) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 {
		if !d.exhausted {
			d.exhausted = true
			d.problem(lineOf(n), path, "too-large", "the document expands to more than %d values (nested YAML aliases?); write it out plainly", maxNodes)
		}
		return nil
	}
	return n
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what a node holds, for type-mismatch messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("the text %q", clip(n.Value))
		case "!!int", "!!float":
			return "the number " + clip(n.Value)
		case "!!bool":
			return "the boolean " + n.Value
		case "!!timestamp":
			return "the timestamp " + n.Value
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("the value %q", clip(n.Value))
	}
	return "an unsupported YAML node"
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// mismatch records a wrong-type problem.
func (d *decoder) mismatch(n *yaml.Node, path, want, hint string) {
	msg := fmt.Sprintf("expected %s, found %s", want, describe(n))
	if hint != "" {
		msg += "; " + hint
	}
	d.problem(n.Line, path, "type", "%s", msg)
}

// value decodes n into v.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	n = d.resolve(n, path)
	if n == nil {
		return
	}
	d.mark(path, n.Line)
	if isNull(n) {
		return
	}
	if v.CanAddr() {
		if u, ok := v.Addr().Interface().(nodeDecoder); ok {
			u.decodeNode(d, n, path)
			return
		}
	}
	if v.Type() == timeType {
		d.timestamp(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, v.Elem(), path)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.problem(n.Line, path, "type", "cannot read this value: %s", cleanYAMLError(err))
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.Struct:
		d.structure(n, v, path)
	case reflect.Map:
		d.mapping(n, v, path)
	case reflect.Slice:
		d.sequence(n, v, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!str" && n.ShortTag() != "!!timestamp") {
			hint := ""
			if n.Kind == yaml.ScalarNode {
				hint = "put the value in quotes"
			}
			d.mismatch(n, path, "text", hint)
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.mismatch(n, path, "true or false", "")
			return
		}
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		var x int64
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&x) != nil || v.OverflowInt(x) {
			d.mismatch(n, path, "a whole number", "")
			return
		}
		v.SetInt(x)
	case reflect.Float64:
		var x float64
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&x) != nil {
			d.mismatch(n, path, "a number", "")
			return
		}
		v.SetFloat(x)
	default:
		d.problem(n.Line, path, "type", "this field cannot be read from a file (Go type %s)", v.Type())
	}
}

// timeLayouts are the date-time forms accepted for time fields: RFC 3339,
// with or without the colon in the zone offset.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"}

func (d *decoder) timestamp(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!str" || n.ShortTag() == "!!timestamp") {
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, n.Value); err == nil {
				v.Set(reflect.ValueOf(t))
				return
			}
		}
	}
	d.mismatch(n, path, "a date-time such as 2026-05-22T13:34:03Z", "")
}

// reflectValue returns the addressable value ptr points to.
func reflectValue(ptr any) reflect.Value { return reflect.ValueOf(ptr).Elem() }

// pair is one key/value entry of a mapping.
type pair struct{ key, value *yaml.Node }

// pairs lists the entries of mapping n, with YAML merge keys (<<) expanded:
// explicit keys win over merged ones, earlier merges over later ones.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var out []pair
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, val)
			continue
		}
		out = append(out, pair{k, val})
	}
	if len(merges) == 0 {
		return out
	}
	have := map[string]bool{}
	for _, p := range out {
		have[p.key.Value] = true
	}
	var add func(m *yaml.Node)
	add = func(m *yaml.Node) {
		m = d.resolve(m, path)
		switch {
		case m == nil:
		case m.Kind == yaml.MappingNode:
			for _, p := range d.pairs(m, path) {
				if !have[p.key.Value] {
					have[p.key.Value] = true
					out = append(out, p)
				}
			}
		case m.Kind == yaml.SequenceNode:
			for _, e := range m.Content {
				add(e)
			}
		default:
			d.mismatch(m, path, "a mapping to merge with <<", "")
		}
	}
	for _, m := range merges {
		add(m)
	}
	return out
}

// keyOf returns the text of a mapping key, or false after recording a
// problem when the key is not a scalar.
func (d *decoder) keyOf(k *yaml.Node, path string) (string, bool) {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		d.problem(k.Line, path, "type", "mapping keys must be plain text, found %s", describe(k))
		return "", false
	}
	return k.Value, true
}

// structInfo describes how a struct type maps to document fields.
type structInfo struct {
	fields   map[string]int // JSON name → field index
	names    []string       // JSON names in declaration order
	required []string       // names tagged jsonschema:"required"
}

var structCache sync.Map // reflect.Type → *structInfo

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{fields: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" || !f.IsExported() {
			continue
		}
		si.fields[name] = i
		si.names = append(si.names, name)
		if slices.Contains(strings.Split(f.Tag.Get("jsonschema"), ","), "required") {
			si.required = append(si.required, name)
		}
	}
	structCache.Store(t, si)
	return si
}

// jsonName returns the JSON name of a struct field, or "" when the field is
// not part of the document.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.mismatch(n, path, "a mapping of fields", "")
		return
	}
	si := infoOf(v.Type())
	var hook fieldHook
	if v.CanAddr() {
		hook, _ = v.Addr().Interface().(fieldHook)
	}
	seen := map[string]bool{}
	for _, p := range d.pairs(n, path) {
		key, ok := d.keyOf(p.key, path)
		if !ok {
			continue
		}
		kp := join(path, key)
		if _, dup := seen[key]; dup {
			d.problem(p.key.Line, kp, "duplicate-key", "%q appears more than once in this mapping; keep one", key)
			continue
		}
		seen[key] = !isNull(p.value)
		d.mark(kp, p.key.Line)
		if hook != nil && hook.decodeField(d, key, p.value, kp) {
			continue
		}
		i, ok := si.fields[key]
		if !ok {
			d.problem(p.key.Line, kp, "unknown-field", "%s", unknownField(key, si.names))
			continue
		}
		d.value(p.value, v.Field(i), kp)
	}
	for _, r := range si.required {
		if !seen[r] {
			d.problem(n.Line, join(path, r), "required", "%q is required; add it", r)
		}
	}
}

// unknownField explains an unknown key, suggesting the closest known name.
func unknownField(key string, names []string) string {
	best, bestDist := "", 3
	for _, name := range names {
		dist := editDistance(strings.ToLower(key), strings.ToLower(name))
		if dist < bestDist {
			best, bestDist = name, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown field %q; did you mean %q?", key, best)
	}
	return fmt.Sprintf("unknown field %q; remove it or use one of: %s", key, strings.Join(names, ", "))
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.mismatch(n, path, "a mapping", "")
		return
	}
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		d.problem(n.Line, path, "type", "this mapping cannot be read from a file (key type %s)", t.Key())
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(t, len(n.Content)/2))
	}
	seen := map[string]bool{}
	for _, p := range d.pairs(n, path) {
		key, ok := d.keyOf(p.key, path)
		if !ok {
			continue
		}
		kp := join(path, key)
		if seen[key] {
			d.problem(p.key.Line, kp, "duplicate-key", "%q appears more than once in this mapping; keep one", key)
			continue
		}
		seen[key] = true
		d.mark(kp, p.key.Line)
		elem := reflect.New(t.Elem()).Elem()
		d.value(p.value, elem, kp)
		v.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), elem)
	}
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		hint := ""
		if n.Kind == yaml.ScalarNode {
			hint = "write it as a list, e.g. [" + clip(n.Value) + "]"
		}
		d.mismatch(n, path, "a list", hint)
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		d.value(e, s.Index(i), index(path, i))
	}
	v.Set(s)
}

// yamlLine finds the line number yaml.v3 puts in its error messages.
var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:yaml: )?line (\d+): `) })

// cleanYAMLError turns a yaml.v3 error into a message without the "yaml:"
// prefix.
func cleanYAMLError(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// syntaxProblem converts a parser error into a Problem with its line.
func syntaxProblem(err error) Problem {
	msg := cleanYAMLError(err)
	line := 0
	if m := yamlLine().FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimPrefix(err.Error(), m[0])
	}
	return Problem{Rule: "syntax", Message: "cannot parse: " + msg + " (check the indentation and quoting around this line)", Line: line}
}

// parseNode parses data into the top-level mapping node: JSON (isJSON)
// with encoding/json's tokenizer, anything else with the YAML parser.
func parseNode(data []byte, isJSON bool) (n *yaml.Node, p *Problem) {
	if isJSON {
		if n, p = parseJSONNode(data); p != nil {
			return nil, p
		}
		return topMapping(n)
	}
	defer func() {
		// yaml.v3 is not known to panic on any input, but a contract file
		// is user input: a parser bug must become a problem, not a crash.
		if r := recover(); r != nil {
			n, p = nil, &Problem{Rule: "syntax", Message: fmt.Sprintf("cannot parse: the YAML parser failed (%v)", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Problem{Rule: "syntax", Message: "the file is empty; write the contract's fields as a YAML or JSON mapping"}
		}
		sp := syntaxProblem(err)
		return nil, &sp
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			sp := syntaxProblem(err)
			return nil, &sp
		}
		return nil, &Problem{Rule: "syntax", Message: "the file holds more than one YAML document (---); put each contract in its own file", Line: extra.Line}
	}
	n = &doc
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	return topMapping(n)
}

// topMapping checks that a document's root is a mapping.
func topMapping(n *yaml.Node) (*yaml.Node, *Problem) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil, &Problem{Rule: "type", Message: fmt.Sprintf("expected a mapping of fields at the top level, found %s", describe(n)), Line: n.Line}
	}
	return n, nil
}

// decodeInto strictly decodes data into out (a pointer to a contract
// struct). It returns the path → line map and the decode problems.
func decodeInto(data []byte, isJSON bool, out any) (map[string]int, []Problem) {
	n, p := parseNode(data, isJSON)
	if p != nil {
		return nil, []Problem{*p}
	}
	if p := checkVersionNode(n); p != nil {
		// An unknown version may come with fields this build does not
		// know; report only the version so the fix is clear.
		return nil, []Problem{*p}
	}
	d := &decoder{lines: map[string]int{"": n.Line}, budget: maxNodes}
	d.value(n, reflect.ValueOf(out).Elem(), "")
	return d.lines, d.probs
}
