package contract

import "time"

// Improvement (a self-healing record) is written when something went wrong
// in a way worth fixing for good: a failed gate, a stale document, an
// adapter failure. It records the immediate recovery and where the
// permanent fix belongs.
type Improvement struct {
	// Schema is an optional JSON Schema reference for editors; it is ignored.
	Schema string `json:"$schema,omitempty" yaml:"$schema,omitempty"`
	// Version is the document format version (optional).
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// ID names the record.
	ID string `json:"id" yaml:"id" jsonschema:"required,minLength=1,maxLength=128,pattern=^[A-Za-z0-9][A-Za-z0-9._-]*$" validate:"required,max=128,id"`
	// CreatedAt is when it was written.
	CreatedAt time.Time `json:"createdAt" yaml:"createdAt" jsonschema:"required" validate:"required"`
	// Trigger is what caused it.
	Trigger string `json:"trigger" yaml:"trigger" jsonschema:"required,enum=failed-gate,enum=stale-doc,enum=missing-verification,enum=adapter-failure,enum=process-failure,enum=manual-intervention" validate:"required,oneof=failed-gate stale-doc missing-verification adapter-failure process-failure manual-intervention"`
	// DefectType classifies the defect.
	DefectType string `json:"defectType" yaml:"defectType" jsonschema:"required,enum=gate-failure,enum=stale-doc,enum=missing-verification,enum=adapter-failure,enum=process-failure,enum=manual-intervention,enum=evidence-gap,enum=deferred-live-enforcement" validate:"required,oneof=gate-failure stale-doc missing-verification adapter-failure process-failure manual-intervention evidence-gap deferred-live-enforcement"`
	// Classification in words.
	Classification string `json:"classification" yaml:"classification" jsonschema:"required,minLength=1" validate:"required"`
	// Evidence references; at least one.
	Evidence []string `json:"evidence" yaml:"evidence" jsonschema:"required,minItems=1" validate:"required,min=1,dive,required"`
	// ImmediateRecovery is what was done at once.
	ImmediateRecovery string `json:"immediateRecovery" yaml:"immediateRecovery" jsonschema:"required,minLength=1" validate:"required"`
	// PermanentHomeRecommendation is where the lasting fix belongs.
	PermanentHomeRecommendation string `json:"permanentHomeRecommendation" yaml:"permanentHomeRecommendation" jsonschema:"required,minLength=1" validate:"required"`
	// FounderDecisionNeeded says a human must decide.
	FounderDecisionNeeded bool `json:"founderDecisionNeeded" yaml:"founderDecisionNeeded" jsonschema:"required"`
	// Owner of the follow-up.
	Owner string `json:"owner" yaml:"owner" jsonschema:"required,minLength=1" validate:"required"`
	// BacklogCandidate says it should become a backlog item.
	BacklogCandidate bool `json:"backlogCandidate" yaml:"backlogCandidate" jsonschema:"required"`
	// DurableRecord says the record is kept. Default true; a fixed record
	// must be durable.
	DurableRecord *bool `json:"durableRecord,omitempty" yaml:"durableRecord,omitempty"`
	// Fixed says the permanent fix is done.
	Fixed bool `json:"fixed,omitempty" yaml:"fixed,omitempty"`
	// SourcePhase is the phase of work it came from.
	SourcePhase string `json:"sourcePhase,omitempty" yaml:"sourcePhase,omitempty"`
	// Status is "open" or "fixed-recorded" (default from Fixed).
	Status string `json:"status,omitempty" yaml:"status,omitempty" jsonschema:"enum=open,enum=fixed-recorded" validate:"omitempty,oneof=open fixed-recorded"`
	// Notes are free text.
	Notes string `json:"notes,omitempty" yaml:"notes,omitempty"`
}

// Validate checks the record and returns nil or a *ValidationError.
func (m *Improvement) Validate() error { return Validate(m) }

func (m *Improvement) setDefaults() {
	if m.DurableRecord == nil {
		m.DurableRecord = new(true)
	}
	if m.Status == "" {
		m.Status = "open"
		if m.Fixed {
			m.Status = "fixed-recorded"
		}
	}
}

func (m *Improvement) check(p *problems) {
	if m.Fixed && m.DurableRecord != nil && !*m.DurableRecord {
		p.add("durableRecord", "fixed-needs-durable", "a fixed improvement must be a durable record; set durableRecord true")
	}
	if m.Status == "fixed-recorded" && !m.Fixed {
		p.add("status", "status-mismatch", "status fixed-recorded needs fixed: true")
	}
}
