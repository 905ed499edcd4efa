package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"roster/apierr"
	"roster/model"
)

// maxSafeInt bounds every Int the server takes, literal or variable: 2^53−1,
// the largest integer a JavaScript client sends exactly (SPEC §4: `page`
// takes any number up to it).
const maxSafeInt = 1<<53 - 1

// inputRules is a gqlgen extension that finishes GraphQL's input coercion
// where gqlparser's validation stops short, before anything executes, so
// that a value of the wrong type is a request error (GRAPHQL_VALIDATION_FAILED,
// with the statuses of SPEC §4) rather than an error in the middle of
// execution:
//
//   - Variables are decoded with UseNumber, and a json.Number is a string to
//     gqlparser's reflection, so it takes "1" for an Int and 123 for a
//     String; it also matches enum values ignoring case, which the enums'
//     unmarshalers then refuse. Here every variable's value is held to its
//     declared type exactly.
//   - An Int is a whole number within ±maxSafeInt (gqlparser takes any
//     int64, and a page near 2^63 overflowed its offset).
//   - @defer (and @stream) are refused: the server answers in one part
//     (README, "Where the contract is silent").
type inputRules struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = inputRules{}

func (inputRules) ExtensionName() string                   { return "InputRules" }
func (inputRules) Validate(graphql.ExecutableSchema) error { return nil }

func (x inputRules) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	for _, def := range rc.Operation.VariableDefinitions {
		path := ast.Path{ast.PathName("variable"), ast.PathName(def.Variable)}
		if err := x.value(def.Type, rc.Variables[def.Variable], path); err != nil {
			return err
		}
	}
	w := literals{doc: rc.Doc, seen: map[string]bool{}}
	return w.selectionSet(rc.Operation.SelectionSet)
}

// customScalars checks the schema's own scalars as their unmarshalers will;
// nil: checked where the argument is read (a cursor that does not decode is
// BAD_USER_INPUT, SPEC §8). TestInputRulesKnowEveryScalar holds it to the
// schema.
var customScalars = map[string]func(any) error{
	"UUID":       func(v any) error { _, err := model.UnmarshalUUID(v); return err },
	"Time":       func(v any) error { _, err := model.UnmarshalTime(v); return err },
	"JSONObject": func(v any) error { _, err := model.UnmarshalJSONObject(v); return err },
	"Cursor":     nil,
}

// value checks a variable's value against its type; gqlparser has already
// checked nullability, lists and input objects' fields.
func (x inputRules) value(t *ast.Type, v any, path ast.Path) *gqlerror.Error {
	if v == nil {
		return nil
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return x.value(t.Elem, v, path) // one value stands for a list of it
		}
		for i, e := range list {
			if err := x.value(t.Elem, e, append(path, ast.PathIndex(i))); err != nil {
				return err
			}
		}
		return nil
	}
	def := x.schema.Types[t.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Enum:
		if s, ok := v.(string); ok && def.EnumValues.ForName(s) != nil {
			return nil
		}
		names := make([]string, len(def.EnumValues))
		for i, ev := range def.EnumValues {
			names[i] = ev.Name
		}
		return coercionError(path, "%s is not a %s: its values are %s, in capitals", describe(v), def.Name, strings.Join(names, ", "))
	case ast.Scalar:
		return scalar(def.Name, v, path)
	case ast.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil // typed rows (httpapi/vars.go), read by their own rules
		}
		for _, f := range def.Fields {
			if fv, ok := m[f.Name]; ok {
				if err := x.value(f.Type, fv, append(path, ast.PathName(f.Name))); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// scalar holds v to GraphQL's input coercion of the scalar name.
func scalar(name string, v any, path ast.Path) *gqlerror.Error {
	switch name {
	case "Int":
		n, ok := wholeNumber(v)
		if !ok {
			return coercionError(path, "%s is not an Int", describe(v))
		}
		if n < -maxSafeInt || n > maxSafeInt {
			return coercionError(path, "%s is out of range for Int (at most ±%d here)", describe(v), int64(maxSafeInt))
		}
	case "Float":
		switch v.(type) {
		case json.Number, float64, float32, int, int32, int64:
		default:
			return coercionError(path, "%s is not a Float", describe(v))
		}
	case "String":
		if _, ok := v.(string); !ok {
			return coercionError(path, "%s is not a String", describe(v))
		}
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return coercionError(path, "%s is not a Boolean", describe(v))
		}
	case "ID":
		if _, ok := v.(string); ok {
			return nil
		}
		if _, ok := wholeNumber(v); !ok {
			return coercionError(path, "%s is not an ID", describe(v))
		}
	default:
		check := customScalars[name]
		if check == nil {
			return nil
		}
		if err := check(v); err != nil {
			e := coercionError(path, "%s", err.Error())
			if ge, ok := err.(*gqlerror.Error); ok {
				e.Message = ge.Message
			}
			return e
		}
	}
	return nil
}

// wholeNumber is v as an integer, if it is a JSON number without a
// fraction that fits in an int64.
func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int64(n), true
		}
	}
	return 0, false
}

// describe names a value's JSON kind for an error message, with short
// values themselves.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) > 40 {
			return "a string"
		}
		return "the string " + strconv.Quote(v)
	case json.Number:
		if len(v) > 40 {
			return "a number"
		}
		return "the number " + string(v)
	case bool:
		return "the boolean " + strconv.FormatBool(v)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case int, int32, int64, float64:
		return fmt.Sprint("the number ", v)
	}
	return "a value"
}

func coercionError(path ast.Path, format string, args ...any) *gqlerror.Error {
	e := gqlerror.ErrorPathf(path, format, args...)
	errcode.Set(e, apierr.ValidationFailed)
	return e
}

// literals checks the literal arguments of an operation's fields (Int
// ranges) and refuses @defer and @stream, in the operation and in the
// fragments it spreads (each once).
type literals struct {
	doc  *ast.QueryDocument
	seen map[string]bool
}

func (w *literals) selectionSet(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		var err *gqlerror.Error
		switch sel := sel.(type) {
		case *ast.Field:
			if err = incremental(sel.Directives); err == nil {
				err = w.arguments(sel.Arguments)
			}
			if err == nil {
				err = w.selectionSet(sel.SelectionSet)
			}
		case *ast.InlineFragment:
			if err = incremental(sel.Directives); err == nil {
				err = w.selectionSet(sel.SelectionSet)
			}
		case *ast.FragmentSpread:
			err = incremental(sel.Directives)
			if def := w.doc.Fragments.ForName(sel.Name); err == nil && def != nil && !w.seen[sel.Name] {
				w.seen[sel.Name] = true
				err = w.selectionSet(def.SelectionSet)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *literals) arguments(args ast.ArgumentList) *gqlerror.Error {
	for _, a := range args {
		if err := literal(a.Value); err != nil {
			return err
		}
	}
	return nil
}

// literal checks an argument's literal value and what it holds.
func literal(v *ast.Value) *gqlerror.Error {
	if v == nil {
		return nil
	}
	if v.Kind == ast.IntValue && v.Definition != nil && v.Definition.Name == "Int" {
		n, err := strconv.ParseInt(v.Raw, 10, 64)
		if err != nil || n < -maxSafeInt || n > maxSafeInt {
			e := gqlerror.ErrorPosf(v.Position, "%s is out of range for Int (at most ±%d here)", model.Truncate(v.Raw, 40), int64(maxSafeInt))
			errcode.Set(e, apierr.ValidationFailed)
			return e
		}
	}
	for _, c := range v.Children {
		if err := literal(c.Value); err != nil {
			return err
		}
	}
	return nil
}

// incremental refuses @defer and @stream.
func incremental(dirs ast.DirectiveList) *gqlerror.Error {
	for _, d := range dirs {
		if d.Name == "defer" || d.Name == "stream" {
			e := gqlerror.ErrorPosf(d.Position, "@%s is not supported by this server: remove it, and the whole answer comes at once", d.Name)
			errcode.Set(e, apierr.ValidationFailed)
			return e
		}
	}
	return nil
}
