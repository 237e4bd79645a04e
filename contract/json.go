package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// JSON documents are read with encoding/json's tokenizer and turned into
// the same node tree the YAML parser produces, so that one strict decoder
// serves both syntaxes. Reading JSON as YAML would mostly work, but YAML
// rejects some valid JSON (the "\/" escape) and its error lines are less
// precise.

// maxJSONDepth bounds nesting in a JSON document.
const maxJSONDepth = 200

// jsonReader turns JSON tokens into yaml nodes with line numbers.
type jsonReader struct {
	dec      *json.Decoder
	newlines []int // offsets of '\n' in the input
}

// parseJSONNode parses a JSON document into a node tree.
func parseJSONNode(data []byte) (*yaml.Node, *Problem) {
	r := &jsonReader{dec: json.NewDecoder(bytes.NewReader(data))}
	r.dec.UseNumber()
	for i, b := range data {
		if b == '\n' {
			r.newlines = append(r.newlines, i)
		}
	}
	n, err := r.value(0)
	if err == nil {
		if _, extra := r.dec.Token(); !errors.Is(extra, io.EOF) {
			err = fmt.Errorf("unexpected data after the top-level value")
		}
	}
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			if len(bytes.TrimSpace(data)) == 0 {
				return nil, &Problem{Rule: "syntax", Message: "the file is empty; write the contract's fields as a JSON object"}
			}
			err = errors.New("unexpected end of input (an unclosed brace, bracket or string?)")
		}
		line := r.line()
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			line = r.lineAt(int(se.Offset))
		}
		return nil, &Problem{Rule: "syntax", Message: "cannot parse JSON: " + err.Error(), Line: line}
	}
	return n, nil
}

// lineAt returns the 1-based line of a byte offset.
func (r *jsonReader) lineAt(off int) int {
	return 1 + sort.SearchInts(r.newlines, off)
}

// line is the line of the token just read.
func (r *jsonReader) line() int {
	return r.lineAt(max(int(r.dec.InputOffset())-1, 0))
}

func (r *jsonReader) value(depth int) (*yaml.Node, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxJSONDepth)
	}
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	line := r.line()
	switch t := tok.(type) {
	case json.Delim:
		kind, end := yaml.MappingNode, json.Delim('}')
		if t == '[' {
			kind, end = yaml.SequenceNode, ']'
		}
		n := &yaml.Node{Kind: kind, Line: line, Style: yaml.FlowStyle}
		for r.dec.More() {
			if kind == yaml.MappingNode {
				key, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, key)
			}
			v, err := r.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		closing, err := r.dec.Token()
		if err != nil {
			return nil, err
		}
		if closing != end {
			return nil, fmt.Errorf("expected %q", end)
		}
		return n, nil
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t, Line: line, Style: yaml.DoubleQuotedStyle}, nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(t), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(t), Line: line}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t), Line: line}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null", Line: line}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}
