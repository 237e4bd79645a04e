package main

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// schemaCmd is 'cocoder schema': prints or lists the embedded schemas.
type schemaCmd struct {
	Name string `arg:"" optional:"" help:"Contract name, e.g. route (see --list)."`
	List bool   `help:"List the contract names."`
}

// schemaEntry is one line of 'cocoder schema --list --json'.
type schemaEntry struct {
	Name        string `json:"name"`        // contract kind
	ID          string `json:"id"`          // the schema's $id
	Description string `json:"description"` // the schema's description
}

// Run prints the schema named by c.Name, or the list of names.
func (c *schemaCmd) Run(g *globals, s *streams) error {
	if c.List || c.Name == "" {
		return c.list(g, s)
	}
	k := contract.Kind(c.Name)
	if !slices.Contains(contract.Kinds(), k) {
		return errs.E(errs.Invalid, "schema", "unknown contract %q; run 'cocoder schema --list' to see the names", c.Name)
	}
	data, err := contract.Schema(k)
	if err != nil {
		return err
	}
	_, err = s.out.Write(data)
	return err
}

func (c *schemaCmd) list(g *globals, s *streams) error {
	var entries []schemaEntry
	for _, k := range contract.Kinds() {
		data, err := contract.Schema(k)
		if err != nil {
			return err
		}
		var head struct {
			Description string `json:"description"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return errs.Wrap(errs.Internal, "schema", err, "the %s schema is not valid JSON", k)
		}
		entries = append(entries, schemaEntry{Name: string(k), ID: contract.SchemaID(k), Description: head.Description})
	}
	if g.JSON {
		return writeJSON(s.out, entries)
	}
	for _, e := range entries {
		if _, err := fmt.Fprintf(s.out, "%-16s %s\n", e.Name, e.Description); err != nil {
			return err
		}
	}
	return nil
}
