package prompt_test

import (
	"fmt"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/prompt"
)

// ExampleStartupModeFor shows how a route decides when each lane gets its
// work: the lead at once, teammates when the lead dispatches them, and
// every lane at once on a route that allows autonomous teammates.
func ExampleStartupModeFor() {
	route := &contract.Route{Lead: "lead", Teammates: []string{"writer", "verifier"}}
	for _, lane := range []string{"lead", "writer", "verifier", "scout"} {
		fmt.Printf("%s: %s\n", lane, prompt.StartupModeFor(route, lane, lane))
	}
	route.AllowAutonomousTeammateStart = true
	fmt.Printf("writer on an autonomous route: %s\n", prompt.StartupModeFor(route, "writer", "writer"))
	// Output:
	// lead: lead
	// writer: wait-for-lead-dispatch
	// verifier: wait-for-lead-dispatch
	// scout: autonomous
	// writer on an autonomous route: autonomous
}
