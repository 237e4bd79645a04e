package oz

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryRouteClassified: every route of the table has an access class;
// only health, the login link and the dashboard's static files are
// public; every other /api route needs a credential.
func TestEveryRouteClassified(t *testing.T) {
	publicOK := []string{"GET " + healthPath, "GET /login", "GET /{$}", "GET /assets/{file}"}
	seen := map[string]bool{}
	for _, rt := range routeTable() {
		key := rt.method + " " + rt.path
		assert.False(t, seen[key], "route %s listed twice", key)
		seen[key] = true
		assert.NotEqual(t, unclassified, rt.access, "route %s is not classified", key)
		if rt.access == accessPublic {
			assert.Contains(t, publicOK, key, "route %s is public", key)
		}
		if strings.HasPrefix(rt.path, "/api/") {
			assert.True(t, strings.HasPrefix(rt.path, "/api/v1/"), "route %s is outside /api/v1/", key)
		}
		assert.NotNil(t, rt.h, "route %s has no handler", key)
	}
}

// TestUnclassifiedRouteFailsNew: a route added without a class stops the
// server from being built.
func TestUnclassifiedRouteFailsNew(t *testing.T) {
	s := &Server{routes: append(routeTable(), route{method: "GET", path: "/api/v1/new", h: (*Server).health})}
	_, err := s.buildHandler()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/api/v1/new")
}

// TestOpenAPIMatchesRouteTable: the OpenAPI document lists exactly the
// /api routes of the table (a missing route, or a documented route that
// does not exist, fails), each with the table's access class.
func TestOpenAPIMatchesRouteTable(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Access      string `json:"x-oz-access"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openAPIDoc, &doc))
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	documented := map[string]string{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			documented[strings.ToUpper(m)+" "+p] = op.Access
			assert.NotEmpty(t, op.OperationID, "%s %s has no operationId", m, p)
		}
	}
	table := map[string]string{}
	for _, rt := range routeTable() {
		if strings.HasPrefix(rt.path, "/api/") {
			table[rt.method+" "+rt.path] = rt.access.String()
		}
	}
	for k, acc := range table {
		got, ok := documented[k]
		if assert.True(t, ok, "route %s is missing from openapi.json", k) {
			assert.Equal(t, acc, got, "x-oz-access of %s", k)
		}
	}
	for k := range documented {
		_, ok := table[k]
		assert.True(t, ok, "openapi.json documents %s, which the server does not serve", k)
	}
	assert.Equal(t, len(table), len(documented), fmt.Sprint(slices.Sorted(maps.Keys(documented))))
}
