// Package oztest starts an Oz server for tests: on 127.0.0.1:0, with a
// fresh or given home, its health waited for, and shut down by t.Cleanup.
// Embedders use it to test code that talks to Oz.
package oztest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/secrets"
	"github.com/cocoder/cocoder/workspace"
)

// Server is a running test server.
type Server struct {
	// Server is the Oz server.
	*oz.Server
	// URL is its base URL, e.g. http://127.0.0.1:41234 (with the Config's
	// prefix).
	URL string
	// Addr is the listener's address.
	Addr string
	// Token is the API token.
	Token secrets.Value
	// Client is a Client authenticated with Token.
	Client *oz.Client
	// Home is the server's home.
	Home *workspace.Home
}

// Start starts an Oz server with cfg on a fresh loopback port. A nil
// cfg.Home gets a fresh home in t.TempDir(). The server's health is
// waited for before Start returns; t.Cleanup shuts it down.
func Start(t testing.TB, cfg oz.Config) *Server {
	t.Helper()
	if cfg.Home == nil {
		h, err := workspace.OpenHome(context.Background(), t.TempDir())
		if err != nil {
			t.Fatalf("oztest: opening a home: %v", err)
		}
		cfg.Home = h
	}
	srv, err := oz.New(cfg)
	if err != nil {
		t.Fatalf("oztest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("oztest: listening: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; err != nil {
			t.Errorf("oztest: serving: %v", err)
		}
	})
	tok := cfg.Token
	if tok.IsZero() {
		store, err := cfg.Home.Secrets()
		if err != nil {
			t.Fatalf("oztest: %v", err)
		}
		if tok, err = store.Token(oz.TokenName); err != nil {
			t.Fatalf("oztest: %v", err)
		}
	}
	url := "http://" + ln.Addr().String() + cfg.Prefix
	c, err := oz.NewClient(url, tok, nil)
	if err != nil {
		t.Fatalf("oztest: %v", err)
	}
	if err := c.WaitHealthy(context.Background(), 10*time.Second); err != nil {
		t.Fatalf("oztest: the server did not become healthy: %v", err)
	}
	return &Server{Server: srv, URL: url, Addr: ln.Addr().String(), Token: tok, Client: c, Home: cfg.Home}
}
