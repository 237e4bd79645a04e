// Command embed-oz is a small HTTP service that mounts Oz, CoCoder's
// control plane, under /cocoder/ in its own mux, next to its own routes,
// on its own loopback listener, and shuts both down gracefully on
// SIGINT or SIGTERM.
//
//	go run ./examples/embed-oz -home /tmp/oz-home -addr 127.0.0.1:8080
//
// Its own route answers GET /hello; Oz answers under /cocoder/ (the API at
// /cocoder/api/v1/, with the token of the home's secrets/token.oz).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cocoder/cocoder"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/workspace"
)

func main() {
	// Lanes that fall back to the demo agent start this program again as
	// "embed-oz agent demo ...".
	if code, ok := cocoder.AgentMain(context.Background(), os.Args[1:]); ok {
		os.Exit(code)
	}
	home := flag.String("home", filepath.Join(os.TempDir(), "embed-oz-home"), "the CoCoder home Oz serves")
	addr := flag.String("addr", "127.0.0.1:8080", "loopback address to listen on (port 0 picks a free one)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *home, *addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "embed-oz:", err)
		os.Exit(1)
	}
}

// serve runs the service until ctx ends, then shuts it down: the service's
// own server first (in-flight requests finish), then Oz (its event
// streams end, its run supervision stops).
func serve(ctx context.Context, homeDir, addr string, out io.Writer) error {
	home, err := workspace.OpenHome(ctx, homeDir)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ozs, err := oz.New(oz.Config{
		Home:   home,
		Prefix: "/cocoder",
		Logger: logger,
		Run:    run.Options{HostKind: "exec"},
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/cocoder/", ozs.Handler())
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from the embedding service")
	})

	// Oz refuses connections that are not loopback; listen on loopback.
	ln, err := oz.Listen(addr, false)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: oz.DefaultReadHeaderTimeout,
		ReadTimeout:       oz.DefaultReadTimeout,
		IdleTimeout:       oz.DefaultIdleTimeout,
		MaxHeaderBytes:    oz.MaxHeaderBytes,
	}
	fmt.Fprintf(out, "listening on http://%s (Oz under /cocoder/)\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		_ = ozs.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Oz first: its event streams never end on their own, so the
	// service's Shutdown would wait for them.
	ozErr := ozs.Shutdown(sctx)
	err = srv.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	if err == nil {
		err = ozErr
	}
	fmt.Fprintln(out, "stopped")
	return err
}
