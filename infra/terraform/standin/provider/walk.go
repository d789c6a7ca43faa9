package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/airdisplay/platform/infra/terraform/standin/schema"
)

// element is what an attribute path names in a schema: an attribute, a
// nested block type, or neither (a path into an attribute's value).
type element struct {
	attr  *schema.Attribute
	block *schema.BlockType
}

// lookup resolves an attribute path against a block's schema.
func lookup(b schema.Block, steps []tftypes.AttributePathStep) element {
	if len(steps) == 0 {
		return element{}
	}
	name, ok := steps[0].(tftypes.AttributeName)
	if !ok {
		return element{}
	}
	if a, ok := b.Attributes[string(name)]; ok {
		return lookupNested(a, steps[1:])
	}
	bt, ok := b.BlockTypes[string(name)]
	if !ok {
		return element{}
	}
	rest := steps[1:]
	if len(rest) == 0 {
		return element{block: &bt}
	}
	if bt.NestingMode != "single" && bt.NestingMode != "group" {
		rest = rest[1:] // the element key of a list, set or map block
	}
	return lookup(bt.Block, rest)
}

func lookupNested(a schema.Attribute, rest []tftypes.AttributePathStep) element {
	if len(rest) == 0 {
		return element{attr: &a}
	}
	if a.NestedType == nil {
		return element{}
	}
	if a.NestedType.NestingMode != "single" {
		rest = rest[1:]
		if len(rest) == 0 {
			return element{}
		}
	}
	name, ok := rest[0].(tftypes.AttributeName)
	if !ok {
		return element{}
	}
	na, ok := a.NestedType.Attributes[string(name)]
	if !ok {
		return element{}
	}
	return lookupNested(na, rest[1:])
}

// MarkComputedUnknown returns the value with every null computed attribute
// (one the configuration left unset, and the prior state had no value for)
// replaced by an unknown value, as a provider does in its plan.
func MarkComputedUnknown(b schema.Block, val tftypes.Value) (tftypes.Value, error) {
	return tftypes.Transform(val, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsNull() {
			return v, nil
		}
		if e := lookup(b, p.Steps()); e.attr != nil && e.attr.Computed && !e.attr.WriteOnly {
			return tftypes.NewValue(v.Type(), tftypes.UnknownValue), nil
		}
		return v, nil
	})
}

// deprecations warns, at the attribute's own path so that Terraform shows
// its file and line, about every deprecated attribute or block the
// configuration sets, and about a deprecated resource type, in the words
// the schema has for it: "deprecated": true.
func (s *Server) deprecations(what string, b schema.Block, sch *tfprotov6.Schema, config *tfprotov6.DynamicValue) []*tfprotov6.Diagnostic {
	if config == nil || sch == nil {
		return nil
	}
	val, err := config.Unmarshal(sch.ValueType())
	if err != nil || val.IsNull() {
		return nil
	}
	origin := fmt.Sprintf("the schema of %s %s", s.address, s.version)
	var diags []*tfprotov6.Diagnostic
	var first *tftypes.AttributePath
	_ = tftypes.Walk(val, func(p *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if v.IsNull() {
			return false, nil
		}
		if len(p.Steps()) == 0 {
			return true, nil
		}
		e := lookup(b, p.Steps())
		if first == nil && (e.attr != nil || e.block != nil) && len(p.Steps()) == 1 {
			first = p
		}
		switch {
		case e.attr != nil && e.attr.Deprecated:
			diags = append(diags, &tfprotov6.Diagnostic{
				Severity:  tfprotov6.DiagnosticSeverityWarning,
				Summary:   "Argument is deprecated",
				Detail:    fmt.Sprintf("%s: argument %s is marked \"deprecated\": true in %s.", what, describe(p), origin),
				Attribute: p,
			})
		case e.block != nil && e.block.Block.Deprecated && !empty(v):
			diags = append(diags, &tfprotov6.Diagnostic{
				Severity:  tfprotov6.DiagnosticSeverityWarning,
				Summary:   "Block is deprecated",
				Detail:    fmt.Sprintf("%s: block %s is marked \"deprecated\": true in %s.", what, describe(p), origin),
				Attribute: p,
			})
		}
		return true, nil
	})
	if b.Deprecated {
		diags = append(diags, &tfprotov6.Diagnostic{
			Severity:  tfprotov6.DiagnosticSeverityWarning,
			Summary:   "Resource type is deprecated",
			Detail:    fmt.Sprintf("%s is marked \"deprecated\": true in %s; use its replacement (for the kubernetes provider, the _v1 type).", what, origin),
			Attribute: first,
		})
	}
	return diags
}

func describe(p *tftypes.AttributePath) string {
	out := ""
	for _, st := range p.Steps() {
		switch st := st.(type) {
		case tftypes.AttributeName:
			if out != "" {
				out += "."
			}
			out += string(st)
		case tftypes.ElementKeyInt:
			out += fmt.Sprintf("[%d]", st)
		case tftypes.ElementKeyString:
			out += fmt.Sprintf("[%q]", string(st))
		}
	}
	return out
}

func empty(v tftypes.Value) bool {
	if !v.IsKnown() {
		return false
	}
	var elems []tftypes.Value
	if v.Type().Is(tftypes.List{}) || v.Type().Is(tftypes.Set{}) {
		if err := v.As(&elems); err == nil {
			return len(elems) == 0
		}
	}
	var m map[string]tftypes.Value
	if v.Type().Is(tftypes.Map{}) {
		if err := v.As(&m); err == nil {
			return len(m) == 0
		}
	}
	return false
}
