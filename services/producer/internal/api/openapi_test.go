package api

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The OpenAPI document describes exactly the routes the handler serves.
func TestOpenAPIDocumentMatchesTheRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	var served []string
	for _, r := range (&Handler{}).Routes() {
		served = append(served, r.Method+" "+r.Path)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("OpenAPI documents %v\nthe API serves %v", documented, served)
	}
}

// Every write documents the API key schemes and its 401; reads document
// the key as optional (AUTH_READS) and their 401.
func TestOpenAPIDocumentsAuthentication(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]any `yaml:"paths"`
		Components struct {
			SecuritySchemes map[string]map[string]any `yaml:"securitySchemes"`
			Responses       map[string]any            `yaml:"responses"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Components.SecuritySchemes["bearer"]["scheme"] != "bearer" || doc.Components.SecuritySchemes["apiKey"]["name"] != "X-API-Key" {
		t.Errorf("securitySchemes %v", doc.Components.SecuritySchemes)
	}
	if doc.Components.Responses["Unauthorized"] == nil {
		t.Error("no Unauthorized response")
	}
	for path, ops := range doc.Paths {
		for method, o := range ops {
			op, _ := o.(map[string]any)
			if method == "parameters" {
				continue
			}
			sec, _ := op["security"].([]any)
			optional := slices.ContainsFunc(sec, func(s any) bool { m, _ := s.(map[string]any); return len(m) == 0 })
			if len(sec) == 0 || optional != (method == "get") {
				t.Errorf("%s %s: security %v", method, path, sec)
			}
			if resp, _ := op["responses"].(map[string]any); resp["401"] == nil {
				t.Errorf("%s %s: no 401 response", method, path)
			}
		}
	}
}
