package main

import "errors"

type validateCmd struct {
	Kind  string   `help:"Force the contract kind instead of inferring it from the folder."`
	Paths []string `arg:"" help:"Contract files or directories."`
}

func (c *validateCmd) Run(g *globals, s *streams) error {
	return errors.New("validate: not built yet")
}
