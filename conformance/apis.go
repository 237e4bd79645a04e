package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// helperTools are tool calls that only prepare another (Claude Code's
// tool search); they do not count as a step.
var helperTools = map[string]bool{"ToolSearch": true}

// anthropic answers a Messages request with a stream.
func (m *Model) anthropic(w http.ResponseWriter, body []byte, rec *Request) {
	var req struct {
		Model    string `json:"model"`
		Stream   bool   `json:"stream"`
		Messages []struct {
			Role    string `json:"role"`
			Content any    `json:"content"`
		} `json:"messages"`
		Tools []struct {
			Name        string `json:"name"`
			InputSchema any    `json:"input_schema"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"type":"error","error":{"type":"invalid_request_error","message":"bad JSON"}}`, http.StatusBadRequest)
		return
	}
	rec.Model = req.Model
	var c convo
	for _, t := range req.Tools {
		c.tools = append(c.tools, tool{name: t.Name, params: props(t.InputSchema)})
	}
	for _, msg := range req.Messages {
		parts, _ := msg.Content.([]any)
		if s, ok := msg.Content.(string); ok && msg.Role == "user" {
			c.firstUser += s + "\n"
		}
		for _, p := range parts {
			pm, _ := p.(map[string]any)
			switch pm["type"] {
			case "text":
				if msg.Role == "user" {
					c.firstUser += text([]any{pm})
				}
			case "tool_use":
				if name, _ := pm["name"].(string); !helperTools[name] {
					c.toolCalls++
				}
			case "tool_result":
				c.toolResults = append(c.toolResults, text(pm["content"]))
			}
		}
	}
	k, final := m.decide(c, rec)
	id := m.nextID("msg")
	if !req.Stream {
		content := []any{map[string]any{"type": "text", "text": final}}
		stop := "end_turn"
		if k != nil {
			content = []any{map[string]any{"type": "tool_use", "id": m.nextID("toolu"), "name": k.name, "input": k.args}}
			stop = "tool_use"
		}
		writeJSON(w, map[string]any{"id": id, "type": "message", "role": "assistant", "model": req.Model, "content": content,
			"stop_reason": stop, "stop_sequence": nil, "usage": map[string]any{"input_tokens": 10, "output_tokens": 10}})
		return
	}
	s := newSSE(w)
	s.event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": id, "type": "message", "role": "assistant", "model": req.Model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": map[string]any{"input_tokens": 10, "output_tokens": 1}}})
	stop := "end_turn"
	if k != nil {
		stop = "tool_use"
		s.event("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "tool_use", "id": m.nextID("toolu"), "name": k.name, "input": map[string]any{}}})
		s.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "input_json_delta", "partial_json": mustJSON(k.args)}})
	} else {
		s.event("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "text", "text": ""}})
		s.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": final}})
	}
	s.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	s.event("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": 10}})
	s.event("message_stop", map[string]any{"type": "message_stop"})
	s.flush()
}

// openai answers a Responses request with a stream.
func (m *Model) openai(w http.ResponseWriter, body []byte, rec *Request) {
	var req struct {
		Model string           `json:"model"`
		Input []map[string]any `json:"input"`
		Tools []map[string]any `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"error":{"message":"bad JSON"}}`, http.StatusBadRequest)
		return
	}
	rec.Model = req.Model
	var c convo
	var add func(t map[string]any, ns string)
	add = func(t map[string]any, ns string) {
		name, _ := t["name"].(string)
		switch t["type"] {
		case "namespace":
			inner, _ := t["tools"].([]any)
			for _, x := range inner {
				if xm, ok := x.(map[string]any); ok {
					add(xm, name)
				}
			}
		case "function":
			c.tools = append(c.tools, tool{name: name, namespace: ns, params: props(t["parameters"])})
		default:
			if name != "" {
				c.tools = append(c.tools, tool{name: name, namespace: ns})
			}
		}
	}
	for _, t := range req.Tools {
		add(t, "")
	}
	for _, item := range req.Input {
		switch item["type"] {
		case "message":
			if item["role"] == "user" {
				c.firstUser += text(item["content"])
			}
		case "function_call", "custom_tool_call", "local_shell_call":
			c.toolCalls++
		case "function_call_output", "custom_tool_call_output":
			out := item["output"]
			if om, ok := out.(map[string]any); ok {
				out = om["content"]
			}
			c.toolResults = append(c.toolResults, text(out))
		}
	}
	k, final := m.decide(c, rec)
	respID := m.nextID("resp")
	s := newSSE(w)
	s.event("response.created", map[string]any{"type": "response.created", "response": map[string]any{"id": respID, "status": "in_progress"}})
	var item map[string]any
	if k != nil {
		item = map[string]any{"type": "function_call", "id": m.nextID("fc"), "call_id": m.nextID("call"), "name": k.name,
			"arguments": mustJSON(k.args), "status": "completed"}
		if k.namespace != "" {
			item["namespace"] = k.namespace
		}
	} else {
		msgID := m.nextID("msg")
		s.event("response.output_text.delta", map[string]any{"type": "response.output_text.delta", "item_id": msgID, "output_index": 0, "content_index": 0, "delta": final})
		item = map[string]any{"type": "message", "id": msgID, "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": final, "annotations": []any{}}}}
	}
	s.event("response.output_item.done", map[string]any{"type": "response.output_item.done", "output_index": 0, "item": item})
	s.event("response.completed", map[string]any{"type": "response.completed", "response": map[string]any{
		"id": respID, "status": "completed", "output": []any{item},
		"usage": map[string]any{"input_tokens": 10, "input_tokens_details": map[string]any{"cached_tokens": 0},
			"output_tokens": 10, "output_tokens_details": map[string]any{"reasoning_tokens": 0}, "total_tokens": 20}}})
	s.flush()
}

// gemini answers generateContent and streamGenerateContent.
func (m *Model) gemini(w http.ResponseWriter, body []byte, method string, rec *Request) {
	if method == "countTokens" {
		writeJSON(w, map[string]any{"totalTokens": 100})
		return
	}
	var req struct {
		Contents []struct {
			Role  string           `json:"role"`
			Parts []map[string]any `json:"parts"`
		} `json:"contents"`
		GenerationConfig struct {
			ResponseMimeType   string `json:"responseMimeType"`
			ResponseJSONSchema any    `json:"responseJsonSchema"`
			ResponseSchema     any    `json:"responseSchema"`
		} `json:"generationConfig"`
		Tools []struct {
			FunctionDeclarations []struct {
				Name                 string `json:"name"`
				Parameters           any    `json:"parameters"`
				ParametersJSONSchema any    `json:"parametersJsonSchema"`
			} `json:"functionDeclarations"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"error":{"code":400,"message":"bad JSON"}}`, http.StatusBadRequest)
		return
	}
	var c convo
	for _, t := range req.Tools {
		for _, f := range t.FunctionDeclarations {
			p := props(f.Parameters)
			if len(p) == 0 {
				p = props(f.ParametersJSONSchema)
			}
			c.tools = append(c.tools, tool{name: f.Name, params: p})
		}
	}
	for _, ct := range req.Contents {
		for _, p := range ct.Parts {
			if t, ok := p["text"].(string); ok && ct.Role == "user" {
				c.firstUser += t + "\n"
			}
			if _, ok := p["functionCall"]; ok {
				c.toolCalls++
			}
			if fr, ok := p["functionResponse"].(map[string]any); ok {
				c.toolResults = append(c.toolResults, mustJSON(fr["response"]))
			}
		}
	}
	k, final := m.decide(c, rec)
	if gc := req.GenerationConfig; k == nil && gc.ResponseMimeType == "application/json" {
		// A side request that wants structured output (Gemini CLI's model
		// router): answer with the smallest value of its schema.
		schema := gc.ResponseJSONSchema
		if schema == nil {
			schema = gc.ResponseSchema
		}
		final = mustJSON(sample(schema))
	}
	part := map[string]any{"text": final}
	if k != nil {
		part = map[string]any{"functionCall": map[string]any{"name": k.name, "args": k.args}}
	}
	chunk := map[string]any{
		"candidates":    []any{map[string]any{"content": map[string]any{"role": "model", "parts": []any{part}}, "finishReason": "STOP", "index": 0}},
		"usageMetadata": map[string]any{"promptTokenCount": 10, "candidatesTokenCount": 10, "totalTokenCount": 20},
		"modelVersion":  strings.TrimSpace(rec.Model),
	}
	if method == "generateContent" {
		writeJSON(w, chunk)
		return
	}
	s := newSSE(w)
	s.event("", chunk)
	s.flush()
}

// sample returns the smallest value that fits a JSON schema (OpenAPI-style
// upper-case types included): every required property of an object, 10
// for numbers, "ok" for strings, the first of an enum.
func sample(schema any) any {
	s, _ := schema.(map[string]any)
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	switch strings.ToLower(fmt.Sprint(s["type"])) {
	case "object":
		out := map[string]any{}
		p := props(s)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if name, ok := r.(string); ok {
				out[name] = sample(p[name])
			}
		}
		return out
	case "array":
		return []any{}
	case "integer", "number":
		return 10
	case "boolean":
		return false
	}
	return "ok"
}
