package oz_test

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/cocoder/cocoder"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/workspace"
)

// Mount Oz under /cocoder/ in a service's own mux, next to its own routes,
// on its own loopback listener, and call it with the Go client.
func Example() {
	dir, _ := os.MkdirTemp("", "oz-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	home, err := workspace.OpenHome(ctx, dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := oz.New(oz.Config{Home: home, Prefix: "/cocoder"})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/cocoder/", srv.Handler())
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") })

	ln, err := oz.Listen("127.0.0.1:0", false)
	if err != nil {
		fmt.Println(err)
		return
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	defer func() {
		_ = hs.Shutdown(ctx)
		_ = srv.Shutdown(ctx)
	}()

	// The token is the home's generated one (secrets/token.oz).
	store, _ := home.Secrets()
	token, _ := store.Token(oz.TokenName)
	client, _ := oz.NewClient("http://"+ln.Addr().String()+"/cocoder", token, nil)
	if err := client.WaitHealthy(ctx, 0); err != nil {
		fmt.Println(err)
		return
	}
	ws, err := client.Workspaces(ctx)
	fmt.Println(len(ws), err)

	// A typed error survives the HTTP hop.
	_, err = client.Run(ctx, "r-20260101T000000Z-aaaaaaaa")
	fmt.Println(err != nil, cocoder.CodeOf(err))
	// Output:
	// 0 <nil>
	// true not_found
}
