package contract

import (
	"path/filepath"
	"reflect"
	"strings"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
)

// MaxFileSize is the largest contract file Load and ReadFile read (1 MiB).
// Parsing a YAML document costs many times its size in memory, so this
// also bounds what loading one file can cost.
const MaxFileSize = 1 << 20

// Document is a decoded and validated contract together with what is worth
// telling the user but is not an error.
type Document struct {
	// Kind of the contract.
	Kind Kind
	// File is the path or name the document was read from.
	File string
	// Value points to the contract struct, e.g. a *Profile.
	Value any
	// Warnings are non-fatal findings such as deprecated fields, with lines.
	Warnings []Problem

	lines map[string]int // JSON path → line, for problems found later
}

// Parse decodes data strictly as a T (one of the contract types: Persona,
// Profile, Route, ...), fills documented defaults and validates the result.
// name is used in problems and decides the syntax: a name ending in .json is
// read as JSON, anything else as YAML (of which JSON is a subset).
//
// Unknown fields, wrong types, duplicate keys, missing required fields and
// every validation rule are reported together in a *ValidationError, each
// problem with its JSON path and line. The error matches errs.ErrInvalid.
func Parse[T any](name string, data []byte) (*T, error) {
	k, ok := KindOf((*T)(nil))
	if !ok {
		return nil, errs.E(errs.Invalid, "contract.Parse", "%s is not a contract type", reflect.TypeFor[T]())
	}
	doc, err := ParseDocument(k, name, data)
	if err != nil {
		return nil, err
	}
	return doc.Value.(*T), nil
}

// Load reads the file at path and parses it with [Parse]. The file must end
// in .yaml, .yml or .json. A missing file is errs.NotFound; an invalid one
// is a *ValidationError.
func Load[T any](path string) (*T, error) {
	k, ok := KindOf((*T)(nil))
	if !ok {
		return nil, errs.E(errs.Invalid, "contract.Load", "%s is not a contract type", reflect.TypeFor[T]())
	}
	doc, err := LoadDocument(k, path)
	if err != nil {
		return nil, err
	}
	return doc.Value.(*T), nil
}

// ParseKind is [Parse] for a kind known only at run time. It returns a
// pointer to the contract struct, e.g. a *Route for KindRoute.
func ParseKind(kind Kind, name string, data []byte) (any, error) {
	doc, err := ParseDocument(kind, name, data)
	if err != nil {
		return nil, err
	}
	return doc.Value, nil
}

// LoadKind is [Load] for a kind known only at run time.
func LoadKind(kind Kind, path string) (any, error) {
	doc, err := LoadDocument(kind, path)
	if err != nil {
		return nil, err
	}
	return doc.Value, nil
}

// LoadDocument reads and parses the file at path as a contract of the
// given kind, returning the value with its warnings.
func LoadDocument(kind Kind, path string) (*Document, error) {
	if !IsContractFile(path) {
		return nil, errs.E(errs.Invalid, "contract.Load", "%s: contract files end in .yaml, .yml or .json", path)
	}
	if _, ok := specOf(kind); !ok {
		return nil, unknownKind("contract.Load", kind)
	}
	data, err := readFile("contract.Load", path)
	if err != nil {
		return nil, err
	}
	return ParseDocument(kind, path, data)
}

// ParseDocument parses data as a contract of the given kind (see [Parse]),
// returning the value with its warnings.
func ParseDocument(kind Kind, name string, data []byte) (*Document, error) {
	spec, ok := specOf(kind)
	if !ok {
		return nil, unknownKind("contract.Parse", kind)
	}
	doc := spec.newDoc()
	lines, decodeProbs := decodeInto(data, strings.EqualFold(filepath.Ext(name), ".json"), doc)
	if lines == nil {
		return nil, &ValidationError{File: name, Problems: decodeProbs}
	}
	if d, ok := doc.(defaulter); ok {
		d.setDefaults()
	}
	all := decodeProbs
	for _, p := range validateValue(doc) {
		if !coveredBy(p.Path, decodeProbs) {
			all = append(all, p)
		}
	}
	if len(all) > 0 {
		return nil, &ValidationError{File: name, Problems: sortProblems(withLines(all, lines))}
	}
	return &Document{Kind: kind, File: name, Value: doc, Warnings: sortProblems(withLines(Warnings(doc), lines)), lines: lines}, nil
}

// coveredBy reports whether a decode problem already explains path (the
// value there could not be read, so validating it again adds nothing).
func coveredBy(path string, decodeProbs []Problem) bool {
	for _, d := range decodeProbs {
		if d.Path != "" && under(path, d.Path) {
			return true
		}
	}
	return false
}

// warner is implemented by contract types with deprecated or ineffective
// fields.
type warner interface {
	warnings() []Problem
}

// Warnings returns the non-fatal findings about a contract value (a pointer
// to a contract struct): deprecated fields that have no effect, settings
// that contradict each other harmlessly. Lines are not known here; the
// Document from [LoadDocument] carries them.
func Warnings(doc any) []Problem {
	if w, ok := doc.(warner); ok {
		return w.warnings()
	}
	return nil
}

func unknownKind(op string, kind Kind) error {
	names := make([]string, 0, len(kindSpecs))
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return errs.E(errs.Invalid, op, "unknown contract kind %q; use one of: %s", string(kind), strings.Join(names, ", "))
}

// ReadFile reads the file at path whole, refusing anything but a regular
// file (a directory, a FIFO, a device, a socket: refused before it is
// opened, so nothing blocks) and files larger than MaxFileSize: it is how
// every document of the contract kinds is read from disk (a workspace's
// config.yaml, the home's registry), so that no such file can make its
// reader hold more than MaxFileSize bytes or hang. Nothing is parsed. A
// missing file is an errs.NotFound error; a refused or oversized file is an
// errs.Invalid error that names the file and the fix.
func ReadFile(path string) ([]byte, error) {
	return readFile("contract.ReadFile", path)
}

// ReadFileIn is ReadFile for a file that must lie inside the directory
// root, read through an os.Root on it: a path, or a symlink on the way,
// that leads out of root is refused (errs.Invalid, naming the file). It is
// how files of a workspace's governance tree are read, since a repository
// cloned from someone else decides what is there.
func ReadFileIn(root, path string) ([]byte, error) {
	const op = "contract.ReadFile"
	data, err := fsx.ReadFileIn(root, path, MaxFileSize, func() error { return tooLarge(op, path) })
	if err != nil {
		return nil, errs.Wrap(errs.CodeOf(err), op, err, "")
	}
	return data, nil
}

// readFile is ReadFile with op naming the operation in errors.
func readFile(op, path string) ([]byte, error) {
	data, err := fsx.ReadRegular(path, MaxFileSize, func() error { return tooLarge(op, path) })
	if err != nil {
		return nil, errs.Wrap(errs.CodeOf(err), op, err, "")
	}
	return data, nil
}

func tooLarge(op, path string) error {
	return errs.E(errs.Invalid, op, "%s is larger than %d MiB, the limit for a contract file (they are small documents): shorten it, or move it aside if it is not the file you meant", path, MaxFileSize>>20)
}
