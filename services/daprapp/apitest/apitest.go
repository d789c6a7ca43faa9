// Package apitest checks a service's OpenAPI document against the API it
// serves: the same checks for every service with a public API.
package apitest

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// RoutesMatch fails t unless the OpenAPI 3 document doc describes exactly
// the operations the API serves.
func RoutesMatch(t testing.TB, doc []byte, routes []Route) {
	t.Helper()
	var d struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", d.OpenAPI)
	}
	var documented []string
	for path, ops := range d.Paths {
		for method := range ops {
			if method != "parameters" {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	var served []string
	for _, r := range routes {
		served = append(served, r.Method+" "+r.Path)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("OpenAPI documents %v\nthe API serves %v", documented, served)
	}
}

// AuthenticationDocumented fails t unless every write in doc requires the
// API key schemes (bearer, X-API-Key) and documents its 401, and every read
// lists the key as optional (AUTH_READS) and documents its 401.
func AuthenticationDocumented(t testing.TB, doc []byte) {
	t.Helper()
	var d struct {
		Paths      map[string]map[string]any `yaml:"paths"`
		Components struct {
			SecuritySchemes map[string]map[string]any `yaml:"securitySchemes"`
			Responses       map[string]any            `yaml:"responses"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if d.Components.SecuritySchemes["bearer"]["scheme"] != "bearer" || d.Components.SecuritySchemes["apiKey"]["name"] != "X-API-Key" {
		t.Errorf("securitySchemes %v", d.Components.SecuritySchemes)
	}
	if d.Components.Responses["Unauthorized"] == nil {
		t.Error("no Unauthorized response")
	}
	for path, ops := range d.Paths {
		for method, o := range ops {
			if method == "parameters" {
				continue
			}
			op, _ := o.(map[string]any)
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
