package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestType(t *testing.T) {
	cases := map[string]tftypes.Type{
		`"string"`:                    tftypes.String,
		`"dynamic"`:                   tftypes.DynamicPseudoType,
		`["list","number"]`:           tftypes.List{ElementType: tftypes.Number},
		`["set",["map","bool"]]`:      tftypes.Set{ElementType: tftypes.Map{ElementType: tftypes.Bool}},
		`["tuple",["string","bool"]]`: tftypes.Tuple{ElementTypes: []tftypes.Type{tftypes.String, tftypes.Bool}},
		`["object",{"a":"string","b":["list","string"]}]`: tftypes.Object{AttributeTypes: map[string]tftypes.Type{
			"a": tftypes.String, "b": tftypes.List{ElementType: tftypes.String},
		}},
		`["object",{"a":"string"},["a"]]`: tftypes.Object{
			AttributeTypes:     map[string]tftypes.Type{"a": tftypes.String},
			OptionalAttributes: map[string]struct{}{"a": {}},
		},
	}
	for in, want := range cases {
		got, err := Type(json.RawMessage(in))
		if err != nil {
			t.Errorf("Type(%s): %v", in, err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("Type(%s) = %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{`"text"`, `["list"]`, `["vector","string"]`, `["object",{"a":"string"},["b"]]`, `42`} {
		if _, err := Type(json.RawMessage(bad)); err == nil {
			t.Errorf("Type(%s) accepted", bad)
		}
	}
}

const sample = `{
  "version": 2,
  "block": {
    "attributes": {
      "id": {"type": "string", "computed": true, "optional": true},
      "name": {"type": "string", "required": true},
      "old": {"type": "string", "optional": true, "deprecated": true},
      "rules": {"nested_type": {"nesting_mode": "set", "attributes": {
        "port": {"type": "number", "required": true},
        "tags": {"type": ["map","string"], "optional": true, "computed": true}
      }}, "optional": true}
    },
    "block_types": {
      "pool": {"nesting_mode": "list", "min_items": 1, "max_items": 1, "block": {
        "attributes": {"size": {"type": "string", "required": true}},
        "block_types": {"upgrade": {"nesting_mode": "single", "block": {"attributes": {"surge": {"type": "string", "optional": true}}}}}
      }},
      "legacy": {"nesting_mode": "set", "block": {"deprecated": true, "attributes": {"x": {"type": "string", "optional": true}}}}
    }
  }
}`

func TestProtoSchema(t *testing.T) {
	var s Schema
	if err := json.Unmarshal([]byte(sample), &s); err != nil {
		t.Fatal(err)
	}
	p, err := ProtoSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 2 || len(p.Block.Attributes) != 4 || len(p.Block.BlockTypes) != 2 {
		t.Fatalf("schema = %+v", p)
	}
	rules := p.Block.Attributes[3]
	if rules.Name != "rules" || rules.NestedType == nil || rules.NestedType.Nesting != tfprotov6.SchemaObjectNestingModeSet {
		t.Errorf("rules = %+v", rules)
	}
	if old := p.Block.Attributes[2]; old.Name != "old" || !old.Deprecated {
		t.Errorf("old = %+v", old)
	}
	pool := p.Block.BlockTypes[1]
	if pool.TypeName != "pool" || pool.Nesting != tfprotov6.SchemaNestedBlockNestingModeList || pool.MinItems != 1 || pool.MaxItems != 1 {
		t.Errorf("pool = %+v", pool)
	}
	if up := pool.Block.BlockTypes[0]; up.Nesting != tfprotov6.SchemaNestedBlockNestingModeSingle {
		t.Errorf("upgrade = %+v", up)
	}
	if !p.Block.BlockTypes[0].Block.Deprecated {
		t.Error("legacy block not deprecated")
	}
	want := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"id": tftypes.String, "name": tftypes.String, "old": tftypes.String,
		"rules": tftypes.Set{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{
			"port": tftypes.Number, "tags": tftypes.Map{ElementType: tftypes.String},
		}}},
		"pool": tftypes.List{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{
			"size":    tftypes.String,
			"upgrade": tftypes.Object{AttributeTypes: map[string]tftypes.Type{"surge": tftypes.String}},
		}}},
		"legacy": tftypes.Set{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{"x": tftypes.String}}},
	}}
	if got := p.ValueType(); !got.Equal(want) {
		t.Errorf("value type = %s\nwant %s", got, want)
	}
}

// The published schemas beside the project all convert.
func TestSharedSchemas(t *testing.T) {
	path := filepath.Join("..", "..", "..", "..", "..", "shared", "terraform-schemas", "providers-schema.json.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no shared schemas beside the project")
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range f.Addresses() {
		p, err := DecodeProvider(f.ProviderSchemas[addr])
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		n := 0
		for name, s := range p.Resources {
			if _, err := ProtoSchema(s); err != nil {
				t.Errorf("%s %s: %v", addr, name, err)
			}
			n++
		}
		for name, fn := range p.Functions {
			if _, err := ProtoFunction(fn); err != nil {
				t.Errorf("%s function %s: %v", addr, name, err)
			}
		}
		if n == 0 {
			t.Errorf("%s: no resources", addr)
		}
	}
}
