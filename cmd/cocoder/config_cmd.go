package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

type configCmd struct {
	Get configGetCmd `cmd:"" help:"Print the merged configuration, or one KEY, with the layer each value comes from. Secret references are shown as written, never resolved."`
	Set configSetCmd `cmd:"" help:"Set KEY to VALUE in the home config.yaml (or, with --workspace, the workspace's cocoder/config.yaml), validating before writing."`
}

// findWorkspace returns the workspace containing dir (the value of
// --dir), or nil when there is none and required is false. A dir that does
// not exist is an error either way: it is a typo, not "no workspace".
func findWorkspace(dir string, required bool) (*workspace.Workspace, error) {
	if err := mustExist("--dir", dir); err != nil {
		return nil, err
	}
	ws, err := findIn(dir)
	if errs.CodeOf(err) == errs.NotFound && !required {
		return nil, nil
	}
	return ws, err
}

type configGetCmd struct {
	Key string `arg:"" optional:"" help:"Dotted key, e.g. oz.port or secrets (default: everything)."`
	Dir string `name:"dir" default:"." placeholder:"DIR" help:"Directory whose workspace config is layered on top, when it is inside a workspace."`
}

func (c *configGetCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	ws, err := findWorkspace(c.Dir, false)
	if err != nil {
		return err
	}
	rc, err := workspace.LoadConfig(home, ws)
	if err != nil {
		return err
	}
	v, sources, err := rc.Get(c.Key)
	if err != nil {
		return err
	}
	if g.JSON {
		out := map[string]any{"value": v, "sources": sources}
		if c.Key == "" {
			out["layers"] = rc.Layers
		} else {
			out["key"] = c.Key
		}
		return writeJSON(s.out, out)
	}
	if _, isMap := v.(map[string]any); !isMap {
		fmt.Fprintf(s.out, "%s\n", display(v))
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	for _, k := range slices.Sorted(maps.Keys(sources)) {
		leaf, _, err := rc.Get(k)
		if err != nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t(%s)\n", k, display(leaf), sources[k])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if c.Key == "" {
		for _, l := range rc.Layers[1:] {
			state := "not present"
			if l.Present {
				state = "read"
			}
			fmt.Fprintf(s.out, "# %s layer: %s (%s)\n", l.Name, l.Path, state)
		}
	}
	return nil
}

// display renders a config value on one line: strings as they are, other
// values as JSON.
func display(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

type configSetCmd struct {
	Key       string `arg:"" help:"Dotted key, e.g. oz.port, roots.dev or secrets.openai."`
	Value     string `arg:"" help:"true/false, an integer, null (removes the key), [a, b] or {k: v}, or text. Secrets take a reference such as ${env:OPENAI_API_KEY}, never a value."`
	Workspace bool   `help:"Write the workspace's cocoder/config.yaml instead of the home's config.yaml."`
	Dir       string `name:"dir" default:"." placeholder:"DIR" help:"With --workspace: a directory inside the workspace."`
}

func (c *configSetCmd) Run(ctx context.Context, g *globals, s *streams) error {
	home, err := g.openHome(ctx)
	if err != nil {
		return err
	}
	path, layer := home.ConfigPath(), workspace.LayerHome
	if c.Workspace {
		ws, err := findWorkspace(c.Dir, true)
		if err != nil {
			return err
		}
		path, layer = ws.ConfigPath(), workspace.LayerWorkspace
	}
	if err := workspace.SetConfig(ctx, path, c.Key, c.Value); err != nil {
		return err
	}
	if g.JSON {
		return writeJSON(s.out, map[string]any{"ok": true, "key": c.Key, "file": path, "layer": layer})
	}
	fmt.Fprintf(s.out, "Set %s in %s (%s layer)\n", c.Key, path, layer)
	return nil
}
