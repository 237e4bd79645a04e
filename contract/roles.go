package contract

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ModelRoles says which lane or adapter fills each model role of a run, so
// that prompts can state the policy and nobody silently substitutes a model.
// Profiles and routes both carry it; [ResolveModelRoles] merges them.
type ModelRoles struct {
	// Orchestrator is the role that plans and dispatches.
	Orchestrator *RoleRef `json:"orchestrator,omitempty" yaml:"orchestrator,omitempty"`
	// Builder is the role that implements.
	Builder *RoleRef `json:"builder,omitempty" yaml:"builder,omitempty"`
	// BuilderSubagents are helpers of the builder.
	BuilderSubagents *SubagentRoles `json:"builderSubagents,omitempty" yaml:"builderSubagents,omitempty"`
	// Planning are the planning roles.
	Planning *PlanningRoles `json:"planning,omitempty" yaml:"planning,omitempty"`
	// Research are the research roles.
	Research *ResearchRoles `json:"research,omitempty" yaml:"research,omitempty"`
	// FallbackPolicy says what happens when a role cannot be filled.
	FallbackPolicy string `json:"fallbackPolicy,omitempty" yaml:"fallbackPolicy,omitempty" jsonschema:"enum=ask-founder,enum=stop,enum=degrade-with-label" validate:"omitempty,oneof=ask-founder stop degrade-with-label"`
	// SubstitutionPolicy says whether another model may stand in for a role.
	SubstitutionPolicy string `json:"substitutionPolicy,omitempty" yaml:"substitutionPolicy,omitempty" jsonschema:"enum=strict,enum=allow-labeled-degraded" validate:"omitempty,oneof=strict allow-labeled-degraded"`
}

// SubagentRoles are the builder's helper slots.
type SubagentRoles struct {
	// Primary helpers.
	Primary RoleRefs `json:"primary,omitempty" yaml:"primary,omitempty" validate:"omitempty,dive"`
	// Fallback helpers.
	Fallback RoleRefs `json:"fallback,omitempty" yaml:"fallback,omitempty" validate:"omitempty,dive"`
}

// PlanningRoles are the planning slots.
type PlanningRoles struct {
	// Primary planner.
	Primary RoleRefs `json:"primary,omitempty" yaml:"primary,omitempty" validate:"omitempty,dive"`
	// Audit of the plan.
	Audit RoleRefs `json:"audit,omitempty" yaml:"audit,omitempty" validate:"omitempty,dive"`
	// Synthesis of plans.
	Synthesis RoleRefs `json:"synthesis,omitempty" yaml:"synthesis,omitempty" validate:"omitempty,dive"`
}

// ResearchRoles are the research slots.
type ResearchRoles struct {
	// Primary researcher.
	Primary RoleRefs `json:"primary,omitempty" yaml:"primary,omitempty" validate:"omitempty,dive"`
	// Triangulation of findings.
	Triangulation RoleRefs `json:"triangulation,omitempty" yaml:"triangulation,omitempty" validate:"omitempty,dive"`
	// Synthesis of findings.
	Synthesis RoleRefs `json:"synthesis,omitempty" yaml:"synthesis,omitempty" validate:"omitempty,dive"`
}

// RoleRef names who fills a role: a lane of the profile, an adapter, or
// both.
type RoleRef struct {
	// Lane is a lane id of the profile.
	Lane string `json:"lane,omitempty" yaml:"lane,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$" validate:"omitempty,laneid"`
	// Adapter is an adapter id.
	Adapter string `json:"adapter,omitempty" yaml:"adapter,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"omitempty,id"`
	// Model is the model label.
	Model string `json:"model,omitempty" yaml:"model,omitempty"`
	// AdapterProfile is the original name of Model, still accepted.
	AdapterProfile string `json:"adapterProfile,omitempty" yaml:"adapterProfile,omitempty"`
	// Label is a display label.
	Label string `json:"label,omitempty" yaml:"label,omitempty"`
	// Purpose says what the role is used for.
	Purpose string `json:"purpose,omitempty" yaml:"purpose,omitempty"`
}

// RoleRefs is a role slot: one or more refs. A file may write a single ref
// (a mapping) or a list of refs.
type RoleRefs []RoleRef

func (r *RoleRefs) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.MappingNode {
		var one RoleRef
		d.value(n, reflectValue(&one), path)
		*r = RoleRefs{one}
		return
	}
	var list []RoleRef
	d.value(n, reflectValue(&list), path)
	*r = list
}

// eachRef calls fn for every ref, with its JSON path.
func (m *ModelRoles) eachRef(path string, fn func(path string, r RoleRef)) {
	if m == nil {
		return
	}
	if m.Orchestrator != nil {
		fn(join(path, "orchestrator"), *m.Orchestrator)
	}
	if m.Builder != nil {
		fn(join(path, "builder"), *m.Builder)
	}
	slots := func(group string, s any) {
		v := reflect.ValueOf(s)
		if v.IsNil() {
			return
		}
		v = v.Elem()
		for i := range v.NumField() {
			refs := v.Field(i).Interface().(RoleRefs)
			name := jsonName(v.Type().Field(i))
			for j, ref := range refs {
				fn(index(join(join(path, group), name), j), ref)
			}
		}
	}
	slots("builderSubagents", m.BuilderSubagents)
	slots("planning", m.Planning)
	slots("research", m.Research)
}

// check reports refs that name neither a lane nor an adapter, and refs
// whose model and adapterProfile disagree.
func (m *ModelRoles) check(p *problems, path string) {
	m.eachRef(path, func(path string, r RoleRef) {
		if r.Lane == "" && r.Adapter == "" {
			p.add(path, "required", "a role must name a lane or an adapter; add \"lane\" or \"adapter\"")
		}
		if r.Model != "" && r.AdapterProfile != "" && r.Model != r.AdapterProfile {
			p.add(join(path, "adapterProfile"), "alias-conflict", "adapterProfile %q and model %q disagree; keep only model", r.AdapterProfile, r.Model)
		}
	})
}

// ResolveModelRoles merges a route's model roles over a profile's: each
// role or slot the route sets replaces the profile's; policies the route
// sets replace the profile's. Either argument may be nil; the result is nil
// only when both are. The inputs are not modified.
func ResolveModelRoles(profile, route *ModelRoles) *ModelRoles {
	if profile == nil && route == nil {
		return nil
	}
	out := &ModelRoles{}
	if profile != nil {
		*out = *profile
		out.BuilderSubagents = cloneGroup(profile.BuilderSubagents)
		out.Planning = cloneGroup(profile.Planning)
		out.Research = cloneGroup(profile.Research)
	}
	if route == nil {
		return out
	}
	out.Orchestrator = cmpOr(route.Orchestrator, out.Orchestrator)
	out.Builder = cmpOr(route.Builder, out.Builder)
	out.BuilderSubagents = mergeGroup(out.BuilderSubagents, route.BuilderSubagents)
	out.Planning = mergeGroup(out.Planning, route.Planning)
	out.Research = mergeGroup(out.Research, route.Research)
	if route.FallbackPolicy != "" {
		out.FallbackPolicy = route.FallbackPolicy
	}
	if route.SubstitutionPolicy != "" {
		out.SubstitutionPolicy = route.SubstitutionPolicy
	}
	return out
}

func cmpOr[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

func cloneGroup[T any](g *T) *T {
	if g == nil {
		return nil
	}
	c := *g
	return &c
}

// mergeGroup copies every non-empty slot of over onto a copy of base.
func mergeGroup[T any](base, over *T) *T {
	if over == nil {
		return base
	}
	out := new(T)
	if base != nil {
		*out = *base
	}
	ov, dv := reflect.ValueOf(over).Elem(), reflect.ValueOf(out).Elem()
	for i := range ov.NumField() {
		if ov.Field(i).Len() > 0 {
			dv.Field(i).Set(ov.Field(i))
		}
	}
	return out
}

// keyList lists a map's keys, sorted, for messages.
func keyList[V any](m map[string]V) string {
	if len(m) == 0 {
		return "(none)"
	}
	return joinQuoted(slices.Sorted(maps.Keys(m)))
}

// joinQuoted lists values as "a", "b", "c".
func joinQuoted(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = quote(v)
	}
	return strings.Join(q, ", ")
}
