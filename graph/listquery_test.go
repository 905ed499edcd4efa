package graph

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"roster/db"
	"roster/model"
)

// TestListQueryKnowsSchema holds the list query's arguments (db.ListArgs,
// the table in db/listquery.go) to schema.graphqls: both prospects fields
// take exactly the arguments it knows (Query.prospects the roster too),
// and each of them, given a value and parsed by gqlgen's own generated
// args function (the one the executor and the fast path run), reaches the
// query: its key (db.ListQuery.Key, the loader's cache key), or the roster.
// An argument added to the schema fails here until db.ListQuery knows it;
// until then db.NewListQuery refuses it at run time rather than serve a
// page that ignores it.
func TestListQueryKnowsSchema(t *testing.T) {
	t.Parallel()
	schema := NewExecutableSchema(Config{}).Schema()
	ec := newExecutionContext(&graphql.OperationContext{}, &executableSchema{}, nil)
	for _, f := range []struct {
		object string
		roster bool // the field takes db.ListRosterArg
		parse  func(ctx context.Context, raw map[string]any) (map[string]any, error)
	}{
		{"Query", true, ec.field_Query_prospects_args},
		{"Campaign", false, ec.field_Campaign_prospects_args},
	} {
		t.Run(f.object, func(t *testing.T) {
			def := schema.Types[f.object].Fields.ForName("prospects")
			if def == nil {
				t.Fatalf("%s.prospects is not in the schema", f.object)
			}
			var have []string
			for _, a := range def.Arguments {
				have = append(have, a.Name)
			}
			want := db.ListArgs()
			if f.roster {
				want = append(want, db.ListRosterArg)
			}
			slices.Sort(have)
			slices.Sort(want)
			if !slices.Equal(have, want) {
				t.Fatalf("%s.prospects takes %q, db.ListQuery knows %q: add the argument to listArgs in db/listquery.go", f.object, have, want)
			}

			// Each argument, given, changes the query that of the required
			// arguments alone.
			query := func(raw map[string]any) (db.ListQuery, uuid.UUID) {
				t.Helper()
				args, err := f.parse(context.Background(), raw)
				if err != nil {
					t.Fatalf("gqlgen refused %v: %v", raw, err)
				}
				q, roster, err := db.NewListQuery(args)
				if err != nil {
					t.Fatalf("%v: %v", raw, err)
				}
				return q, roster
			}
			base := map[string]any{}
			for _, a := range def.Arguments {
				if a.Type.NonNull {
					base[a.Name] = listSample(t, schema, a, 0)
				}
			}
			q0, roster0 := query(base)
			for _, a := range def.Arguments {
				raw := maps.Clone(base)
				raw[a.Name] = listSample(t, schema, a, 1)
				q, roster := query(raw)
				if q.Key() == q0.Key() && roster == roster0 {
					t.Errorf("%s.prospects(%s: %v) does not reach the list query", f.object, a.Name, raw[a.Name])
				}
			}
		})
	}
}

// listSample is a value of argument a's type as a request carries it
// (variant 0 and 1 differ), for TestListQueryKnowsSchema.
func listSample(t *testing.T, schema *ast.Schema, a *ast.ArgumentDefinition, variant int) any {
	t.Helper()
	ids := []uuid.UUID{uuid.MustParse("0190a000-0000-7000-8000-000000000001"), uuid.MustParse("0190a000-0000-7000-8000-000000000002")}
	if a.Type.Elem != nil {
		t.Fatalf("argument %s: a list; give listSample a value for it", a.Name)
	}
	switch name := a.Type.NamedType; {
	case name == "Int":
		return int64(7 + variant)
	case name == "UUID":
		return ids[variant].String()
	case name == "Cursor":
		return model.EncodeCursor(ids[variant])
	case schema.Types[name] != nil && schema.Types[name].Kind == ast.Enum:
		return schema.Types[name].EnumValues[variant].Name
	default:
		t.Fatalf("argument %s: no sample of type %s; give listSample one", a.Name, name)
		return nil
	}
}
