package run_test

import (
	"fmt"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run"
)

// A profile lane's model and write permission become the CLI's flags.
func ExampleBuildArgv() {
	adapters, err := run.ShippedAdapters()
	if err != nil {
		panic(err)
	}
	lane := contract.ProfileLane{Persona: "writer", Adapter: "codex", Model: "gpt-5.5", CanWrite: true}
	argv, err := run.BuildArgv(adapters[lane.Adapter], run.LaneContext{
		Lane:       "writer",
		Model:      lane.Model,
		Sandbox:    run.SandboxFor(lane),
		Workdir:    "/src/repo",
		PromptFile: "/ledger/lanes/writer/prompt.md",
	})
	if err != nil {
		panic(err)
	}
	for _, a := range argv {
		fmt.Println(a)
	}
	// Output:
	// codex
	// --model
	// gpt-5.5
	// --sandbox
	// workspace-write
	// --ask-for-approval
	// never
	// --cd
	// /src/repo
	// --
	// Read and follow the CoCoder lane prompt at /ledger/lanes/writer/prompt.md
}

// An adapter that cannot honour the lane's sandbox mode is refused.
func ExampleBuildArgv_refused() {
	adapters, _ := run.ShippedAdapters()
	_, err := run.BuildArgv(adapters["opencode"], run.LaneContext{Lane: "lead", Sandbox: "danger-full-access", Workdir: "/w", PromptFile: "/p.md"})
	fmt.Println(err)
	// Output:
	// run.BuildArgv: lane lead, adapter opencode: the adapter cannot run a lane in sandbox mode "danger-full-access" (its sandboxModes: read-only, workspace-write); choose another adapter or set the lane's sandbox
}

// Declarations in a workspace's cocoder/adapters override the home's, which
// override the shipped ones.
func ExampleLoadAdapters() {
	adapters, err := run.LoadAdapters("/home/me/.cocoder/adapters", "/src/repo/cocoder/adapters")
	if err != nil {
		panic(err)
	}
	fmt.Println(adapters["claude"].Command, adapters["demo"].PromptDelivery)
	// Output:
	// claude type
}
