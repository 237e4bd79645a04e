package cocoder_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cocoder/cocoder"
	"github.com/cocoder/cocoder/workspace"
)

// Errors from every CoCoder package carry a code that callers can test with
// errors.Is or read with CodeOf.
func ExampleCodeOf() {
	err := fmt.Errorf("loading route: %w", &cocoder.Error{
		Code: cocoder.NotFound, Op: "contract.Load", Message: "routes/default.yaml does not exist",
	})
	fmt.Println(cocoder.CodeOf(err))
	fmt.Println(errors.Is(err, cocoder.ErrNotFound))
	// Output:
	// not_found
	// true
}

// Validate checks a workspace's contracts the way `cocoder validate` does.
func ExampleValidate() {
	rep, err := cocoder.Validate([]string{"examples/workspace/cocoder"}, "")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("ok:", rep.OK)
	fmt.Println("files:", len(rep.Files))
	// Output:
	// ok: true
	// files: 13
}

// Open a home, scaffold a workspace and plan a run: the library form of
// `cocoder init` and `cocoder run plan`.
func ExampleOpen() {
	tmp, err := os.MkdirTemp("", "cocoder-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(tmp)

	c, err := cocoder.Open(context.Background(), cocoder.Config{Home: filepath.Join(tmp, "home")})
	if err != nil {
		fmt.Println(err)
		return
	}
	repo := filepath.Join(tmp, "repo")
	if err := os.Mkdir(repo, 0o755); err != nil {
		fmt.Println(err)
		return
	}
	rep, err := c.Init(context.Background(), repo, workspace.InitOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("conflicts:", len(rep.Conflicts))
	ws, err := c.Workspace(filepath.Join(repo, "cocoder"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("workspace root is the repo:", ws.Root == repo)
	// Output:
	// conflicts: 0
	// workspace root is the repo: true
}

// A program that embeds CoCoder calls AgentMain first in main: lanes that
// fall back to the demo agent start the program itself as "agent demo
// ...". Any other invocation is left to the program.
func ExampleAgentMain() {
	ctx := context.Background()
	args := []string{"serve", "--port", "8080"} // normally os.Args[1:]
	if code, ok := cocoder.AgentMain(ctx, args); ok {
		os.Exit(code)
	}
	fmt.Println("not an agent invocation: the program goes on")
	// Output:
	// not an agent invocation: the program goes on
}
