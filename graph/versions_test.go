package graph

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// TestRootVersionsKnowSchema holds rootVersions to schema.graphqls: every
// field of Query is either covered by versions or listed as not, so a new
// query field gets its ETag (or none) by a decision, never by default.
func TestRootVersionsKnowSchema(t *testing.T) {
	t.Parallel()
	schema := NewExecutableSchema(Config{}).Schema()
	for _, f := range schema.Query.Fields {
		_, versioned := rootVersions[f.Name]
		unversioned := slices.Contains(unversionedRoots, f.Name)
		if versioned == unversioned {
			t.Errorf("Query.%s: versioned %v, unversioned %v: say in graph/versions.go which versions cover it", f.Name, versioned, unversioned)
		}
	}
	for name := range rootVersions {
		if !strings.HasPrefix(name, "__") && schema.Query.Fields.ForName(name) == nil {
			t.Errorf("rootVersions has %s, which Query does not", name)
		}
	}
}

// versionedTypes are the types a versioned root field's answer can hold,
// all of them read from a campaign's row or its roster, which its version
// covers (the migration that makes campaigns.version). A field added to
// one of them that reaches another type (import jobs, say) fails
// TestVersionedTypes until the version covers it too, or the root field
// leaves rootVersions.
var versionedTypes = []string{
	"Query", "Campaign", "CampaignStats", "CampaignConnection", "PageInfo",
	"ProspectConnection", "ProspectEdge", "Prospect", "RenderedTemplate", "CustomFieldKey",
}

// TestVersionedTypes walks the types under the versioned root fields.
func TestVersionedTypes(t *testing.T) {
	t.Parallel()
	schema := NewExecutableSchema(Config{}).Schema()
	seen := map[string]bool{}
	var walk func(def *ast.Definition, path string)
	walk = func(def *ast.Definition, path string) {
		if def.Kind != ast.Object && def.Kind != ast.Interface && def.Kind != ast.Union {
			return // scalars and enums are values
		}
		if seen[def.Name] {
			return
		}
		seen[def.Name] = true
		if !slices.Contains(versionedTypes, def.Name) {
			t.Errorf("%s reaches %s, which no campaign version is known to cover (graph/versions_test.go)", path, def.Name)
			return
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if def.Name == "Query" {
				if _, ok := rootVersions[f.Name]; !ok {
					continue
				}
			}
			walk(schema.Types[f.Type.Name()], path+"."+f.Name)
		}
	}
	walk(schema.Query, "Query")
}
