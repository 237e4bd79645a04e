package contract

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/cocoder/cocoder/contract/internal/patterns"
)

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

// validateValue runs the tag rules and the type's own rules on doc (a
// pointer to a contract struct) and returns every problem.
func validateValue(doc any) []Problem {
	var p problems
	rv := reflect.ValueOf(doc)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		p.add("", "type", "cannot validate %T: not a contract struct", doc)
		return p.list
	}
	ruleChecker{&p}.structure(rv.Elem(), "")
	if f := rv.Elem().FieldByName("Version"); f.IsValid() && f.Type() == reflect.TypeFor[Version]() {
		if v := Version(f.String()); !v.Supported() {
			p.add("version", "version", "%s", versionProblem(v))
		}
	}
	checkUnique(&p, rv.Elem(), "")
	if c, ok := doc.(checker); ok {
		c.check(&p)
	}
	return p.list
}

// checkUnique reports repeated entries in every list field tagged uniq,
// walking nested structs, lists and maps.
func checkUnique(p *problems, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkUnique(p, v.Elem(), path)
		}
	case reflect.Slice:
		for i := range v.Len() {
			checkUnique(p, v.Index(i), index(path, i))
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if iter.Key().Kind() == reflect.String {
				checkUnique(p, iter.Value(), join(path, iter.Key().String()))
			}
		}
	case reflect.Struct:
		t := v.Type()
		if t == timeType {
			return
		}
		si := infoOf(t)
		for _, name := range si.names {
			i := si.fields[name]
			f, fp := v.Field(i), join(path, name)
			if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String && hasRule(t.Field(i).Tag.Get("validate"), "uniq") {
				seen := map[string]int{}
				for j := range f.Len() {
					s := f.Index(j).String()
					if k, dup := seen[s]; dup {
						p.add(index(fp, j), "unique", "%s is already listed at [%d]; remove one", quote(s), k)
						continue
					}
					seen[s] = j
				}
				continue
			}
			checkUnique(p, f, fp)
		}
	}
}

// hasRule reports whether a validate tag names rule before its first dive.
func hasRule(tag, rule string) bool {
	top, _, _ := strings.Cut(tag, ",dive")
	for r := range strings.SplitSeq(top, ",") {
		if r == rule {
			return true
		}
	}
	return false
}

// Validate checks a contract value built in Go (a pointer to one of the
// contract types): every tag rule and every cross-field rule, the same
// checks Load runs after decoding. It does not fill defaults. It returns nil
// or a *ValidationError listing every problem.
func Validate(doc any) error {
	p := problems{list: validateValue(doc)}
	return p.err("")
}

// ruleProblem names the rule a value broke and says what to change.
func ruleProblem(r rule, v reflect.Value, name string) (string, string) {
	val := fmt.Sprint(v.Interface())
	switch r.name {
	case "required":
		if strings.HasSuffix(name, "]") || strings.Contains(name, ".") {
			return "required", "must not be empty"
		}
		return "required", fmt.Sprintf("%q is required; add it", name)
	case "oneof":
		return "enum", fmt.Sprintf("must be one of: %s (found %q)", strings.ReplaceAll(r.param, " ", ", "), clip(val))
	case "min", "max", "gte", "lte":
		return "range", rangeMessage(r, v)
	case "eq":
		return "const", fmt.Sprintf("must be %s", r.param)
	case "datetime":
		return "format", fmt.Sprintf("must be a date like 2026-05-22 (found %q)", clip(val))
	case "glob":
		return "glob", fmt.Sprintf("pattern %s %s", quote(val), globProblem(val))
	case "relpath":
		return "path", fmt.Sprintf("path %s %s", quote(val), filePathProblem(val))
	case "regexp":
		return "regexp", fmt.Sprintf("is not a valid regular expression: %s", regexpProblem(val))
	case "placeholders":
		return "placeholder", placeholderProblem(val)
	case "secretref":
		// Quote the value only when it has the shape of a reference: a
		// value that is not one may be a secret pasted into config by
		// mistake, and problem lists are printed and logged.
		if secretRefRE().MatchString(val) {
			return "secret-ref", fmt.Sprintf("%s %s", quote(val), secretRefProblem(val))
		}
		return "secret-ref", "value " + secretRefProblem(val)
	case "loopback":
		return "loopback", fmt.Sprintf("must be a loopback address (127.0.0.1, ::1 or localhost), found %q", clip(val))
	case "id":
		return "pattern", fmt.Sprintf("must be an id of letters, digits, '.', '_' or '-' starting with a letter or digit (found %q)", clip(val))
	case "laneid":
		return "pattern", fmt.Sprintf("must be a lane id: letters, digits, '_' or '-', with '.' only between group and lane as in \"verifiers.primary\" (found %q)", clip(val))
	case "slug":
		return "pattern", fmt.Sprintf("must be a priority slug: lower-case letters, digits, '.', '_' or '-' (found %q)", clip(val))
	case "envname":
		return "pattern", fmt.Sprintf("must be an environment variable name such as API_KEY (found %q)", clip(val))
	case "program":
		return "pattern", fmt.Sprintf("must be one program name or path without spaces; put arguments in \"args\" (found %q)", clip(val))
	case "owner", "wsid", "rootname":
		p, _ := patterns.Of(r.name)
		return "pattern", fmt.Sprintf("must match %s (found %q)", p, clip(val))
	case "sha256":
		return "pattern", fmt.Sprintf("must be a lowercase hex SHA-256 digest (found %q)", clip(val))
	}
	return r.name, fmt.Sprintf("fails the %q rule (found %q)", r.name, clip(val))
}

func plural(n, one, many string) string {
	if n == "1" {
		return one
	}
	return many
}

func rangeMessage(r rule, v reflect.Value) string {
	more := r.name == "min" || r.name == "gte"
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		if more {
			return fmt.Sprintf("needs at least %s %s", r.param, plural(r.param, "entry", "entries"))
		}
		return fmt.Sprintf("may have at most %s %s", r.param, plural(r.param, "entry", "entries"))
	case reflect.String:
		if more {
			return fmt.Sprintf("must be at least %s characters long", r.param)
		}
		return fmt.Sprintf("must be at most %s characters long", r.param)
	}
	if more {
		return fmt.Sprintf("must be at least %s (found %v)", r.param, v.Interface())
	}
	return fmt.Sprintf("must be at most %s (found %v)", r.param, v.Interface())
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
