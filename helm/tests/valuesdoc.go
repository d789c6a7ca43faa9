package charttests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	yamlv3 "sigs.k8s.io/yaml/goyaml.v3"
)

// ValueDoc documents one value of a values file (helm-docs style): the
// comment above a key that starts with "# --" documents the key and, for a
// map, the whole map. A map without such a comment is documented by its
// children.
type ValueDoc struct {
	Path        string
	Type        string
	Default     string // compact JSON
	Description string
}

// ParseValuesDoc reads the `# --` documentation of a values file. It fails
// on every key that is neither documented nor a map whose children all are.
func ParseValuesDoc(src []byte) ([]ValueDoc, error) {
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yamlv3.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yamlv3.MappingNode {
		return nil, errors.New("values file is not a YAML map")
	}
	var docs []ValueDoc
	var errs []error
	walkValues(doc.Content[0], "", &docs, &errs)
	return docs, errors.Join(errs...)
}

func walkValues(m *yamlv3.Node, prefix string, docs *[]ValueDoc, errs *[]error) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		path := k.Value
		if prefix != "" {
			path = prefix + "." + k.Value
		}
		desc, ok := docComment(k.HeadComment)
		if !ok {
			if v.Kind == yamlv3.MappingNode && len(v.Content) > 0 {
				walkValues(v, path, docs, errs)
				continue
			}
			*errs = append(*errs, fmt.Errorf("%s (line %d) has no `# --` comment", path, k.Line))
			continue
		}
		var val any
		if err := v.Decode(&val); err != nil {
			*errs = append(*errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		def, err := compactJSON(val)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		*docs = append(*docs, ValueDoc{Path: path, Type: typeName(v, val), Default: def, Description: desc})
	}
}

// docComment returns the description of a `# --` comment: the text after
// "# --" and the comment lines that follow it, joined by spaces.
func docComment(head string) (string, bool) {
	lines := strings.Split(head, "\n")
	for i, l := range lines {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "# --")
		if !ok {
			continue
		}
		parts := []string{strings.TrimSpace(rest)}
		for _, more := range lines[i+1:] {
			parts = append(parts, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(more), "#")))
		}
		return strings.Join(parts, " "), true
	}
	return "", false
}

func typeName(n *yamlv3.Node, val any) string {
	switch n.Kind {
	case yamlv3.MappingNode:
		return "object"
	case yamlv3.SequenceNode:
		return "list"
	}
	switch val.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case int, int64, uint64:
		return "int"
	case float64:
		return "float"
	default:
		return "string"
	}
}

func compactJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalise(v)); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

// normalise turns the map[string]any/map[any]any a YAML decoder returns
// into something encoding/json accepts.
func normalise(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = normalise(x)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[fmt.Sprint(k)] = normalise(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normalise(x)
		}
		return out
	default:
		return v
	}
}

// ValuesTable renders the docs as the Markdown table of helm/README.md.
func ValuesTable(docs []ValueDoc) string {
	var b strings.Builder
	b.WriteString("| Key | Type | Default | Description |\n")
	b.WriteString("|-----|------|---------|-------------|\n")
	for _, d := range docs {
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", d.Path, d.Type, escapeCell(d.Default), escapeCell(d.Description))
	}
	return b.String()
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
