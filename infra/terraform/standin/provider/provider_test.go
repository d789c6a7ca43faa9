package provider

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/airdisplay/platform/infra/terraform/standin/schema"
)

const doc = `{
  "provider": {"version": 0, "block": {"attributes": {"region": {"type": "string", "optional": true}}}},
  "resource_schemas": {
    "demo_thing": {"version": 0, "block": {
      "attributes": {
        "id": {"type": "string", "computed": true, "optional": true},
        "name": {"type": "string", "required": true},
        "old": {"type": "string", "optional": true, "deprecated": true},
        "fqdn": {"type": "string", "computed": true},
        "identity": {"type": ["list", ["object", {"object_id": "string"}]], "computed": true}
      },
      "block_types": {
        "pool": {"nesting_mode": "list", "block": {"attributes": {
          "size": {"type": "string", "required": true},
          "node_ids": {"type": ["list", "string"], "computed": true}
        }}}
      }
    }},
    "demo_legacy": {"version": 0, "block": {"deprecated": true, "attributes": {"name": {"type": "string", "optional": true}}}}
  },
  "data_source_schemas": {},
  "functions": {"shout": {"parameters": [{"name": "s", "type": "string"}], "return_type": "string", "summary": "shout"}}
}`

func newServer(t *testing.T) *Server {
	t.Helper()
	p, err := schema.DecodeProvider([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New("registry.terraform.io/example/demo", "1.2.3", p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func thingValue(t *testing.T, s *Server, attrs map[string]tftypes.Value) (tftypes.Type, *tfprotov6.DynamicValue) {
	t.Helper()
	typ := s.resp.ResourceSchemas["demo_thing"].ValueType().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for n, at := range typ.AttributeTypes {
		if v, ok := attrs[n]; ok {
			vals[n] = v
		} else {
			vals[n] = tftypes.NewValue(at, nil)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return typ, &dv
}

func TestPlanMarksUnsetComputedUnknown(t *testing.T) {
	s := newServer(t)
	poolType := s.resp.ResourceSchemas["demo_thing"].ValueType().(tftypes.Object).AttributeTypes["pool"].(tftypes.List)
	elemType := poolType.ElementType.(tftypes.Object)
	pool := tftypes.NewValue(poolType, []tftypes.Value{tftypes.NewValue(elemType, map[string]tftypes.Value{
		"size":     tftypes.NewValue(tftypes.String, "small"),
		"node_ids": tftypes.NewValue(elemType.AttributeTypes["node_ids"], nil),
	})})
	typ, proposed := thingValue(t, s, map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "a"),
		"id":   tftypes.NewValue(tftypes.String, "given"),
		"pool": pool,
	})
	resp, err := s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{TypeName: "demo_thing", ProposedNewState: proposed, Config: proposed})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("plan: %v %v", err, resp.Diagnostics)
	}
	planned, err := resp.PlannedState.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	get := func(p *tftypes.AttributePath) tftypes.Value {
		v, _, err := tftypes.WalkAttributePath(planned, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return v.(tftypes.Value)
	}
	root := tftypes.NewAttributePath()
	for _, unknown := range []*tftypes.AttributePath{
		root.WithAttributeName("fqdn"),
		root.WithAttributeName("identity"),
		root.WithAttributeName("pool").WithElementKeyInt(0).WithAttributeName("node_ids"),
	} {
		if get(unknown).IsKnown() {
			t.Errorf("%s is known, want unknown", unknown)
		}
	}
	if v := get(root.WithAttributeName("id")); !v.Equal(tftypes.NewValue(tftypes.String, "given")) {
		t.Errorf("id = %s, want the configured value", v)
	}
	if v := get(root.WithAttributeName("old")); !v.IsNull() {
		t.Errorf("old (not computed) = %s, want null", v)
	}
}

func TestDeprecations(t *testing.T) {
	s := newServer(t)
	_, cfg := thingValue(t, s, map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "a"),
		"old":  tftypes.NewValue(tftypes.String, "x"),
	})
	resp, _ := s.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{TypeName: "demo_thing", Config: cfg})
	if len(resp.Diagnostics) != 1 {
		t.Fatalf("diagnostics = %v, want one", resp.Diagnostics)
	}
	d := resp.Diagnostics[0]
	if d.Severity != tfprotov6.DiagnosticSeverityWarning || !d.Attribute.Equal(tftypes.NewAttributePath().WithAttributeName("old")) ||
		!strings.Contains(d.Detail, `"deprecated": true`) || !strings.Contains(d.Detail, "example/demo 1.2.3") {
		t.Errorf("diagnostic = %+v", d)
	}

	_, clean := thingValue(t, s, map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "a")})
	resp, _ = s.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{TypeName: "demo_thing", Config: clean})
	if len(resp.Diagnostics) != 0 {
		t.Errorf("clean config: %v", resp.Diagnostics)
	}

	legacyType := s.resp.ResourceSchemas["demo_legacy"].ValueType()
	lv, _ := tfprotov6.NewDynamicValue(legacyType, tftypes.NewValue(legacyType, map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "n")}))
	resp, _ = s.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{TypeName: "demo_legacy", Config: &lv})
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary != "Resource type is deprecated" || resp.Diagnostics[0].Attribute == nil {
		t.Errorf("legacy: %+v", resp.Diagnostics)
	}
}

func TestRefusesApplyImportAndNamesItself(t *testing.T) {
	s := newServer(t)
	apply, _ := s.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{TypeName: "demo_thing"})
	imp, _ := s.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{TypeName: "demo_thing", ID: "x"})
	for what, diags := range map[string][]*tfprotov6.Diagnostic{"apply": apply.Diagnostics, "import": imp.Diagnostics} {
		if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError || !strings.Contains(diags[0].Summary, Name) {
			t.Errorf("%s: %+v", what, diags)
		}
	}
}

func TestServesEverySchema(t *testing.T) {
	s := newServer(t)
	resp, _ := s.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if len(resp.ResourceSchemas) != 2 || resp.Functions["shout"] == nil || resp.Provider == nil {
		b, _ := json.Marshal(resp)
		t.Errorf("schema response: %s", b)
	}
	meta, _ := s.GetMetadata(context.Background(), &tfprotov6.GetMetadataRequest{})
	if len(meta.Resources) != 2 || len(meta.Functions) != 1 {
		t.Errorf("metadata: %+v", meta)
	}
}
