package schemagen

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/cocoder/cocoder/contract"
)

// Markers around the generated part of docs/contracts.md.
const (
	BeginMarker = "<!-- BEGIN GENERATED: go generate ./contract -->"
	EndMarker   = "<!-- END GENERATED -->"
)

// Examples names, for each kind, a file (relative to the contract package
// directory) shown as its example in the reference.
var Examples = map[contract.Kind]string{
	contract.KindPersona:        "../examples/workspace/cocoder/personas/builder.yaml",
	contract.KindProfile:        "../examples/workspace/cocoder/profiles/default.yaml",
	contract.KindRoute:          "../examples/workspace/cocoder/routes/feature.yaml",
	contract.KindBoundary:       "../examples/workspace/cocoder/boundaries/notes-search.yaml",
	contract.KindAdapter:        "../examples/workspace/cocoder/adapters/lint-check.yaml",
	contract.KindJobResult:      "testdata/original/job-result--lead-pass.json",
	contract.KindEvidence:       "testdata/original/evidence--record.json",
	contract.KindStartupPacket:  "testdata/original/startup-packet--packet.json",
	contract.KindConfig:         "testdata/original/config--layered.yaml",
	contract.KindRegistry:       "testdata/original/registry--workspaces.json",
	contract.KindWriteBoundary:  "testdata/original/write-boundary--audit.json",
	contract.KindRACI:           "testdata/original/raci--table.json",
	contract.KindImprovement:    "testdata/original/improvement--artifact.json",
	contract.KindSupersession:   "testdata/original/supersession--record.json",
	contract.KindPromptManifest: "../examples/workspace/cocoder/prompts/manifest.json",
	contract.KindRunStatus:      "testdata/valid/run-status--running.json",
	contract.KindEvent:          "testdata/valid/event--lane-started.json",
}

// Reference renders the field reference of every contract as Markdown:
// one section per kind (description, schema, root fields, example) and one
// table per nested type, shared by all kinds.
func (g *Generator) Reference() ([]byte, error) {
	var b bytes.Buffer
	defs := map[string]*jsonschema.Schema{}
	for _, k := range contract.Kinds() {
		s, err := g.reflect(k)
		if err != nil {
			return nil, err
		}
		maps.Copy(defs, s.Definitions)
		fmt.Fprintf(&b, "### %s\n\n%s\n\n", k, oneLine(g.typeDoc(k)))
		fmt.Fprintf(&b, "Schema: [`contract/schemas/%s`](../contract/schemas/%[1]s) (`cocoder schema %s`).\n\n", contract.SchemaFile(k), k)
		fieldTable(&b, s)
		if ex := Examples[k]; ex != "" {
			data, err := os.ReadFile(ex)
			if err != nil {
				return nil, fmt.Errorf("schemagen: example for %s: %w", k, err)
			}
			lang := strings.TrimPrefix(filepath.Ext(ex), ".")
			fmt.Fprintf(&b, "Example (`%s`):\n\n```%s\n%s```\n\n", strings.TrimPrefix(filepath.ToSlash(ex), "../"), lang, ensureNewline(string(data)))
		}
	}
	b.WriteString("### Nested types\n\n")
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		d := defs[name]
		fmt.Fprintf(&b, "#### %s\n\n", name)
		if d.Description != "" {
			fmt.Fprintf(&b, "%s\n\n", oneLine(d.Description))
		}
		if d.Properties != nil && d.Properties.Len() > 0 {
			fieldTable(&b, d)
		} else {
			fmt.Fprintf(&b, "Type: %s.\n\n", typeOf(d))
		}
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// typeDoc is the full doc comment of kind's Go type.
func (g *Generator) typeDoc(k contract.Kind) string {
	doc, _ := contract.New(k)
	name := fmt.Sprintf("%T", doc)
	name = strings.TrimPrefix(name, "*contract.")
	return g.full[modulePath+"."+name]
}

// fieldTable writes the table of s's properties.
func fieldTable(b *bytes.Buffer, s *jsonschema.Schema) {
	b.WriteString("| Field | Type | Required | Description |\n|---|---|---|---|\n")
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		req := ""
		if slices.Contains(s.Required, pair.Key) {
			req = "yes"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", pair.Key, typeOf(pair.Value), req, cell(pair.Value.Description))
	}
	b.WriteString("\n")
}

// typeOf renders a property's type for the reference.
func typeOf(s *jsonschema.Schema) string {
	if s == nil {
		return "any"
	}
	var t string
	switch {
	case s.Ref != "":
		name := strings.TrimPrefix(s.Ref, "#/$defs/")
		t = fmt.Sprintf("[%s](#%s)", name, strings.ToLower(name))
	case len(s.OneOf) > 0 || len(s.AnyOf) > 0:
		var parts []string
		for _, o := range append(s.OneOf, s.AnyOf...) {
			parts = append(parts, typeOf(o))
		}
		t = strings.Join(parts, " or ")
	case s.Type == "array":
		t = "list of " + typeOf(s.Items)
	case s.Type == "object" && s.AdditionalProperties != nil && s.AdditionalProperties != jsonschema.FalseSchema:
		t = "map of " + typeOf(s.AdditionalProperties)
	case s.Type == "string" && s.Format != "":
		t = s.Format
	case s.Type != "":
		t = s.Type
	default:
		t = "any"
	}
	if len(s.Enum) > 0 {
		var vals []string
		for _, v := range s.Enum {
			vals = append(vals, fmt.Sprintf("`%v`", v))
		}
		t += ": " + strings.Join(vals, ", ")
	}
	if s.Items != nil && len(s.Items.Enum) > 0 && s.Type == "array" {
		t = strings.Replace(t, "list of string", "list of", 1)
	}
	return t
}

// oneLine joins a doc comment's lines.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(oneLine(s), "|", `\|`)
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// SpliceReference replaces the generated part of a Markdown document (the
// text between BeginMarker and EndMarker) with ref.
func SpliceReference(doc, ref []byte) ([]byte, error) {
	begin := bytes.Index(doc, []byte(BeginMarker))
	end := bytes.Index(doc, []byte(EndMarker))
	if begin < 0 || end < begin {
		return nil, fmt.Errorf("schemagen: the document has no %q ... %q section", BeginMarker, EndMarker)
	}
	var out bytes.Buffer
	out.Write(doc[:begin+len(BeginMarker)])
	out.WriteString("\n\n")
	out.Write(ref)
	out.WriteString("\n\n")
	out.Write(doc[end:])
	return out.Bytes(), nil
}
