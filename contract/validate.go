package contract

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"

	"github.com/cocoder/cocoder/contract/internal/patterns"
)

// The `validate` struct tags are checked by go-playground/validator. This
// package registers its own rules with it as custom validations: the
// pattern rules of internal/patterns (id, laneid, slug, envname, ...),
// glob, relpath, regexp, placeholders, secretref, loopback and uniq. Each
// failure the library reports becomes a Problem whose path uses the
// documents' JSON names, with map keys as dotted segments and list indexes
// in brackets ("lanes.verifiers.primary.writeBoundary[0]").

// checker is implemented by contract types with rules that tags cannot say
// (one field depends on another).
type checker interface {
	check(p *problems)
}

// defaulter is implemented by contract types that fill omitted fields with
// documented defaults after decoding.
type defaulter interface {
	setDefaults()
}

// validatorInstance returns the package's validator, built on first use so
// that a process which never validates a document does not pay for it.
var validatorInstance = sync.OnceValue(newValidator)

// newValidator builds the validator with this package's rules registered.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		if name := jsonName(f); name != "" {
			return name
		}
		return "-"
	})
	for _, p := range patterns.Tags {
		re := sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(p.Pattern) })
		stringRule(v, p.Tag, func(s string) bool { return re().MatchString(s) })
	}
	stringRule(v, "glob", passes(globProblem))
	stringRule(v, "relpath", passes(filePathProblem))
	stringRule(v, "regexp", passes(regexpProblem))
	stringRule(v, "placeholders", passes(placeholderProblem))
	stringRule(v, "secretref", passes(secretRefProblem))
	stringRule(v, "loopback", isLoopbackHost)
	// uniq marks a list whose entries must differ. The list itself passes,
	// so that the library goes on to check each entry's own rules; the
	// struct-level uniqueEntries then reports every repeat at its index.
	if err := v.RegisterValidation("uniq", func(validator.FieldLevel) bool { return true }); err != nil {
		panic(err)
	}
	lists := map[reflect.Type][]uniqField{}
	for _, doc := range uniqTypes {
		lists[reflect.TypeOf(doc)] = uniqFields(reflect.TypeOf(doc))
	}
	v.RegisterStructValidation(func(sl validator.StructLevel) { uniqueEntries(sl, lists) }, uniqTypes...)
	return v
}

// stringRule registers a custom validation that tests a string on its own.
func stringRule(v *validator.Validate, tag string, ok func(string) bool) {
	err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool {
		return fl.Field().Kind() == reflect.String && ok(fl.Field().String())
	})
	if err != nil {
		panic(err)
	}
}

// passes turns a function that explains what is wrong with a value (or
// returns "") into a test.
func passes(problem func(string) string) func(string) bool {
	return func(s string) bool { return problem(s) == "" }
}

// uniqField is a list field tagged uniq.
type uniqField struct {
	index      int
	name, goID string // JSON name and Go name
}

// uniqTypes are the struct types with a list field tagged uniq
// (TestUniqTypes keeps this list complete).
var uniqTypes = []any{
	Adapter{}, WriteBoundary{}, JobResult{}, Route{}, LaneRequirement{}, TopologyOption{},
	OrchestratorCommit{}, GitCommitPolicy{}, LeadRescue{}, LeadSupportCommit{},
}

// uniqFields lists the string list fields of struct type t whose validate
// tag has uniq before its first dive.
func uniqFields(t reflect.Type) []uniqField {
	var out []uniqField
	for i := range t.NumField() {
		f := t.Field(i)
		top, _, _ := strings.Cut(f.Tag.Get("validate"), ",dive")
		if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String && strings.Contains(","+top+",", ",uniq,") {
			out = append(out, uniqField{i, jsonName(f), f.Name})
		}
	}
	return out
}

// uniqueEntries reports each entry of a uniq list that repeats an earlier
// one, at the repeat's index, with the first one's index as parameter.
func uniqueEntries(sl validator.StructLevel, lists map[reflect.Type][]uniqField) {
	v := sl.Current()
	for _, f := range lists[v.Type()] {
		list := v.Field(f.index)
		seen := map[string]int{}
		for j := range list.Len() {
			s := list.Index(j).String()
			if k, dup := seen[s]; dup {
				at := "[" + strconv.Itoa(j) + "]"
				sl.ReportError(s, f.name+at, f.goID+at, "uniq", strconv.Itoa(k))
				continue
			}
			seen[s] = j
		}
	}
}

// validateValue runs the tag rules and the type's own rules on doc (a
// pointer to a contract struct) and returns every problem.
func validateValue(doc any) []Problem {
	var p problems
	rv := reflect.ValueOf(doc)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		p.add("", "type", "cannot validate %T: not a contract struct", doc)
		return p.list
	}
	if err := validatorInstance().Struct(doc); err != nil {
		fes, ok := errors.AsType[validator.ValidationErrors](err)
		if !ok {
			p.add("", "internal", "%v", err)
		}
		for _, fe := range fes {
			p.list = append(p.list, fieldProblem(rv.Elem(), fe))
		}
	}
	if f := rv.Elem().FieldByName("Version"); f.IsValid() && f.Type() == reflect.TypeFor[Version]() {
		if v := Version(f.String()); !v.Supported() {
			p.add("version", "version", "%s", versionProblem(v))
		}
	}
	if c, ok := doc.(checker); ok {
		c.check(&p)
	}
	return p.list
}

// Validate checks a contract value built in Go (a pointer to one of the
// contract types): every tag rule and every cross-field rule, the same
// checks Load runs after decoding. It does not fill defaults. It returns nil
// or a *ValidationError listing every problem.
func Validate(doc any) error {
	p := problems{list: validateValue(doc)}
	return p.err("")
}

// fieldProblem turns one failure reported by the validator into a Problem:
// the document path of the value, the rule it broke and what to change.
func fieldProblem(root reflect.Value, fe validator.FieldError) Problem {
	ns := fe.Namespace()
	typeName, rest, _ := strings.Cut(ns, ".")
	path, ok := docPath(root, "", ns[len(typeName):])
	if !ok {
		path = rest // cannot happen for a namespace the validator built
	}
	val := fmt.Sprint(fe.Value())
	param := fe.Param()
	rule, msg := fe.Tag(), ""
	switch fe.Tag() {
	case "required":
		if strings.HasSuffix(ns, "]") {
			msg = "must not be empty" // a list entry or a map value
		} else {
			msg = fmt.Sprintf("%q is required; add it", fe.Field())
		}
	case "oneof":
		rule, msg = "enum", fmt.Sprintf("must be one of: %s (found %q)", strings.ReplaceAll(param, " ", ", "), clip(val))
	case "min", "max", "gte", "lte":
		rule, msg = "range", rangeMessage(fe.Tag(), param, fe.Kind(), val)
	case "eq":
		rule, msg = "const", "must be "+param
	case "datetime":
		rule, msg = "format", fmt.Sprintf("must be a date like 2026-05-22 (found %q)", clip(val))
	case "uniq":
		rule, msg = "unique", fmt.Sprintf("%s is already listed at [%s]; remove one", quote(val), param)
	case "glob":
		msg = fmt.Sprintf("pattern %s %s", quote(val), globProblem(val))
	case "relpath":
		rule, msg = "path", fmt.Sprintf("path %s %s", quote(val), filePathProblem(val))
	case "regexp":
		msg = "is not a valid regular expression: " + regexpProblem(val)
	case "placeholders":
		rule, msg = "placeholder", placeholderProblem(val)
	case "secretref":
		// Quote the value only when it has the shape of a reference: a
		// value that is not one may be a secret pasted into config by
		// mistake, and problem lists are printed and logged.
		rule, msg = "secret-ref", "value "+secretRefProblem(val)
		if secretRefRE().MatchString(val) {
			msg = quote(val) + " " + secretRefProblem(val)
		}
	case "loopback":
		msg = fmt.Sprintf("must be a loopback address (127.0.0.1, ::1 or localhost), found %q", clip(val))
	case "id":
		rule, msg = "pattern", fmt.Sprintf("must be an id of letters, digits, '.', '_' or '-' starting with a letter or digit (found %q)", clip(val))
	case "laneid":
		rule, msg = "pattern", fmt.Sprintf("must be a lane id: letters, digits, '_' or '-', with '.' only between group and lane as in \"verifiers.primary\" (found %q)", clip(val))
	case "slug":
		rule, msg = "pattern", fmt.Sprintf("must be a priority slug: lower-case letters, digits, '.', '_' or '-' (found %q)", clip(val))
	case "envname":
		rule, msg = "pattern", fmt.Sprintf("must be an environment variable name such as API_KEY (found %q)", clip(val))
	case "program":
		rule, msg = "pattern", fmt.Sprintf("must be one program name or path without spaces; put arguments in \"args\" (found %q)", clip(val))
	case "sha256":
		rule, msg = "pattern", fmt.Sprintf("must be a lowercase hex SHA-256 digest (found %q)", clip(val))
	case "hookevent":
		rule, msg = "pattern", fmt.Sprintf("must be the name of a CLI's hook event: letters, digits and '_', starting with a letter, such as UserPromptSubmit (found %q)", clip(val))
	default:
		if p, ok := patterns.Of(fe.Tag()); ok {
			rule, msg = "pattern", fmt.Sprintf("must match %s (found %q)", p, clip(val))
		} else {
			msg = fmt.Sprintf("fails the %q rule (found %q)", fe.Tag(), clip(val))
		}
	}
	return Problem{Path: path, Rule: rule, Message: msg}
}

func plural(n, one, many string) string {
	if n == "1" {
		return one
	}
	return many
}

// rangeMessage explains a broken bound: on a list's or map's length, a
// string's length or a number.
func rangeMessage(tag, param string, kind reflect.Kind, val string) string {
	more := tag == "min" || tag == "gte"
	switch kind {
	case reflect.Slice, reflect.Map:
		if more {
			return fmt.Sprintf("needs at least %s %s", param, plural(param, "entry", "entries"))
		}
		return fmt.Sprintf("may have at most %s %s", param, plural(param, "entry", "entries"))
	case reflect.String:
		if more {
			return fmt.Sprintf("must be at least %s characters long", param)
		}
		return fmt.Sprintf("must be at most %s characters long", param)
	}
	if more {
		return fmt.Sprintf("must be at least %s (found %s)", param, val)
	}
	return fmt.Sprintf("must be at most %s (found %s)", param, val)
}

// docPath turns the rest of a validator namespace after the document
// type's name, such as ".lanes[verifiers.primary].writeBoundary[0]", into
// the document path "lanes.verifiers.primary.writeBoundary[0]", appending
// to path, the path of v. The namespace writes list indexes and map keys
// alike in brackets, and a key may itself hold brackets or dots, so docPath
// follows the value: a bracket after a map holds one of the map's keys,
// chosen so that the rest of the namespace fits the value under it. It
// reports false when nothing fits.
func docPath(v reflect.Value, path, ns string) (string, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			break
		}
		v = v.Elem()
	}
	if ns == "" {
		return path, true
	}
	switch v.Kind() {
	case reflect.Struct:
		name, ok := strings.CutPrefix(ns, ".")
		end := strings.IndexAny(name, ".[")
		if end < 0 {
			end = len(name)
		}
		if i, known := infoOf(v.Type()).fields[name[:end]]; ok && known {
			return docPath(v.Field(i), join(path, name[:end]), name[end:])
		}
	case reflect.Slice, reflect.Array:
		inner, rest, ok := strings.Cut(ns, "]")
		i, err := strconv.Atoi(strings.TrimPrefix(inner, "["))
		if ok && ns[0] == '[' && err == nil && i >= 0 && i < v.Len() {
			return docPath(v.Index(i), index(path, i), rest)
		}
	case reflect.Map:
		if ns[0] != '[' || v.Type().Key().Kind() != reflect.String {
			break
		}
		for end := strings.IndexByte(ns, ']'); end > 0; end = nextIndex(ns, ']', end) {
			key := ns[1:end]
			val := v.MapIndex(reflect.ValueOf(key).Convert(v.Type().Key()))
			if !val.IsValid() {
				continue
			}
			if p, ok := docPath(val, join(path, key), ns[end+1:]); ok {
				return p, true
			}
		}
	}
	return "", false
}

// nextIndex returns the index of the next c in s after position i, or -1.
func nextIndex(s string, c byte, i int) int {
	if j := strings.IndexByte(s[i+1:], c); j >= 0 {
		return i + 1 + j
	}
	return -1
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// withLines fills in the line of each problem from the decode's path → line
// map, using the nearest enclosing path that has a line.
func withLines(list []Problem, lines map[string]int) []Problem {
	if lines == nil {
		return list
	}
	for i := range list {
		if list[i].Line > 0 {
			continue
		}
		for p := list[i].Path; ; p = parentPath(p) {
			if l, ok := lines[p]; ok {
				list[i].Line = l
				break
			}
			if p == "" {
				break
			}
		}
	}
	return list
}

// parentPath drops the last segment of a JSON path.
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// under reports whether path equals base or lies inside it.
func under(path, base string) bool {
	if base == "" || path == base {
		return true
	}
	return strings.HasPrefix(path, base) && (path[len(base)] == '.' || path[len(base)] == '[')
}
