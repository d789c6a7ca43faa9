package api

import (
	"testing"

	"github.com/airdisplay/platform/services/daprapp/apitest"
)

// The OpenAPI document describes exactly the routes the handler serves.
func TestOpenAPIDocumentMatchesTheRoutes(t *testing.T) {
	var served []string
	for _, r := range (&Handler{}).Routes() {
		served = append(served, r.Method+" "+r.Path)
	}
	apitest.RoutesMatch(t, OpenAPI(), served)
}

// Every write documents the API key schemes and its 401; reads document
// the key as optional (AUTH_READS) and their 401.
func TestOpenAPIDocumentsAuthentication(t *testing.T) {
	apitest.AuthenticationDocumented(t, OpenAPI())
}
