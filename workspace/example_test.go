package workspace_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cocoder/cocoder/workspace"
)

// Paths in the registry are stored with tokens, so that one home can be
// used on machines where the same directories live in different places.
func ExampleTokens() {
	tok := workspace.Tokens{
		Home:     "/home/ada/.cocoder",
		UserHome: "/home/ada",
		Roots:    map[string]string{"dev": "~/dev", "nas": "/mnt/nas"},
	}
	for _, p := range []string{"/home/ada/dev/shop", "/mnt/nas/archive", "/home/ada/notes", "/srv/app"} {
		stored, warning := tok.Tokenize(p)
		fmt.Println(stored, warning != "")
	}
	abs, _ := tok.Expand("${root:dev}/shop")
	fmt.Println(abs)
	_, err := tok.Expand("${root:work}/x")
	fmt.Println(err != nil)
	// Output:
	// ${root:dev}/shop false
	// ${root:nas}/archive false
	// ~/notes false
	// /srv/app true
	// /home/ada/dev/shop
	// true
}

// The priorities reader returns each "## Title [slug]" section of
// PRIORITIES.md with its status and a bounded excerpt.
func ExampleParsePriorities() {
	text := `# Priorities

## Faster search [search-speed]

**Status:** active

## Old importer [importer]

**Status:** done
`
	ps, _ := workspace.ParsePriorities(strings.NewReader(text))
	for _, p := range ps {
		fmt.Printf("%s | %s | %s | line %d\n", p.Slug, p.Title, p.State, p.Line)
	}
	// Output:
	// search-speed | Faster search | active | line 3
	// importer | Old importer | review-required | line 7
}

// Init scaffolds cocoder/ in a repository, then the workspace is found
// from any directory inside it and registered in the home.
func ExampleInit() {
	ctx := context.Background()
	base, _ := os.MkdirTemp("", "cocoder-example-")
	defer os.RemoveAll(base)
	repo := filepath.Join(base, "shop")
	_ = os.MkdirAll(filepath.Join(repo, "src"), 0o755)

	home, err := workspace.OpenHome(ctx, filepath.Join(base, "home"))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := workspace.Init(ctx, repo, workspace.InitOptions{Home: home})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("conflicts:", len(rep.Conflicts))

	ws, _ := workspace.Find(filepath.Join(repo, "src"))
	fmt.Println("root is repo:", ws.Root == repo)
	p, _ := workspace.FindPriority(ws.PrioritiesPath(), "try-cocoder")
	fmt.Println("example priority:", p.Slug, p.State)

	e, err := home.Registry().Add(ctx, repo, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("registered:", e.ID)
	// Output:
	// conflicts: 0
	// root is repo: true
	// example priority: try-cocoder active
	// registered: shop
}
