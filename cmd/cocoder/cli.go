package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/textx"
)

// Exit codes. They are part of the CLI's contract and documented in the
// README.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitInvalid = 3
	// exitIncomplete: a run that was waited for ended without completing
	// (blocked, needs_founder, failed or aborted).
	exitIncomplete = 4
)

// streams are the process resources a command may use. Commands never touch
// os.Stdout, os.Getenv or os.Geteuid directly, so tests can run them
// in-process.
type streams struct {
	in     io.Reader
	out    io.Writer
	err    io.Writer
	getenv func(string) string
	// euid returns the effective user id; nil counts as not root.
	euid func() int
}

// osStreams are the streams of the process itself.
func osStreams() streams {
	return streams{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv, euid: os.Geteuid}
}

// globals are the flags every command accepts.
type globals struct {
	Home  string `name:"home" env:"COCODER_HOME" placeholder:"DIR" help:"CoCoder home directory (default ~/.cocoder)."`
	JSON  bool   `name:"json" help:"Print machine-readable JSON instead of text."`
	Debug bool   `name:"debug" env:"COCODER_DEBUG" help:"On failure, also name the operation behind each part of the error."`
}

// homeDir returns the absolute path of the CoCoder home: --home or
// $COCODER_HOME when set, else ~/.cocoder. It does not create it.
func (g *globals) homeDir() (string, error) {
	if g.Home != "" {
		return filepath.Abs(g.Home)
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find your home directory (%v); pass --home DIR or set COCODER_HOME", err)
	}
	return filepath.Join(h, ".cocoder"), nil
}

// cli is the command tree. Each command is a struct in its own file with a
// Run method.
type cli struct {
	globals

	Version  versionCmd  `cmd:"" help:"Print the version of cocoder."`
	Schema   schemaCmd   `cmd:"" help:"Print the JSON Schema of a contract."`
	Validate validateCmd `cmd:"" help:"Validate contract files and directories."`
	Secrets  secretsCmd  `cmd:"" help:"Manage the local secret store (values are never printed)."`

	Init      initCmd      `cmd:"" help:"Scaffold cocoder/ in a repository (idempotent; changed files are never overwritten)."`
	Workspace workspaceCmd `cmd:"" help:"Register, list, show and remove workspaces."`
	Config    configCmd    `cmd:"" help:"Show and set the layered configuration."`
	Agent     agentCmd     `cmd:"" hidden:"" help:"Built-in agents that lanes run (the demo agent)."`
	Run       runCmd       `cmd:"" help:"Plan, start, watch and stop runs."`
	Oz        ozCmd        `cmd:"" help:"Run and reach the Oz daemon, the home's loopback control plane and dashboard."`
	Adapters  adaptersCmd  `cmd:"" help:"Show whether each agent CLI can run lanes here (installed, signed in, trusted) and how to fix what is missing."`
}

// exitError carries an exit code for a failure whose explanation the command
// has already printed (for example an invalid contract's problem list).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run parses args, runs the selected command and returns the process exit
// code. It never calls os.Exit, so tests drive it directly.
func run(ctx context.Context, args []string, s streams) (code int) {
	var c cli
	exited := false
	parser, err := kong.New(&c,
		kong.Name("cocoder"),
		kong.Description("Run AI coding agents in lanes under explicit contracts."),
		kong.Writers(s.out, s.err),
		kong.Exit(func(c int) { exited = true; code = c }),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Bind(&c.globals, &s),
	)
	if err != nil {
		fmt.Fprintf(s.err, "cocoder: %v\n", err)
		return exitFailure
	}
	kctx, err := parser.Parse(args)
	if exited {
		return code
	}
	if err != nil {
		fmt.Fprintf(s.err, "cocoder: %v (see `%s`)\n", err, helpCommand(err))
		return exitUsage
	}
	if err := kctx.Run(); err != nil {
		if exited {
			return code
		}
		return report(s.err, err, c.Debug)
	}
	if exited {
		return code
	}
	return exitOK
}

// helpCommand returns the help command of the deepest command a parse
// error got to, such as "cocoder run start --help".
func helpCommand(err error) string {
	words := []string{"cocoder"}
	if pe, ok := errors.AsType[*kong.ParseError](err); ok && pe.Context != nil {
		for _, p := range pe.Context.Path {
			if p.Command != nil {
				words = append(words, p.Command.Name)
			}
		}
	}
	return strings.Join(append(words, "--help"), " ")
}

// report prints err and maps it to an exit code: 3 for invalid input, 1 for
// everything else. The message is the one written for people; with debug
// each part of it is preceded by the operation that failed.
func report(w io.Writer, err error, debug bool) int {
	if ee, ok := errors.AsType[*exitError](err); ok {
		return ee.code
	}
	if pr := preflightReport(err); pr != "" && !debug {
		fmt.Fprintf(w, "cocoder: %s\n", textx.Printable(pr))
	} else if debug {
		fmt.Fprintf(w, "cocoder: %+v\n", err)
	} else {
		fmt.Fprintf(w, "cocoder: %s\n", textx.Printable(err.Error()))
	}
	if errs.CodeOf(err) == errs.Invalid {
		return exitInvalid
	}
	return exitFailure
}
