package contract

import "time"

// Supersession is the immutable record that lets a lead's PASS stand in
// for a teammate's non-PASS result, authorised either by the route's
// leadRescue policy or by the founder.
type Supersession struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// ID names the record.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// CreatedAt is when it was recorded.
	CreatedAt time.Time `json:"createdAt" yaml:"createdAt" jsonschema:"required" validate:"required"`
	// RunID of the run.
	RunID string `json:"runId" yaml:"runId" jsonschema:"required,minLength=1" validate:"required"`
	// SupersededLane is the lane whose result is superseded.
	SupersededLane string `json:"supersededLane" yaml:"supersededLane" jsonschema:"required,minLength=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$" validate:"required,laneid"`
	// SupersededResultPath is that lane's result file.
	SupersededResultPath string `json:"supersededResultPath" yaml:"supersededResultPath" jsonschema:"required,minLength=1" validate:"required"`
	// ResolvingLane is the lane whose PASS resolves it.
	ResolvingLane string `json:"resolvingLane" yaml:"resolvingLane" jsonschema:"required,minLength=1,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$" validate:"required,laneid"`
	// ResolvingResultPath is that lane's result file.
	ResolvingResultPath string `json:"resolvingResultPath" yaml:"resolvingResultPath" jsonschema:"required,minLength=1" validate:"required"`
	// AuthorizationBasis is what allows the supersession.
	AuthorizationBasis string `json:"authorizationBasis" yaml:"authorizationBasis" jsonschema:"required,enum=route-policy,enum=founder-authorization" validate:"required,oneof=route-policy founder-authorization"`
	// AuthorizationEvidence backs the basis.
	AuthorizationEvidence AuthorizationEvidence `json:"authorizationEvidence" yaml:"authorizationEvidence" jsonschema:"required"`
	// SupersessionEvidence references; at least one.
	SupersessionEvidence []string `json:"supersessionEvidence" yaml:"supersessionEvidence" jsonschema:"required,minItems=1" validate:"required,min=1,dive,required"`
	// FindingsAddressed are findings of the superseded result, verbatim;
	// at least one.
	FindingsAddressed []string `json:"findingsAddressed" yaml:"findingsAddressed" jsonschema:"required,minItems=1" validate:"required,min=1,dive,required"`
	// CreatedBy names who recorded it.
	CreatedBy string `json:"createdBy" yaml:"createdBy" jsonschema:"required,minLength=1" validate:"required"`
}

// AuthorizationEvidence backs a supersession's authorization basis: the
// route and its leadRescue policy, or the resolving result's founder
// acceptance.
type AuthorizationEvidence struct {
	// RouteID for a route-policy basis.
	RouteID string `json:"routeId,omitempty" yaml:"routeId,omitempty"`
	// LeadRescue is the route's policy, copied, for a route-policy basis.
	LeadRescue *LeadRescue `json:"leadRescue,omitempty" yaml:"leadRescue,omitempty"`
	// ResolvingResultPath for a founder-authorization basis.
	ResolvingResultPath string `json:"resolvingResultPath,omitempty" yaml:"resolvingResultPath,omitempty"`
	// FounderAcceptance, copied from the resolving result, for a
	// founder-authorization basis.
	FounderAcceptance map[string]any `json:"founderAcceptance,omitempty" yaml:"founderAcceptance,omitempty"`
}

// Validate checks the record and returns nil or a *ValidationError.
func (s *Supersession) Validate() error { return Validate(s) }

func (s *Supersession) check(p *problems) {
	if s.SupersededLane != "" && s.SupersededLane == s.ResolvingLane {
		p.add("resolvingLane", "same-lane", "a lane cannot supersede its own result; the resolving lane must differ from %q", s.SupersededLane)
	}
	ev := s.AuthorizationEvidence
	switch s.AuthorizationBasis {
	case "route-policy":
		if ev.RouteID == "" || ev.LeadRescue == nil {
			p.add("authorizationEvidence", "basis-evidence", "a route-policy supersession must cite routeId and the route's leadRescue policy")
		} else if !ev.LeadRescue.Allowed {
			p.add("authorizationEvidence.leadRescue.allowed", "basis-evidence", "the cited leadRescue policy does not allow rescue")
		}
	case "founder-authorization":
		if ev.ResolvingResultPath == "" || len(ev.FounderAcceptance) == 0 {
			p.add("authorizationEvidence", "basis-evidence", "a founder-authorization supersession must cite resolvingResultPath and the founderAcceptance it carries")
		}
	}
}
