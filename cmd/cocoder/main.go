// Command cocoder is the reference command-line interface of CoCoder: a thin
// layer over the public packages of github.com/cocoder/cocoder.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], osStreams())
	stop()
	os.Exit(code)
}
