package db

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/google/uuid"

	"roster/model"
)

// ListQuery is one request for a page of a roster (SPEC §8): the arguments
// of the prospects fields, and the fields the caller will read. It is built
// from a field's arguments in one place, NewListQuery, through listArgs;
// the loader's key (Key), whether marks can place its page (marksFor) and
// the statuses its filters let through (statuses: both listing
// statements' WHERE and their count) derive from the same table, so an
// argument cannot reach the one and miss the other.
type ListQuery struct {
	Status *model.ProspectStatus
	Stage  *model.ProspectStage
	Page   *int
	Limit  *int
	// After is the id an `after` cursor decoded to.
	After *uuid.UUID
	// Fields, when set, are the only Prospect fields (GraphQL names) the
	// caller will read: the others' columns are not sent (NULL in their
	// place), which saves PostgreSQL producing them. Id is always read.
	// Not an argument: not part of Key.
	Fields []string
}

// ListRosterArg is the argument of Query.prospects that names the roster;
// Campaign.prospects lists its parent's roster and has no such argument.
const ListRosterArg = "campaignId"

// listArg is one argument of the prospects fields, other than the roster.
// Its functions take and return the query by value: called through a
// table, a pointer would make every query escape to the heap (the page
// path counts its allocations, BenchmarkListPage).
type listArg struct {
	name string
	// set puts the value gqlgen's executor parsed (a typed nil pointer
	// when the argument is absent or null) into q; false when it is not of
	// the field's type.
	set func(q ListQuery, v any) (ListQuery, bool)
	// given says q has a value for it.
	given func(q ListQuery) bool
	// value is q's value for it as a comparable value, nil when not given:
	// its part of Key.
	value func(q ListQuery) any
	// marks is how marks (marks.go) serve a query that gives the argument:
	// the status whose marks place the page, "" for any (marksPlace). nil,
	// the default, means never: a query giving it walks, so a new filter
	// is never served from the marks of a roster it does not filter.
	marks func(q ListQuery) (status string)
	// statuses, for a filter, are the statuses it lets through, when given;
	// nil for an argument that says where the page is (position). A
	// filter is a set of statuses because that is what the kept stats
	// count (totalExpr): one of another kind needs a count of its own.
	statuses func(q ListQuery) statusSet
}

// listArgs are the arguments of the prospects fields, written once:
// Query.prospects takes ListRosterArg and these, Campaign.prospects these.
// TestListQueryKnowsSchema (graph) holds them to schema.graphqls: both
// fields' arguments, each of which must reach Key.
var listArgs = [...]listArg{
	filter("status",
		func(q ListQuery) *model.ProspectStatus { return q.Status },
		func(q ListQuery, v *model.ProspectStatus) ListQuery { q.Status = v; return q },
		func(st model.ProspectStatus) statusSet { return statusesOf(st) },
		func(q ListQuery) string { return q.Status.DB() }), // that status's marks
	filter("stage",
		func(q ListQuery) *model.ProspectStage { return q.Stage },
		func(q ListQuery, v *model.ProspectStage) ListQuery { q.Stage = v; return q },
		func(st model.ProspectStage) statusSet { return statusesOf(st.Statuses()...) },
		nil),
	position("page",
		func(q ListQuery) *int { return q.Page },
		func(q ListQuery, v *int) ListQuery { q.Page = v; return q },
		marksPlace),
	position("limit",
		func(q ListQuery) *int { return q.Limit },
		func(q ListQuery, v *int) ListQuery { q.Limit = v; return q },
		marksPlace),
	position("after", // a keyset page seeks its cursor, no marks
		func(q ListQuery) *uuid.UUID { return q.After },
		func(q ListQuery, v *uuid.UUID) ListQuery { q.After = v; return q },
		nil),
}

// marksPlace is the marks rule of an argument that only says where the
// page is, which is what marks find.
func marksPlace(ListQuery) string { return "" }

// position is the listArg of a nullable argument that says where the page
// is in the filtered roster (NewPage, the keyset seek), held in a
// ListQuery as a *T that get reads and put writes.
func position[T comparable](name string, get func(ListQuery) *T, put func(ListQuery, *T) ListQuery, marks func(ListQuery) string) listArg {
	return listArg{
		name: name,
		set: func(q ListQuery, v any) (ListQuery, bool) {
			p, ok := v.(*T)
			return put(q, p), ok || v == nil
		},
		given: func(q ListQuery) bool { return get(q) != nil },
		value: func(q ListQuery) any {
			if p := get(q); p != nil {
				return *p
			}
			return nil
		},
		marks: marks,
	}
}

// filter is the listArg of a nullable argument that keeps the prospects
// of the statuses it names.
func filter[T comparable](name string, get func(ListQuery) *T, put func(ListQuery, *T) ListQuery, statuses func(T) statusSet, marks func(ListQuery) string) listArg {
	a := position(name, get, put, marks)
	a.statuses = func(q ListQuery) statusSet { return statuses(*get(q)) }
	return a
}

// statusSet is a set of prospect statuses: bit i is
// model.AllProspectStatuses[i].
type statusSet uint32

func statusesOf(sts ...model.ProspectStatus) statusSet {
	var s statusSet
	for i, st := range model.AllProspectStatuses {
		if slices.Contains(sts, st) {
			s |= 1 << i
		}
	}
	return s
}

// list is the set's statuses in pipeline order.
func (s statusSet) list() []model.ProspectStatus {
	out := make([]model.ProspectStatus, 0, bits.OnesCount32(uint32(s)))
	for i, st := range model.AllProspectStatuses {
		if s&(1<<i) != 0 {
			out = append(out, st)
		}
	}
	return out
}

// statuses are the statuses q's filters let through (every filter given:
// they are ANDed), and whether it gives any. Both listing statements'
// WHERE (statusWhere) and count (totalExpr) derive from them.
func (q ListQuery) statuses() (set statusSet, filtered bool) {
	set = ^statusSet(0)
	for i := range listArgs {
		if a := &listArgs[i]; a.statuses != nil && a.given(q) {
			set &= a.statuses(q)
			filtered = true
		}
	}
	return set, filtered
}

// ListArgs names the arguments a ListQuery knows: Query.prospects takes
// ListRosterArg and these, Campaign.prospects these.
func ListArgs() []string {
	names := make([]string, len(listArgs))
	for i, a := range listArgs {
		names[i] = a.name
	}
	return names
}

// NewListQuery reads a prospects field's arguments, as gqlgen's executor
// parsed them (graphql.FieldContext.Args, or the field's args function),
// into a ListQuery, with the roster they name (ListRosterArg; uuid.Nil
// under Campaign.prospects, whose roster is its parent). An argument it
// does not know is an error, not ignored: the page would not be the one
// asked for.
func NewListQuery(args map[string]any) (q ListQuery, roster uuid.UUID, err error) {
	known := 0
	if v, ok := args[ListRosterArg]; ok {
		known++
		if roster, ok = v.(uuid.UUID); !ok {
			return q, roster, fmt.Errorf("list query: argument %s is a %T", ListRosterArg, v)
		}
	}
	for i := range listArgs {
		a := &listArgs[i]
		v, ok := args[a.name]
		if !ok {
			continue
		}
		known++
		if q, ok = a.set(q, v); !ok {
			return q, roster, fmt.Errorf("list query: argument %s is a %T", a.name, v)
		}
	}
	if known != len(args) {
		for name := range args {
			if name != ListRosterArg && !isListArg(name) {
				return q, roster, fmt.Errorf("list query: unknown argument %q (not in db.listArgs)", name)
			}
		}
	}
	return q, roster, nil
}

func isListArg(name string) bool {
	for _, a := range listArgs {
		if a.name == name {
			return true
		}
	}
	return false
}

// ListKey is a ListQuery's arguments as one comparable value: two queries
// with equal keys ask for the same page of any roster. The loader
// (graph/loader.go) loads each key's pages once. It holds every argument
// of listArgs, and not Fields (ListProspectsMany reads every column).
type ListKey [len(listArgs)]any

// Key is q's ListKey.
func (q ListQuery) Key() ListKey {
	var k ListKey
	for i := range listArgs {
		k[i] = listArgs[i].value(q)
	}
	return k
}

// marksFor says whether marks (marks.go) can place q's page pg of
// campaign's roster, and whose marks: those of the whole roster, or of one
// status. Only a page past the first mark, and a query each of whose
// arguments says how marks serve it (listArg.marks), can.
func (q ListQuery) marksFor(campaign uuid.UUID, pg Page) (marksKey, bool) {
	k := marksKey{campaign: campaign}
	if pg.Offset() < marksEvery {
		return k, false
	}
	for i := range listArgs {
		a := &listArgs[i]
		if !a.given(q) {
			continue
		}
		if a.marks == nil {
			return k, false
		}
		if status := a.marks(q); status != "" {
			k.status = status
		}
	}
	return k, true
}
