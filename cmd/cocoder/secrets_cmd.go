package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/secrets"
	"github.com/cocoder/cocoder/workspace"
)

// secretsCmd groups the secret store commands. None of them prints a value.
type secretsCmd struct {
	Set  secretsSetCmd  `cmd:"" help:"Store a secret. The value comes from --from-stdin, --from-file, or a hidden prompt on a terminal; one trailing newline is removed."`
	List secretsListCmd `cmd:"" help:"List stored secrets: names, sizes and times, never values."`
	Rm   secretsRmCmd   `cmd:"" help:"Remove a stored secret."`

	Allow    secretsAllowCmd    `cmd:"" help:"Let the workspace's own cocoder/config.yaml send these references ($${secret:NAME}, $${env:NAME}, $${file:PATH}) to its lanes."`
	Disallow secretsDisallowCmd `cmd:"" help:"Take back references granted with secrets allow."`
	Allowed  secretsAllowedCmd  `cmd:"" help:"List what the workspace's own configuration may send to its lanes."`
}

// openSecretStore opens the home (creating it, and refusing one a git work
// tree would commit) and its secret store, the one every secrets command uses.
func openSecretStore(ctx context.Context, g *globals) (*secrets.Store, error) {
	home, err := g.openHome(ctx)
	if err != nil {
		return nil, err
	}
	return home.Secrets()
}

type secretsSetCmd struct {
	Name      string `arg:"" help:"Secret name (letters, digits, '_', '-', '.'); configuration refers to it as $${secret:NAME}."`
	FromStdin bool   `name:"from-stdin" xor:"source" help:"Read the value from standard input. One trailing newline is removed."`
	FromFile  string `name:"from-file" xor:"source" type:"path" placeholder:"FILE" help:"Read the value from FILE. One trailing newline is removed."`
}

func (c *secretsSetCmd) Run(ctx context.Context, g *globals, s *streams) error {
	if err := secrets.ValidName(c.Name); err != nil {
		return err
	}
	store, err := openSecretStore(ctx, g)
	if err != nil {
		return err
	}
	value, err := c.value(ctx, s)
	if err != nil {
		return err
	}
	if err := store.Set(c.Name, value); err != nil {
		return err
	}
	ref := secrets.Ref{Kind: secrets.KindSecret, Target: c.Name}.String()
	if g.JSON {
		return writeJSON(s.out, map[string]any{"name": c.Name, "size": len(value), "path": store.Path(c.Name), "ref": ref})
	}
	_, err = fmt.Fprintf(s.out, "stored secret %s (%d bytes) in %s\nrefer to it as %s\n", c.Name, len(value), store.Path(c.Name), ref)
	return err
}

// value reads the secret from the chosen source.
func (c *secretsSetCmd) value(ctx context.Context, s *streams) ([]byte, error) {
	const op = "secrets set"
	switch {
	case c.FromFile != "":
		// Non-blocking: a FIFO (such as <(pass show x)) opens at once, and
		// its read ends with ctx, so nothing waits for a writer forever.
		f, err := os.OpenFile(c.FromFile, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errs.E(errs.NotFound, op, "--from-file %s: no such file", c.FromFile)
		}
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, op, err, "--from-file %s", c.FromFile)
		}
		defer func() { _ = f.Close() }()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return nil, errs.E(errs.Invalid, op, "--from-file %s is a directory; give the file that holds the value", c.FromFile)
		}
		stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
		defer stop()
		b, err := secrets.ReadValue(f)
		if ctx.Err() != nil {
			return nil, errs.Wrap(errs.Internal, op, ctx.Err(), "--from-file %s: interrupted while waiting for the value", c.FromFile)
		}
		return b, err
	case c.FromStdin:
		return secrets.ReadValue(s.in)
	}
	f, ok := s.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, errs.E(errs.Invalid, op, "no value given and standard input is not a terminal; pass --from-stdin to read the value from standard input, or --from-file FILE")
	}
	if _, err := fmt.Fprintf(s.err, "Value for secret %s (input hidden): ", c.Name); err != nil {
		return nil, err
	}
	b, err := term.ReadPassword(int(f.Fd()))
	_, _ = fmt.Fprintln(s.err)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "cannot read the value from the terminal")
	}
	return b, nil
}

type secretsListCmd struct{}

func (c *secretsListCmd) Run(ctx context.Context, g *globals, s *streams) error {
	store, err := openSecretStore(ctx, g)
	if err != nil {
		return err
	}
	infos, err := store.List()
	if err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, map[string]any{"dir": store.Dir(), "secrets": infos})
	}
	if len(infos) == 0 {
		_, err := fmt.Fprintf(s.out, "no secrets in %s; add one with: cocoder secrets set NAME --from-stdin\n", store.Dir())
		return err
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSIZE\tMODIFIED\tPROBLEM")
	for _, i := range infos {
		problem := i.Problem
		if problem == "" {
			problem = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", i.Name, i.Size, i.ModTime.Local().Format("2006-01-02 15:04:05"), problem)
	}
	return tw.Flush()
}

type secretsRmCmd struct {
	Name string `arg:"" help:"Name of the secret to remove."`
}

func (c *secretsRmCmd) Run(ctx context.Context, g *globals, s *streams) error {
	store, err := openSecretStore(ctx, g)
	if err != nil {
		return err
	}
	if err := store.Remove(c.Name); err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, map[string]any{"name": c.Name, "removed": true})
	}
	_, err = fmt.Fprintf(s.out, "removed secret %s from %s\n", c.Name, store.Dir())
	return err
}

// grantsOf opens the home and finds the workspace a grants command is for.
func grantsOf(ctx context.Context, g *globals, f wsFlag) (*workspace.Home, *workspace.Workspace, error) {
	ws, err := f.find()
	if err != nil {
		return nil, nil, err
	}
	home, err := g.openHome(ctx)
	if err != nil {
		return nil, nil, err
	}
	return home, ws, nil
}

type secretsAllowCmd struct {
	wsFlag
	Refs []string `arg:"" name:"ref" help:"References to allow, quoted: '$${secret:NAME}', '$${env:NAME}' or '$${file:PATH}'."`
}

func (c *secretsAllowCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, ws, err := grantsOf(ctx, g, c.wsFlag)
	if err != nil {
		return err
	}
	if err := home.Grant(ctx, ws.Root, c.Refs...); err != nil {
		return err
	}
	return printGrants(g, s, home, ws)
}

type secretsDisallowCmd struct {
	wsFlag
	Refs []string `arg:"" name:"ref" help:"References to take back, as given to secrets allow."`
}

func (c *secretsDisallowCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, ws, err := grantsOf(ctx, g, c.wsFlag)
	if err != nil {
		return err
	}
	if err := home.Revoke(ctx, ws.Root, c.Refs...); err != nil {
		return err
	}
	return printGrants(g, s, home, ws)
}

type secretsAllowedCmd struct {
	wsFlag
}

func (c *secretsAllowedCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, ws, err := grantsOf(ctx, g, c.wsFlag)
	if err != nil {
		return err
	}
	return printGrants(g, s, home, ws)
}

// printGrants shows what ws's own configuration may send to its lanes.
func printGrants(g *globals, s *streams, home *workspace.Home, ws *workspace.Workspace) error {
	gr, err := home.Grants(ws.Root)
	if err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, map[string]any{"workspace": ws.Root, "grants": gr, "file": home.GrantsPath()})
	}
	var refs []string
	for _, n := range gr.Secrets {
		refs = append(refs, secrets.Ref{Kind: secrets.KindSecret, Target: n}.String())
	}
	for _, n := range gr.Env {
		refs = append(refs, secrets.Ref{Kind: secrets.KindEnv, Target: n}.String())
	}
	for _, n := range gr.Files {
		refs = append(refs, secrets.Ref{Kind: secrets.KindFile, Target: n}.String())
	}
	slices.Sort(refs)
	if len(refs) == 0 {
		_, err := fmt.Fprintf(s.out, "%s/cocoder/config.yaml may send no secret, variable or file of this machine to its lanes\n", ws.Root)
		return err
	}
	fmt.Fprintf(s.out, "%s/cocoder/config.yaml may send to its lanes:\n", ws.Root)
	for _, r := range refs {
		fmt.Fprintf(s.out, "  %s\n", r)
	}
	return nil
}
