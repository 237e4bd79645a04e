// Package contract defines every CoCoder contract as a Go type, loads them
// strictly from YAML or JSON, validates them, checks them against each
// other, and publishes one JSON Schema per contract.
//
// # Contracts
//
// A contract is a document with a fixed shape: a [Persona], a [Profile]
// (which persona, adapter and model staff each lane), a [Route] (the
// topology of a run), a [PriorityBoundary] (where writer lanes may write),
// an [Adapter] declaration (how to start an agent CLI), a [JobResult] and
// its [Evidence], a [StartupPacket], a [WriteBoundary], a [RACI] table, an
// [Improvement] record, a [Supersession] record, the [Config], the
// workspace [Registry] and a [PromptManifest]. [Kinds] lists their names.
//
// # Usage
//
//	route, err := contract.Load[contract.Route]("cocoder/routes/feature.yaml")
//	if ve, ok := errors.AsType[*contract.ValidationError](err); ok {
//		for _, p := range ve.Problems {
//			fmt.Println(p) // line 7: writePolicy: must be one of: ...
//		}
//	}
//	issues := contract.CheckLaunch(contract.LaunchInput{Route: route, Profile: profile, Adapters: adapters})
//	if contract.Blocking(issues) { ... }
//
// [Load] and [Parse] decode strictly (unknown fields, wrong types, duplicate
// keys and missing required fields are errors with file, JSON path and
// line), fill documented defaults and validate, so nobody holds an
// unvalidated contract. Every problem is reported at once in a
// [*ValidationError], which matches errs.ErrInvalid. [Warnings] reports
// accepted-but-ineffective fields.
//
// [CheckLaunch] is the cross-document check shared by `cocoder validate`,
// run preflight and Oz; [CheckPaths] validates files and workspace trees.
// [MatchGlob] and [Scope.Allows] are the one write-scope matcher.
// [Schema] returns a contract's JSON Schema, generated from these types by
// `go generate ./contract` and embedded.
//
// Persona names are data: nothing in this package, or in the engine, treats
// a persona or lane id specially.
package contract
