package adapter_test

import (
	"fmt"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/adapter"
)

// A profile lane's model and write permission become the CLI's flags.
func ExampleArgv() {
	adapters, err := adapter.Shipped()
	if err != nil {
		panic(err)
	}
	lane := contract.ProfileLane{Persona: "writer", Adapter: "codex", Model: "gpt-5.5", CanWrite: true}
	argv, err := adapter.Argv(adapters[lane.Adapter], adapter.LaneContext{
		Lane:       "writer",
		Model:      lane.Model,
		Sandbox:    adapter.SandboxFor(lane),
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
func ExampleArgv_refused() {
	adapters, _ := adapter.Shipped()
	_, err := adapter.Argv(adapters["opencode"], adapter.LaneContext{Lane: "lead", Sandbox: "danger-full-access", Workdir: "/w", PromptFile: "/p.md"})
	fmt.Println(err)
	// Output:
	// lane lead, adapter opencode: the adapter cannot run a lane in sandbox mode "danger-full-access" (its sandboxModes: read-only, workspace-write); choose another adapter or set the lane's sandbox
}

// Declarations in a workspace's cocoder/adapters override the home's, which
// override the shipped ones.
func ExampleLoad() {
	adapters, err := adapter.Load("/home/me/.cocoder/adapters", "/src/repo/cocoder/adapters")
	if err != nil {
		panic(err)
	}
	fmt.Println(adapters["claude"].Command, adapters["demo"].PromptDelivery)
	// Output:
	// claude type
}
