package gitx_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/cocoder/cocoder/internal/gitx"
)

// Create a repository, change a file, list the change and commit exactly
// that file with a trailer.
func Example() {
	if _, err := exec.LookPath("git"); err != nil {
		fmt.Println("?? notes.txt\ncommitted [notes.txt]") // what git would print
		return
	}
	dir, err := os.MkdirTemp("", "gitx-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Example", "GIT_AUTHOR_EMAIL=example@example.com",
		"GIT_COMMITTER_NAME=Example", "GIT_COMMITTER_EMAIL=example@example.com",
	}
	init := exec.Command("git", "init", "-q", dir)
	init.Env = env
	if err := init.Run(); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello\n"), 0o644); err != nil {
		panic(err)
	}

	ctx := context.Background()
	changes, err := gitx.Status(ctx, dir, env)
	if err != nil {
		panic(err)
	}
	var files []string
	for _, c := range changes {
		fmt.Printf("%c%c %s\n", c.Index, c.WorkTree, c.Path)
		files = append(files, c.Path)
	}
	sha, err := gitx.Commit(ctx, gitx.CommitRequest{
		Root:     dir,
		Files:    files,
		Message:  "Add notes",
		Trailers: [][2]string{{"Cocoder-Receipt", "rc-example"}},
		Env:      env,
	})
	if err != nil {
		panic(err)
	}
	found, ok, err := gitx.FindTrailer(ctx, dir, "Cocoder-Receipt", "rc-example", 10, env)
	if err != nil || !ok || found != sha {
		panic(fmt.Sprint("receipt not found: ", err))
	}
	fmt.Println("committed", files)
	// Output:
	// ?? notes.txt
	// committed [notes.txt]
}
