// Package schemagen generates the JSON Schema of each contract from its Go
// type. It runs only at generation time (go generate ./contract) and in the
// contract package's drift test, never in a CoCoder binary: it parses Go
// source for doc comments.
package schemagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/contract/internal/patterns"
)

// modulePath is the import path of the contract package, used to match
// doc comments to types.
const modulePath = "github.com/cocoder/cocoder/contract"

// Generator produces schemas with doc comments read from the contract
// package's source directory.
type Generator struct {
	comments map[string]string // synopsis of types, full text of fields
	full     map[string]string // full text of types and fields
}

// New reads the doc comments of the contract package. srcDir must be the
// package directory given as a relative path (go generate and go test both
// run in it, so "." is right); the comment keys are derived from it.
func New(srcDir string) (*Generator, error) {
	r, full := &jsonschema.Reflector{}, &jsonschema.Reflector{}
	if err := r.AddGoComments(modulePath, srcDir); err != nil {
		return nil, fmt.Errorf("schemagen: reading doc comments in %s: %w", srcDir, err)
	}
	if err := full.AddGoComments(modulePath, srcDir, jsonschema.WithFullComment()); err != nil {
		return nil, fmt.Errorf("schemagen: reading doc comments in %s: %w", srcDir, err)
	}
	return &Generator{comments: r.CommentMap, full: full.CommentMap}, nil
}

// Schema returns the schema of kind as indented JSON with a trailing
// newline, so that the bytes are stable.
func (g *Generator) Schema(kind contract.Kind) ([]byte, error) {
	s, err := g.reflect(kind)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("schemagen: encoding the %s schema: %w", kind, err)
	}
	return buf.Bytes(), nil
}

// reflect builds the schema of kind.
func (g *Generator) reflect(kind contract.Kind) (*jsonschema.Schema, error) {
	doc, err := contract.New(kind)
	if err != nil {
		return nil, err
	}
	t := reflect.TypeOf(doc).Elem()
	r := &jsonschema.Reflector{
		Anonymous:                  true,
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true,
		CommentMap:                 g.comments,
		Mapper:                     mapType,
	}
	s := r.ReflectFromType(t)
	s.ID = jsonschema.ID(contract.SchemaID(kind))
	s.Title = string(kind)
	patchLanes(s)
	patchRoleRefs(s)
	walkKeys(t, s, map[reflect.Type]bool{})
	return s, nil
}

// mapType gives types whose document form differs from their Go form a
// schema of their own.
func mapType(t reflect.Type) *jsonschema.Schema {
	if t == reflect.TypeFor[contract.Version]() {
		return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}}}
	}
	return nil
}

// patchLanes lets a profile's lanes be nested in groups, as the decoder
// allows: each value is a lane or a mapping of further lanes and groups.
func patchLanes(s *jsonschema.Schema) {
	if s.Definitions["ProfileLane"] == nil || s.Properties == nil {
		return
	}
	lanes, ok := s.Properties.Get("lanes")
	if !ok {
		return
	}
	s.Definitions["ProfileLaneOrGroup"] = &jsonschema.Schema{
		Description: "A lane, or a group of lanes whose ids are prefixed with the group's name and a dot.",
		AnyOf: []*jsonschema.Schema{
			{Ref: "#/$defs/ProfileLane"},
			{
				Type:                 "object",
				MinProperties:        new(uint64(1)),
				AdditionalProperties: &jsonschema.Schema{Ref: "#/$defs/ProfileLaneOrGroup"},
				PropertyNames:        &jsonschema.Schema{Pattern: `^[A-Za-z0-9][A-Za-z0-9_-]*$`},
			},
		},
	}
	lanes.AdditionalProperties = &jsonschema.Schema{Ref: "#/$defs/ProfileLaneOrGroup"}
}

// patchRoleRefs lets a role slot be one ref or a list of refs.
func patchRoleRefs(s *jsonschema.Schema) {
	if s.Definitions["RoleRefs"] == nil {
		return
	}
	s.Definitions["RoleRefs"] = &jsonschema.Schema{
		Description: "One role reference, or a list of them.",
		AnyOf: []*jsonschema.Schema{
			{Ref: "#/$defs/RoleRef"},
			{Type: "array", Items: &jsonschema.Schema{Ref: "#/$defs/RoleRef"}},
		},
	}
}

// keysTag finds the key rule of a map field's validate tag
// ("dive,keys,<rule>,endkeys").
var keysTag = regexp.MustCompile(`keys,([^,]+),endkeys`)

// walkKeys copies the key rules of map fields (lane ids, enum keys) into
// propertyNames, which the reflector cannot express from tags.
func walkKeys(t reflect.Type, root *jsonschema.Schema, seen map[reflect.Type]bool) {
	t = deref(t)
	if seen[t] {
		return
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Slice, reflect.Map:
		walkKeys(t.Elem(), root, seen)
		return
	case reflect.Struct:
	default:
		return
	}
	def := root
	if d, ok := root.Definitions[t.Name()]; ok {
		def = d
	}
	for i := range t.NumField() {
		f := t.Field(i)
		walkKeys(f.Type, root, seen)
		if deref(f.Type).Kind() != reflect.Map || def.Properties == nil {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		prop, ok := def.Properties.Get(name)
		if !ok {
			continue
		}
		if m := keysTag.FindStringSubmatch(f.Tag.Get("validate")); m != nil {
			prop.PropertyNames = keySchema(m[1])
		}
	}
}

// keySchema turns a validate key rule into a propertyNames schema.
func keySchema(rule string) *jsonschema.Schema {
	if values, ok := strings.CutPrefix(rule, "oneof="); ok {
		s := &jsonschema.Schema{}
		for _, v := range strings.Fields(values) {
			s.Enum = append(s.Enum, v)
		}
		return s
	}
	if p, ok := patterns.Of(rule); ok {
		return &jsonschema.Schema{Pattern: p}
	}
	return nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
