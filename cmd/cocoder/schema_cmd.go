package main

import "errors"

type schemaCmd struct {
	Name string `arg:"" optional:"" help:"Contract name (see --list)."`
	List bool   `help:"List the contract names."`
}

func (c *schemaCmd) Run(g *globals, s *streams) error {
	return errors.New("schema: not built yet")
}
