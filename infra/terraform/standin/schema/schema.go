// Package schema reads one provider's schema from the output of
// `terraform providers schema -json` and converts it to the plugin
// protocol's (version 6) schema types.
package schema

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// File is the document `terraform providers schema -json` writes.
type File struct {
	FormatVersion   string                     `json:"format_version"`
	ProviderSchemas map[string]json.RawMessage `json:"provider_schemas"`
}

// Provider is one provider's entry of File.ProviderSchemas.
type Provider struct {
	Provider           Schema              `json:"provider"`
	Resources          map[string]Schema   `json:"resource_schemas"`
	DataSources        map[string]Schema   `json:"data_source_schemas"`
	EphemeralResources map[string]Schema   `json:"ephemeral_resource_schemas"`
	Functions          map[string]Function `json:"functions"`
}

// Schema is a provider, resource, data source or ephemeral resource schema.
type Schema struct {
	Version int64 `json:"version"`
	Block   Block `json:"block"`
}

// Block is a configuration block: attributes and nested block types.
type Block struct {
	Attributes map[string]Attribute `json:"attributes"`
	BlockTypes map[string]BlockType `json:"block_types"`
	Deprecated bool                 `json:"deprecated"`
}

// Attribute is one attribute of a block or of a nested attribute type.
type Attribute struct {
	Type       json.RawMessage `json:"type"`
	NestedType *NestedType     `json:"nested_type"`
	Required   bool            `json:"required"`
	Optional   bool            `json:"optional"`
	Computed   bool            `json:"computed"`
	Sensitive  bool            `json:"sensitive"`
	Deprecated bool            `json:"deprecated"`
	WriteOnly  bool            `json:"write_only"`
}

// NestedType is the object type of a nested attribute.
type NestedType struct {
	Attributes  map[string]Attribute `json:"attributes"`
	NestingMode string               `json:"nesting_mode"`
}

// BlockType is a nested block type.
type BlockType struct {
	NestingMode string `json:"nesting_mode"`
	Block       Block  `json:"block"`
	MinItems    int64  `json:"min_items"`
	MaxItems    int64  `json:"max_items"`
}

// Function is a provider-defined function's signature.
type Function struct {
	Parameters        []Parameter     `json:"parameters"`
	VariadicParameter *Parameter      `json:"variadic_parameter"`
	ReturnType        json.RawMessage `json:"return_type"`
	Summary           string          `json:"summary"`
	DeprecationMsg    string          `json:"deprecation_message"`
}

// Parameter is one parameter of a Function.
type Parameter struct {
	Name               string          `json:"name"`
	Type               json.RawMessage `json:"type"`
	AllowNullValue     bool            `json:"is_nullable"`
	AllowUnknownValues bool            `json:"allow_unknown_values"`
}

// ReadFile reads a schema file, gzip-compressed when its name ends in .gz.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	var file File
	if err := json.NewDecoder(r).Decode(&file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(file.ProviderSchemas) == 0 {
		return nil, fmt.Errorf("%s: no provider_schemas", path)
	}
	return &file, nil
}

// Addresses lists the provider source addresses of the file, sorted.
func (f *File) Addresses() []string {
	out := make([]string, 0, len(f.ProviderSchemas))
	for a := range f.ProviderSchemas {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// DecodeProvider decodes one provider's schema document.
func DecodeProvider(raw []byte) (*Provider, error) {
	var p Provider
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ProtoSchema converts a Schema to the protocol's schema.
func ProtoSchema(s Schema) (*tfprotov6.Schema, error) {
	b, err := protoBlock(s.Block)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.Schema{Version: s.Version, Block: b}, nil
}

func protoBlock(b Block) (*tfprotov6.SchemaBlock, error) {
	out := &tfprotov6.SchemaBlock{Deprecated: b.Deprecated}
	for _, name := range sortedKeys(b.Attributes) {
		a, err := protoAttribute(name, b.Attributes[name])
		if err != nil {
			return nil, err
		}
		out.Attributes = append(out.Attributes, a)
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		bt := b.BlockTypes[name]
		nested, err := protoBlock(bt.Block)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		mode, err := blockNesting(bt.NestingMode)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out.BlockTypes = append(out.BlockTypes, &tfprotov6.SchemaNestedBlock{
			TypeName: name,
			Block:    nested,
			Nesting:  mode,
			MinItems: bt.MinItems,
			MaxItems: bt.MaxItems,
		})
	}
	return out, nil
}

func protoAttribute(name string, a Attribute) (*tfprotov6.SchemaAttribute, error) {
	out := &tfprotov6.SchemaAttribute{
		Name:       name,
		Required:   a.Required,
		Optional:   a.Optional,
		Computed:   a.Computed,
		Sensitive:  a.Sensitive,
		Deprecated: a.Deprecated,
		WriteOnly:  a.WriteOnly,
	}
	switch {
	case a.NestedType != nil:
		obj := &tfprotov6.SchemaObject{}
		mode, err := objectNesting(a.NestedType.NestingMode)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		obj.Nesting = mode
		for _, n := range sortedKeys(a.NestedType.Attributes) {
			na, err := protoAttribute(n, a.NestedType.Attributes[n])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			obj.Attributes = append(obj.Attributes, na)
		}
		out.NestedType = obj
	case len(a.Type) > 0:
		t, err := Type(a.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out.Type = t
	default:
		return nil, fmt.Errorf("%s: neither type nor nested_type", name)
	}
	return out, nil
}

func blockNesting(mode string) (tfprotov6.SchemaNestedBlockNestingMode, error) {
	switch mode {
	case "single":
		return tfprotov6.SchemaNestedBlockNestingModeSingle, nil
	case "group":
		return tfprotov6.SchemaNestedBlockNestingModeGroup, nil
	case "list":
		return tfprotov6.SchemaNestedBlockNestingModeList, nil
	case "set":
		return tfprotov6.SchemaNestedBlockNestingModeSet, nil
	case "map":
		return tfprotov6.SchemaNestedBlockNestingModeMap, nil
	}
	return 0, fmt.Errorf("unknown block nesting mode %q", mode)
}

func objectNesting(mode string) (tfprotov6.SchemaObjectNestingMode, error) {
	switch mode {
	case "single":
		return tfprotov6.SchemaObjectNestingModeSingle, nil
	case "list":
		return tfprotov6.SchemaObjectNestingModeList, nil
	case "set":
		return tfprotov6.SchemaObjectNestingModeSet, nil
	case "map":
		return tfprotov6.SchemaObjectNestingModeMap, nil
	}
	return 0, fmt.Errorf("unknown attribute nesting mode %q", mode)
}

// ProtoFunction converts a function signature.
func ProtoFunction(f Function) (*tfprotov6.Function, error) {
	out := &tfprotov6.Function{Summary: f.Summary, DeprecationMessage: f.DeprecationMsg}
	for _, p := range f.Parameters {
		pp, err := protoParameter(p)
		if err != nil {
			return nil, err
		}
		out.Parameters = append(out.Parameters, pp)
	}
	if f.VariadicParameter != nil {
		pp, err := protoParameter(*f.VariadicParameter)
		if err != nil {
			return nil, err
		}
		out.VariadicParameter = pp
	}
	rt, err := Type(f.ReturnType)
	if err != nil {
		return nil, fmt.Errorf("return type: %w", err)
	}
	out.Return = &tfprotov6.FunctionReturn{Type: rt}
	return out, nil
}

func protoParameter(p Parameter) (*tfprotov6.FunctionParameter, error) {
	t, err := Type(p.Type)
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
	}
	return &tfprotov6.FunctionParameter{
		Name:               p.Name,
		Type:               t,
		AllowNullValue:     p.AllowNullValue,
		AllowUnknownValues: p.AllowUnknownValues,
	}, nil
}

// Type converts cty's JSON type notation ("string", ["list","string"],
// ["object",{...},["optional"]], ["tuple",[...]], "dynamic") to tftypes.
func Type(raw json.RawMessage) (tftypes.Type, error) {
	var prim string
	if err := json.Unmarshal(raw, &prim); err == nil {
		switch prim {
		case "string":
			return tftypes.String, nil
		case "number":
			return tftypes.Number, nil
		case "bool":
			return tftypes.Bool, nil
		case "dynamic":
			return tftypes.DynamicPseudoType, nil
		}
		return nil, fmt.Errorf("unknown primitive type %q", prim)
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) < 2 {
		return nil, fmt.Errorf("invalid type %s", raw)
	}
	var kind string
	if err := json.Unmarshal(parts[0], &kind); err != nil {
		return nil, fmt.Errorf("invalid type %s", raw)
	}
	switch kind {
	case "list", "set", "map":
		if len(parts) != 2 {
			return nil, fmt.Errorf("invalid %s type %s", kind, raw)
		}
		elem, err := Type(parts[1])
		if err != nil {
			return nil, err
		}
		switch kind {
		case "list":
			return tftypes.List{ElementType: elem}, nil
		case "set":
			return tftypes.Set{ElementType: elem}, nil
		default:
			return tftypes.Map{ElementType: elem}, nil
		}
	case "tuple":
		var elems []json.RawMessage
		if err := json.Unmarshal(parts[1], &elems); err != nil {
			return nil, fmt.Errorf("invalid tuple type %s", raw)
		}
		out := tftypes.Tuple{ElementTypes: make([]tftypes.Type, 0, len(elems))}
		for _, e := range elems {
			t, err := Type(e)
			if err != nil {
				return nil, err
			}
			out.ElementTypes = append(out.ElementTypes, t)
		}
		return out, nil
	case "object":
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal(parts[1], &attrs); err != nil {
			return nil, fmt.Errorf("invalid object type %s", raw)
		}
		out := tftypes.Object{AttributeTypes: make(map[string]tftypes.Type, len(attrs))}
		for n, a := range attrs {
			t, err := Type(a)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			out.AttributeTypes[n] = t
		}
		if len(parts) == 3 {
			var optional []string
			if err := json.Unmarshal(parts[2], &optional); err != nil {
				return nil, fmt.Errorf("invalid optional attributes in %s", raw)
			}
			out.OptionalAttributes = make(map[string]struct{}, len(optional))
			for _, n := range optional {
				if _, ok := attrs[n]; !ok {
					return nil, fmt.Errorf("optional attribute %q not in object type", n)
				}
				out.OptionalAttributes[n] = struct{}{}
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown type kind %q", kind)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
