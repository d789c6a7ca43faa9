// Package provider serves one provider's published schema over the plugin
// protocol (version 6) without any of the provider's behaviour: it is what
// `terraform validate` needs and what `terraform test` needs when every
// provider is a mock_provider. It validates nothing but deprecation, plans
// by marking unset computed attributes unknown, and refuses to apply,
// import or read anything, naming itself in the error.
package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/airdisplay/platform/infra/terraform/standin/schema"
)

// Name is how the stand-in names itself in its errors.
const Name = "AirDisplay schema-only stand-in provider"

// Server implements tfprotov6.ProviderServer for one provider.
type Server struct {
	address string // e.g. registry.terraform.io/hashicorp/azurerm
	version string
	src     *schema.Provider
	resp    *tfprotov6.GetProviderSchemaResponse
}

// New converts the provider's schema once; the result serves every call.
func New(address, version string, src *schema.Provider) (*Server, error) {
	s := &Server{address: address, version: version, src: src}
	resp := &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities:       capabilities(),
		ResourceSchemas:          map[string]*tfprotov6.Schema{},
		DataSourceSchemas:        map[string]*tfprotov6.Schema{},
		EphemeralResourceSchemas: map[string]*tfprotov6.Schema{},
		Functions:                map[string]*tfprotov6.Function{},
	}
	var err error
	if resp.Provider, err = schema.ProtoSchema(src.Provider); err != nil {
		return nil, fmt.Errorf("provider schema: %w", err)
	}
	for _, set := range []struct {
		src map[string]schema.Schema
		dst map[string]*tfprotov6.Schema
	}{
		{src.Resources, resp.ResourceSchemas},
		{src.DataSources, resp.DataSourceSchemas},
		{src.EphemeralResources, resp.EphemeralResourceSchemas},
	} {
		for name, sch := range set.src {
			if set.dst[name], err = schema.ProtoSchema(sch); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	for name, fn := range src.Functions {
		if resp.Functions[name], err = schema.ProtoFunction(fn); err != nil {
			return nil, fmt.Errorf("function %s: %w", name, err)
		}
	}
	s.resp = resp
	return s, nil
}

func capabilities() *tfprotov6.ServerCapabilities {
	return &tfprotov6.ServerCapabilities{PlanDestroy: true}
}

// ProviderName is the provider's type name, such as "azurerm".
func (s *Server) ProviderName() string {
	for i := len(s.address) - 1; i >= 0; i-- {
		if s.address[i] == '/' {
			return s.address[i+1:]
		}
	}
	return s.address
}

func (s *Server) refusal(what string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  fmt.Sprintf("%s cannot %s", Name, what),
		Detail: fmt.Sprintf("This is not %s %s: it is the %s, which serves only that provider's published schema for `terraform validate` and for `terraform test` with mock_provider. "+
			"Run with the real provider (TF_PROVIDERS=registry, or without the stand-in's TF_CLI_CONFIG_FILE) to %s.", s.address, s.version, Name, what),
	}}
}

func (s *Server) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: capabilities()}
	for _, n := range keys(s.resp.ResourceSchemas) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: n})
	}
	for _, n := range keys(s.resp.DataSourceSchemas) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: n})
	}
	for _, n := range keys(s.resp.EphemeralResourceSchemas) {
		resp.EphemeralResources = append(resp.EphemeralResources, tfprotov6.EphemeralResourceMetadata{TypeName: n})
	}
	for _, n := range keys(s.resp.Functions) {
		resp.Functions = append(resp.Functions, tfprotov6.FunctionMetadata{Name: n})
	}
	return resp, nil
}

func (s *Server) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return s.resp, nil
}

func (s *Server) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

func (s *Server) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	diags := s.deprecations("provider "+s.ProviderName(), s.src.Provider.Block, s.resp.Provider, req.Config)
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config, Diagnostics: diags}, nil
}

func (s *Server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (s *Server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

func (s *Server) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	src, ok := s.src.Resources[req.TypeName]
	if !ok {
		return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: unknownType("resource", req.TypeName)}, nil
	}
	diags := s.deprecations(req.TypeName, src.Block, s.resp.ResourceSchemas[req.TypeName], req.Config)
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: diags}, nil
}

func (s *Server) ValidateDataResourceConfig(_ context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	src, ok := s.src.DataSources[req.TypeName]
	if !ok {
		return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: unknownType("data source", req.TypeName)}, nil
	}
	diags := s.deprecations("data source "+req.TypeName, src.Block, s.resp.DataSourceSchemas[req.TypeName], req.Config)
	return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: diags}, nil
}

func (s *Server) ValidateEphemeralResourceConfig(_ context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	src, ok := s.src.EphemeralResources[req.TypeName]
	if !ok {
		return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: unknownType("ephemeral resource", req.TypeName)}, nil
	}
	diags := s.deprecations("ephemeral resource "+req.TypeName, src.Block, s.resp.EphemeralResourceSchemas[req.TypeName], req.Config)
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: diags}, nil
}

func unknownType(kind, name string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  fmt.Sprintf("Unknown %s type %q", kind, name),
	}}
}

func (s *Server) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	sch, ok := s.resp.ResourceSchemas[req.TypeName]
	if !ok {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: unknownType("resource", req.TypeName)}, nil
	}
	typ := sch.ValueType()
	val, err := req.RawState.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}})
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("Cannot read the stored state", err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, val)
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("Cannot encode the stored state", err)}, nil
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
}

func errorDiag(summary string, err error) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: err.Error()}}
}

func (s *Server) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	// Nothing to refresh from: the state is taken as it is.
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange plans the proposed new state with every computed
// attribute that is still null marked unknown; a destroy plans null.
func (s *Server) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	sch, ok := s.resp.ResourceSchemas[req.TypeName]
	if !ok {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: unknownType("resource", req.TypeName)}, nil
	}
	typ := sch.ValueType()
	proposed, err := req.ProposedNewState.Unmarshal(typ)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("Cannot read the proposed new state", err)}, nil
	}
	if proposed.IsNull() {
		return &tfprotov6.PlanResourceChangeResponse{PlannedState: req.ProposedNewState, PlannedPrivate: req.PriorPrivate}, nil
	}
	planned, err := MarkComputedUnknown(s.src.Resources[req.TypeName].Block, proposed)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("Cannot plan", err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, planned)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("Cannot encode the plan", err)}, nil
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: &dv, PlannedPrivate: req.PriorPrivate}, nil
}

func (s *Server) ApplyResourceChange(context.Context, *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: s.refusal("apply changes")}, nil
}

func (s *Server) ImportResourceState(context.Context, *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: s.refusal("import resources")}, nil
}

func (s *Server) MoveResourceState(context.Context, *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: s.refusal("move resource state")}, nil
}

func (s *Server) UpgradeResourceIdentity(context.Context, *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{Diagnostics: s.refusal("upgrade resource identities")}, nil
}

func (s *Server) GenerateResourceConfig(context.Context, *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{Diagnostics: s.refusal("generate configuration")}, nil
}

func (s *Server) ReadDataSource(context.Context, *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return &tfprotov6.ReadDataSourceResponse{Diagnostics: s.refusal("read data sources")}, nil
}

func (s *Server) OpenEphemeralResource(context.Context, *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: s.refusal("open ephemeral resources")}, nil
}

func (s *Server) RenewEphemeralResource(context.Context, *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{Diagnostics: s.refusal("renew ephemeral resources")}, nil
}

func (s *Server) CloseEphemeralResource(context.Context, *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{}, nil
}

func (s *Server) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: s.resp.Functions}, nil
}

func (s *Server) CallFunction(_ context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{
		Text: fmt.Sprintf("%s cannot call provider function %s::%s: it serves the signature of %s %s only", Name, s.ProviderName(), req.Name, s.address, s.version),
	}}, nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
