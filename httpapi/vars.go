package httpapi

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"roster/model"
)

// Typed rows: addProspects' 1000-row variable read straight into
// model.ProspectInput.
//
// gqlgen's way costs more CPU than writing the rows: encoding/json decodes
// the body into maps, gqlparser's VariableValues then checks every field of
// every row by reflection (writing each value back into its map), and the
// rows are unmarshalled from those maps twice (for the complexity limit and
// for the resolver). In issue 3's profile that was 10 of the server's 21 ms
// of CPU per batch. So the POST transport reads the body with jsontext, and
// a variable that is a list of objects is decoded as ProspectInput rows on
// the spot (model.JSONReader). The executor is handed an empty
// list in its place, which validates as any list does, and
// typedVariables, the first operation-context mutator, puts the rows back
// once the operation shows the variable's type is [ProspectInput!].
//
// The result is the same as gqlgen's, errors included, because every step
// gives up on anything it would not read exactly as the generic path does
// (a duplicate name, invalid UTF-8, a number for a text field, an unknown
// field, a variable of another type, any validation error): the request is
// then decoded and validated again the generic way. TestTypedRowsMatchGeneric
// holds the two paths to identical answers, and FuzzDecodeRequest holds the
// decoding to encoding/json's.

// decodeRequest reads a POST body as transport.POST does (encoding/json
// with UseNumber into graphql.RawParams), except that a variable holding a
// list of objects is read as ProspectInput rows, returned in rows and left
// as an empty list in params. ok=false: decode it the generic way.
func decodeRequest(body []byte) (params *graphql.RawParams, rows map[string][]any, ok bool) {
	r := model.NewJSONReader(body)
	if !r.Token('{') {
		return nil, nil, false
	}
	params = &graphql.RawParams{}
	var seen [4]bool
	for r.PeekKind() != '}' {
		name, ok := r.String()
		if !ok {
			return nil, nil, false
		}
		switch name {
		case "query":
			ok = once(&seen[0]) && readText(r, &params.Query)
		case "operationName":
			ok = once(&seen[1]) && readText(r, &params.OperationName)
		case "variables":
			ok = once(&seen[2])
			if ok {
				params.Variables, rows, ok = readVariables(r)
			}
		case "extensions":
			ok = once(&seen[3]) && (r.Token('n') || readObject(r, &params.Extensions))
		default:
			// encoding/json matches field names case-insensitively.
			for _, f := range [...]string{"query", "operationName", "variables", "extensions"} {
				ok = ok && !strings.EqualFold(name, f)
			}
			ok = ok && r.Skip()
		}
		if !ok {
			return nil, nil, false
		}
	}
	// Nothing but whitespace may follow the object (decodeGeneric).
	return params, rows, r.Token('}') && r.End()
}

func once(seen *bool) bool {
	if *seen {
		return false
	}
	*seen = true
	return true
}

// readText reads a string or a null ("").
func readText(r *model.JSONReader, dst *string) bool {
	if r.Token('n') {
		return true
	}
	s, ok := r.String()
	*dst = s
	return ok
}

// readObject reads an object.
func readObject(r *model.JSONReader, dst *map[string]any) bool {
	m, ok := r.Object()
	*dst = m
	return ok
}

// readVariables reads the variables object (or null).
func readVariables(r *model.JSONReader) (vars map[string]any, rows map[string][]any, ok bool) {
	if r.Token('n') {
		return nil, nil, true
	}
	if !r.Token('{') {
		return nil, nil, false
	}
	vars = map[string]any{}
	for r.PeekKind() != '}' {
		name, ok := r.String()
		if !ok {
			return nil, nil, false
		}
		if _, dup := vars[name]; dup {
			return nil, nil, false
		}
		if !r.Token('[') {
			if vars[name], ok = r.Value(); !ok {
				return nil, nil, false
			}
			continue
		}
		list := []any{}
		typed := r.PeekKind() == '{'
		for r.PeekKind() != ']' {
			var v any
			if typed {
				v, ok = r.ProspectInput()
			} else {
				v, ok = r.Value()
			}
			if !ok {
				return nil, nil, false
			}
			list = append(list, v)
		}
		if !r.Token(']') {
			return nil, nil, false
		}
		if !typed {
			vars[name] = list
			continue
		}
		if rows == nil {
			rows = map[string][]any{}
		}
		rows[name], vars[name] = list, []any{}
	}
	return vars, rows, r.Token('}')
}

type typedRowsKey struct{}

// withTypedRows gives typedVariables the rows decodeRequest set aside.
func withTypedRows(ctx context.Context, rows map[string][]any) context.Context {
	return context.WithValue(ctx, typedRowsKey{}, rows)
}

// errUntyped makes the transport decode the request again, the generic way.
var errUntyped = gqlerror.Errorf("a list of objects for a variable that is not [ProspectInput!]")

// typedVariables puts decodeRequest's rows in the operation's variables,
// before any other operation-context mutator (the complexity limit counts
// the rows): NewHandler hands it to graph.NewHandler as the First
// extension.
type typedVariables struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = typedVariables{}

func (typedVariables) ExtensionName() string { return "TypedVariables" }

func (typedVariables) Validate(graphql.ExecutableSchema) error { return nil }

func (typedVariables) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	rows, _ := ctx.Value(typedRowsKey{}).(map[string][]any)
	if rows == nil {
		return nil
	}
	for _, def := range rc.Operation.VariableDefinitions {
		list, ok := rows[def.Variable]
		if !ok {
			continue
		}
		if !isRowsType(def.Type) {
			return errUntyped
		}
		rc.Variables[def.Variable] = list
	}
	return nil
}

// isRowsType: [ProspectInput!] or [ProspectInput!]!.
func isRowsType(t *ast.Type) bool {
	return t.Elem != nil && t.Elem.NonNull && t.Elem.Elem == nil && t.Elem.NamedType == "ProspectInput"
}
