package contract_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

const minimalPersona = `id: lead
label: Lead
mode: orchestrator
role: Coordinates the run.
launchModel: long-lived-visible
writePolicy: read-only
evidenceResponsibilities: [dispatch plan]
reviewStatus: draft
`

// problems returns the problems of a *ValidationError, failing otherwise.
func problemsOf(t *testing.T, err error) []contract.Problem {
	t.Helper()
	require.Error(t, err)
	ve, ok := errors.AsType[*contract.ValidationError](err)
	require.True(t, ok, "want *ValidationError, got %T: %v", err, err)
	return ve.Problems
}

// hasProblem reports whether list holds a problem at path with rule.
func hasProblem(list []contract.Problem, path, rule string) bool {
	for _, p := range list {
		if p.Path == path && p.Rule == rule {
			return true
		}
	}
	return false
}

func TestParseDecoding(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		path string // want a problem at path with rule
		rule string
		line int
	}{
		{"UnknownFieldSuggestsName", "p.yaml", minimalPersona + "lable: x\n", "lable", "unknown-field", 9},
		{"WrongTypeList", "p.yaml", strings.Replace(minimalPersona, "[dispatch plan]", "dispatch plan", 1), "evidenceResponsibilities", "type", 7},
		{"WrongTypeNumberForText", "p.yaml", strings.Replace(minimalPersona, "label: Lead", "label: 42", 1), "label", "type", 2},
		{"DuplicateKey", "p.yaml", minimalPersona + "label: Again\n", "label", "duplicate-key", 9},
		{"MissingRequired", "p.yaml", strings.Replace(minimalPersona, "role: Coordinates the run.\n", "", 1), "role", "required", 1},
		{"NullCountsAsMissing", "p.yaml", strings.Replace(minimalPersona, "role: Coordinates the run.", "role: null", 1), "role", "required", 1},
		{"ComplexKey", "p.yaml", minimalPersona + "? [a, b]\n: c\n", "", "type", 9},
		{"FutureVersionRefused", "p.yaml", "version: 9\n" + minimalPersona + "futureField: 1\n", "version", "version", 1},
		{"JSONSyntaxLine", "p.json", "{\n  \"id\": \"lead\",\n  \"label\": oops\n}\n", "", "syntax", 3},
		{"YAMLSyntaxLine", "p.yaml", "id: lead\nlabel: Lead\n  role: indented\n", "", "syntax", 3},
		{"JSONTrailingData", "p.json", "{\"id\": \"lead\"}\n{}\n", "", "syntax", 2},
		{"JSONUnclosed", "p.json", "{\"id\": \"lead\",\n\"label\": [\n", "", "syntax", 2},
		{"TopLevelScalar", "p.yaml", "just text\n", "", "type", 1},
		{"BadTimestamp", "e.yaml", "id: e\nclass: B\nsource: mock\nartifact: a\nobserved: o\nlimitations: []\ncreatedAt: 2026-13-01\n", "createdAt", "type", 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kind := contract.KindPersona
			if strings.HasPrefix(tc.file, "e.") {
				kind = contract.KindEvidence
			}
			_, err := contract.ParseKind(kind, tc.file, []byte(tc.data))
			list := problemsOf(t, err)
			require.True(t, hasProblem(list, tc.path, tc.rule), "want %s at %q, got %v", tc.rule, tc.path, list)
			for _, p := range list {
				if p.Path == tc.path && p.Rule == tc.rule {
					assert.Equal(t, tc.line, p.Line, p.Message)
				}
			}
		})
	}
}

func TestParseAcceptsBothSyntaxes(t *testing.T) {
	tests := []struct{ name, file, data string }{
		{"YAML", "p.yaml", minimalPersona},
		{"JSON", "p.json", `{"id":"lead","label":"Lead","mode":"orchestrator","role":"r","launchModel":"one-shot","writePolicy":"read-only","evidenceResponsibilities":["x"],"reviewStatus":"draft"}`},
		{"JSONWithTabsAndEscapes", "p.json", "{\n\t\"id\": \"lead\",\n\t\"label\": \"L\\u00e9ad \\/ lead\",\n\t\"mode\": \"orchestrator\",\n\t\"role\": \"r\",\n\t\"launchModel\": \"one-shot\",\n\t\"writePolicy\": \"read-only\",\n\t\"evidenceResponsibilities\": [\"x\"],\n\t\"reviewStatus\": \"draft\"\n}\n"},
		{"SchemaAndVersion", "p.yaml", "$schema: ./persona.schema.json\nversion: \"0.1\"\n" + minimalPersona},
		{"NumericVersion", "p.yaml", "version: 1\n" + minimalPersona},
		{"MergeKey", "p.yaml", "<<: {id: lead, label: Lead}\n" + strings.Replace(strings.Replace(minimalPersona, "id: lead\n", "", 1), "label: Lead\n", "", 1)},
		{"Alias", "p.yaml", strings.Replace(minimalPersona, "label: Lead", "label: &l Lead", 1) + "boundaries: [*l]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := contract.Parse[contract.Persona](tc.file, []byte(tc.data))
			require.NoError(t, err)
			assert.Equal(t, "lead", p.ID)
			assert.Equal(t, contract.ResultContractJobResult, p.ResultContract, "default filled")
		})
	}
}

func TestParseAliasBombIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("founderAcceptance: {}\n")
	start := time.Now()
	_, err := contract.Parse[contract.JobResult]("bomb.yaml", []byte(b.String()))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestParseProfileLaneGroups(t *testing.T) {
	data := `id: p
label: P
lanes:
  lead: {persona: lead, adapter: claude, adapterProfile: opus, canWrite: false}
  verifiers:
    primary: {persona: verifier, adapter: claude, canWrite: false}
    deep:
      one: {persona: verifier, adapter: codex, canWrite: false}
  helpers.flat: {persona: builder, adapter: codex, canWrite: true, writeBoundary: [src/]}
modelRoles:
  builderSubagents:
    primary: {lane: helpers.flat}
    fallback: [{lane: lead}, {adapter: codex}]
`
	p, err := contract.Parse[contract.Profile]("p.yaml", []byte(data))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"lead", "verifiers.primary", "verifiers.deep.one", "helpers.flat"}, keys(p.Lanes))
	assert.Equal(t, "opus", p.Lanes["lead"].Model, "adapterProfile is copied to model")
	assert.Equal(t, contract.ClassB, p.Lanes["lead"].EvidenceClassDefault)
	assert.Equal(t, "fallback", p.Defaults.MissingAdapterPolicy)
	require.NotNil(t, p.ModelRoles.BuilderSubagents)
	assert.Len(t, p.ModelRoles.BuilderSubagents.Primary, 1, "a single ref becomes a one-item slot")
	assert.Len(t, p.ModelRoles.BuilderSubagents.Fallback, 2)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	t.Run("NotFound", func(t *testing.T) {
		_, err := contract.Load[contract.Route](filepath.Join(dir, "missing.yaml"))
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	})
	t.Run("WrongExtension", func(t *testing.T) {
		_, err := contract.Load[contract.Route](filepath.Join(dir, "route.toml"))
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("Directory", func(t *testing.T) {
		sub := filepath.Join(dir, "d.yaml")
		require.NoError(t, os.Mkdir(sub, 0o755))
		_, err := contract.Load[contract.Route](sub)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("TooLarge", func(t *testing.T) {
		big := filepath.Join(dir, "big.yaml")
		require.NoError(t, os.WriteFile(big, make([]byte, contract.MaxFileSize+1), 0o644))
		_, err := contract.Load[contract.Route](big)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("NotAContractType", func(t *testing.T) {
		_, err := contract.Parse[contract.Scope]("s.yaml", []byte("allowed: []"))
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("UnknownKind", func(t *testing.T) {
		_, err := contract.ParseKind("widget", "w.yaml", []byte("a: 1"))
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
		assert.Contains(t, err.Error(), "route")
	})
	t.Run("FileNameInProblems", func(t *testing.T) {
		path := filepath.Join(dir, "persona.yaml")
		require.NoError(t, os.WriteFile(path, []byte("id: x\n"), 0o644))
		_, err := contract.Load[contract.Persona](path)
		ve, ok := errors.AsType[*contract.ValidationError](err)
		require.True(t, ok)
		assert.Equal(t, path, ve.File)
		assert.Contains(t, err.Error(), path)
		assert.ErrorIs(t, err, errs.ErrInvalid)
	})
}

func TestWarnings(t *testing.T) {
	doc, err := contract.LoadDocument(contract.KindAdapter, "testdata/original/adapter--declaration.json")
	require.NoError(t, err)
	require.Len(t, doc.Warnings, 1)
	w := doc.Warnings[0]
	assert.Equal(t, "commandEnv", w.Path)
	assert.Equal(t, "deprecated", w.Rule)
	assert.Equal(t, 6, w.Line)
	direct := contract.Warnings(doc.Value)
	require.Len(t, direct, 1)
	assert.Equal(t, w.Path, direct[0].Path)
	assert.Zero(t, direct[0].Line, "lines are only known when loading")

	route := `id: r
label: R
lead: a
teammates: []
lanes: [a]
gates: []
writePolicy: read-only
verify: {command: [make, test]}
`
	rdoc, err := contract.ParseDocument(contract.KindRoute, "r.yaml", []byte(route))
	require.NoError(t, err)
	require.Len(t, rdoc.Warnings, 1)
	assert.Equal(t, "verify", rdoc.Warnings[0].Path)
}
