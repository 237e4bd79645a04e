package contract

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// Kind names a contract. It is what `cocoder validate --kind` and
// `cocoder schema` accept, and the base name of the contract's schema file.
type Kind string

// The contract kinds.
const (
	KindPersona        Kind = "persona"
	KindProfile        Kind = "profile"
	KindRoute          Kind = "route"
	KindBoundary       Kind = "boundary"
	KindAdapter        Kind = "adapter"
	KindJobResult      Kind = "job-result"
	KindEvidence       Kind = "evidence"
	KindStartupPacket  Kind = "startup-packet"
	KindConfig         Kind = "config"
	KindRegistry       Kind = "registry"
	KindWriteBoundary  Kind = "write-boundary"
	KindRACI           Kind = "raci"
	KindImprovement    Kind = "improvement"
	KindSupersession   Kind = "supersession"
	KindPromptManifest Kind = "prompt-manifest"
	KindRunStatus      Kind = "run-status"
	KindEvent          Kind = "event"
)

// kindSpec ties a kind to its Go type and to the workspace folders that
// hold documents of that kind.
type kindSpec struct {
	kind    Kind
	newDoc  func() any
	folders []string
}

// kindSpecs lists every contract this build knows, in documentation order.
var kindSpecs = []kindSpec{
	{KindPersona, func() any { return new(Persona) }, []string{"personas"}},
	{KindProfile, func() any { return new(Profile) }, []string{"profiles"}},
	{KindRoute, func() any { return new(Route) }, []string{"routes"}},
	{KindBoundary, func() any { return new(PriorityBoundary) }, []string{"boundaries", "priority-boundaries"}},
	{KindAdapter, func() any { return new(Adapter) }, []string{"adapters"}},
	{KindJobResult, func() any { return new(JobResult) }, nil},
	{KindEvidence, func() any { return new(Evidence) }, []string{"evidence"}},
	{KindStartupPacket, func() any { return new(StartupPacket) }, nil},
	{KindConfig, func() any { return new(Config) }, nil},
	{KindRegistry, func() any { return new(Registry) }, nil},
	{KindWriteBoundary, func() any { return new(WriteBoundary) }, []string{"write-boundaries"}},
	{KindRACI, func() any { return new(RACI) }, nil},
	{KindImprovement, func() any { return new(Improvement) }, []string{"improvements"}},
	{KindSupersession, func() any { return new(Supersession) }, []string{"supersessions"}},
	{KindPromptManifest, func() any { return new(PromptManifest) }, nil},
	{KindRunStatus, func() any { return new(RunStatus) }, nil},
	{KindEvent, func() any { return new(Event) }, nil},
}

// Kinds lists every contract kind this build can load and describe, in
// documentation order.
func Kinds() []Kind {
	out := make([]Kind, len(kindSpecs))
	for i, s := range kindSpecs {
		out[i] = s.kind
	}
	return out
}

// specOf returns the spec of kind k.
func specOf(k Kind) (kindSpec, bool) {
	for _, s := range kindSpecs {
		if s.kind == k {
			return s, true
		}
	}
	return kindSpec{}, false
}

var kindByType = sync.OnceValue(func() map[reflect.Type]Kind {
	m := make(map[reflect.Type]Kind, len(kindSpecs))
	for _, s := range kindSpecs {
		m[reflect.TypeOf(s.newDoc()).Elem()] = s.kind
	}
	return m
})

// KindOf returns the kind of a contract value (a struct or a pointer to
// one), or false when it is not a contract type.
func KindOf(doc any) (Kind, bool) {
	t := reflect.TypeOf(doc)
	if t == nil {
		return "", false
	}
	k, ok := kindByType()[deref(t)]
	return k, ok
}

// fileKinds maps file names that identify their kind wherever they are.
var fileKinds = map[string]Kind{
	"result.json":         KindJobResult,
	"startup-packet.json": KindStartupPacket,
	"raci.json":           KindRACI,
	"raci.yaml":           KindRACI,
	"raci.yml":            KindRACI,
	"workspaces.yaml":     KindRegistry,
	"workspaces.yml":      KindRegistry,
	"workspaces.json":     KindRegistry,
	"run.json":            KindRunStatus,
}

// maxKindDepth is how many enclosing folders InferKind looks at, so that
// a kind folder far above a file (say a checkout under ~/routes/) does not
// decide its kind.
const maxKindDepth = 3

// configNames are the file names of config documents.
var configNames = []string{"config.yaml", "config.yml", "config.json", "overrides.yaml", "overrides.yml", "overrides.json"}

// InferKind guesses a document's kind from its path, the way a workspace's
// cocoder/ tree is laid out. A few file names are unambiguous wherever they
// are (result.json, run.json, startup-packet.json, raci.json,
// workspaces.yaml, and manifest.json inside prompts/). Otherwise the nearest kind folder among
// the three enclosing folders decides: personas/, profiles/, routes/,
// boundaries/ or priority-boundaries/, adapters/, evidence/, improvements/,
// supersessions/, write-boundaries/. Outside those, config.yaml and
// overrides.yaml (.yml, .json) are config. Only .yaml, .yml and .json files
// are considered. It reports false when the path says nothing.
func InferKind(path string) (Kind, bool) {
	path = filepath.ToSlash(filepath.Clean(path))
	base := strings.ToLower(pathBase(path))
	if !IsContractFile(base) {
		return "", false
	}
	dirs := strings.Split(pathDir(path), "/")
	if k, ok := fileKinds[base]; ok {
		if _, known := specOf(k); known {
			return k, true
		}
		return "", false
	}
	if base == "manifest.json" && len(dirs) > 0 && dirs[len(dirs)-1] == "prompts" {
		return KindPromptManifest, true
	}
	for i := len(dirs) - 1; i >= max(0, len(dirs)-maxKindDepth); i-- {
		for _, s := range kindSpecs {
			for _, f := range s.folders {
				if dirs[i] == f {
					return s.kind, true
				}
			}
		}
	}
	for _, n := range configNames {
		if base == n {
			return KindConfig, true
		}
	}
	return "", false
}

// FileExtensions are the extensions a contract file may have, in the order
// a document named by id alone is looked for.
var FileExtensions = []string{".yaml", ".yml", ".json"}

// IsContractFile reports whether a file name has a contract extension
// (FileExtensions, in any case).
func IsContractFile(name string) bool {
	return slices.Contains(FileExtensions, strings.ToLower(filepath.Ext(name)))
}

func pathBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func pathDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// New returns a pointer to a new zero value of kind's contract type, e.g. a
// *Route for KindRoute. An unknown kind is errs.Invalid.
func New(kind Kind) (any, error) {
	s, ok := specOf(kind)
	if !ok {
		return nil, unknownKind("contract.New", kind)
	}
	return s.newDoc(), nil
}
