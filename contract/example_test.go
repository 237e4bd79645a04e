package contract_test

import (
	"errors"
	"fmt"

	"github.com/cocoder/cocoder/contract"
)

// Parse a route strictly: every problem is reported at once, with its JSON
// path and line.
func ExampleParse() {
	data := []byte(`id: feature
label: Feature
lead: lead
teammates: [builder]
lanes: [lead, builder]
gates: [verify]
writePolicy: one-writr
`)
	_, err := contract.Parse[contract.Route]("routes/feature.yaml", data)
	if ve, ok := errors.AsType[*contract.ValidationError](err); ok {
		for _, p := range ve.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// line 1: verify: gates lists "verify"; add verify.command (e.g. ["go", "test", "./..."]) or remove the gate
	// line 7: writePolicy: must be one of: one-writer, bounded-writers, read-only (found "one-writr")
}

// Profiles may group lanes; the groups flatten to dotted lane ids.
func ExampleParse_laneGroups() {
	data := []byte(`id: default
label: Default
lanes:
  lead: {persona: lead, adapter: claude, model: opus, canWrite: false}
  verifiers:
    primary: {persona: verifier, adapter: claude, canWrite: false}
`)
	p, err := contract.Parse[contract.Profile]("profiles/default.yaml", data)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Lanes["verifiers.primary"].Persona, p.Lanes["lead"].SandboxMode())
	// Output: verifier read-only
}

func ExampleMatchGlob() {
	fmt.Println(contract.MatchGlob("docs", "docs/guide/intro.md"))
	fmt.Println(contract.MatchGlob("cmd/*/main.go", "cmd/cocoder/main.go"))
	fmt.Println(contract.MatchGlob("cmd/*/main.go", "cmd/a/b/main.go"))
	fmt.Println(contract.MatchGlob("**", "../outside"))
	// Output:
	// true
	// true
	// false
	// false
}

func ExampleScope_Allows() {
	s := contract.Scope{Allowed: []string{"src/search/", "docs/search.md"}, Excluded: []string{"src/search/vendor/**"}}
	for _, p := range []string{"src/search/index.go", "src/search/vendor/x.go", "README.md"} {
		fmt.Println(p, s.Allows(p))
	}
	// Output:
	// src/search/index.go true
	// src/search/vendor/x.go false
	// README.md false
}

// CheckLaunch compares documents that are each valid on their own.
func ExampleCheckLaunch() {
	route, _ := contract.Parse[contract.Route]("route.yaml", []byte(`id: feature
label: Feature
lead: lead
teammates: [builder]
lanes: [lead, builder]
gates: []
writePolicy: one-writer
`))
	profile, _ := contract.Parse[contract.Profile]("profile.yaml", []byte(`id: default
label: Default
lanes:
  lead: {persona: lead, adapter: claude, canWrite: true}
`))
	for _, is := range contract.CheckLaunch(contract.LaunchInput{Route: route, Profile: profile}) {
		fmt.Println(is)
	}
	// Output:
	// block missing-adapter: lane lead: adapter "claude" is not declared; add an adapter declaration with that id or pick a declared one ((none))
	// block missing-lane: lane builder: route "feature" uses lane "builder" but profile "default" does not define it; add it to the profile's lanes
	// block writer-scope-empty: lane lead: the lane writes but has no write scope: no priority boundary names it and its writeBoundary is empty; add a boundary or writeBoundary patterns
}

func ExampleSchema() {
	data, err := contract.Schema(contract.KindRoute)
	fmt.Println(err == nil, len(data) > 0, contract.SchemaID(contract.KindRoute))
	// Output: true true https://raw.githubusercontent.com/cocoder/cocoder/main/contract/schemas/route.schema.json
}
