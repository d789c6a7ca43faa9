package api

import (
	"testing"

	"github.com/airdisplay/platform/services/daprapp/apitest"
)

// The OpenAPI document describes exactly the routes the handler serves.
func TestOpenAPIDocumentMatchesTheRoutes(t *testing.T) {
	apitest.RoutesMatch(t, OpenAPI(), apiRoutes((&Handler{}).Routes()))
}

// apiRoutes are the API's routes as apitest takes them.
func apiRoutes(rs []Route) []apitest.Route {
	return apitest.RoutesOf(rs, func(r Route) apitest.Route { return apitest.Route{Method: r.Method, Path: r.Path} })
}

// Every write documents the API key schemes and its 401; reads document
// the key as optional (AUTH_READS) and their 401.
func TestOpenAPIDocumentsAuthentication(t *testing.T) {
	apitest.AuthenticationDocumented(t, OpenAPI())
}
