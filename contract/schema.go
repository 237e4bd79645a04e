package contract

import (
	"embed"

	"github.com/cocoder/cocoder/internal/errs"
)

//go:generate go run gen_schema.go

// schemaFS holds the generated schemas, one file per kind. They are
// generated from the Go types (go generate ./contract) and checked in; a
// test fails when they drift.
//
//go:embed schemas/*.schema.json
var schemaFS embed.FS

// schemaBase is the stable prefix of every schema's $id.
const schemaBase = "https://raw.githubusercontent.com/cocoder/cocoder/main/contract/schemas/"

// SchemaID returns the stable $id of kind's schema.
func SchemaID(kind Kind) string {
	return schemaBase + string(kind) + ".schema.json"
}

// SchemaFile returns the file name of kind's schema, e.g.
// "route.schema.json".
func SchemaFile(kind Kind) string {
	return string(kind) + ".schema.json"
}

// Schema returns the JSON Schema (draft 2020-12) of kind, as generated from
// its Go type. An unknown kind is errs.NotFound.
func Schema(kind Kind) ([]byte, error) {
	if _, ok := specOf(kind); !ok {
		return nil, errs.Wrap(errs.NotFound, "contract.Schema", unknownKind("contract.Schema", kind), "no schema for %q", string(kind))
	}
	data, err := schemaFS.ReadFile("schemas/" + SchemaFile(kind))
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "contract.Schema", err, "the %s schema is missing from this build; run go generate ./contract", kind)
	}
	return data, nil
}
