package roster

import (
	"strings"
	"unicode/utf8"

	"roster/model"
)

// FieldProblem is one broken row rule of a row: the field (a
// model.ProspectTexts name, or "customFields") and what is wrong with it.
type FieldProblem struct {
	Field   string
	Message string
}

// RowCheck is one row under the row rules (SPEC §5, §6), as an import job
// needs it: a bad row does not refuse the others, it is reported.
type RowCheck struct {
	// Valid says the row would be added as it is.
	Valid bool
	// Prospect is the row as it would be added (nil when not Valid).
	Prospect *model.Prospect
	// Identity is the row's normalized required identity when that is
	// valid, even if another field of the row is not: a later row of the
	// identity is then IN_BATCH (the first row wins, SPEC §13).
	Identity string
	// Problems are every broken rule of an invalid row, in field order.
	Problems []FieldProblem
}

// CheckRows checks each row with the rules addProspects applies (the same
// newProspect), without refusing the batch for a bad row.
func CheckRows(ch model.Channel, rows []*model.ProspectInput) []RowCheck {
	out := make([]RowCheck, len(rows))
	required := RequiredIdentity(ch)
	for i, in := range rows {
		var problems []FieldProblem
		errs := rowErrors{problems: &problems}
		if p := newProspect(ch, i, in, &errs); p != nil {
			out[i] = RowCheck{Valid: true, Identity: p.Identity, Prospect: p}
			continue
		}
		out[i].Problems = problems
		if requiredOK(problems, required) {
			out[i].Identity = identityOf(ch, in)
		}
	}
	return out
}

func requiredOK(problems []FieldProblem, required string) bool {
	for _, p := range problems {
		if p.Field == required {
			return false
		}
	}
	return true
}

// identityOf is the normalized required identity of a row whose required
// identity passed the rules ("" if it did not after all).
func identityOf(ch model.Channel, in *model.ProspectInput) string {
	name := RequiredIdentity(ch)
	for i := range model.ProspectTexts {
		f := &model.ProspectTexts[i]
		if f.Name != name {
			continue
		}
		raw := *f.InputOf(in)
		if raw == nil || model.StorableText(*raw) != nil || utf8.RuneCountInString(strings.TrimSpace(*raw)) > MaxTextLen {
			return ""
		}
		if _, normalized, err := identityFuncs[name](*raw); err == nil {
			return normalized
		}
	}
	return ""
}

// ChunkPlan is what becomes of the rows of an import job's chunk (SPEC
// §13): every identity's first row in the whole file wins, valid or not.
type ChunkPlan struct {
	// Add are the valid rows to add (addProspects' rules decide the rest:
	// the roster, the suppression list, other campaigns).
	Add []int
	// InBatch counts the valid rows whose identity an earlier row of the
	// file claimed (IN_BATCH duplicates).
	InBatch int
	// Invalid are the rows the row rules refuse.
	Invalid []int
	// Claimed are the identities this chunk's rows claim first.
	Claimed []string
}

// PlanChunk sorts a chunk's checked rows; seen says whether an earlier
// chunk claimed an identity. An invalid row is invalid whatever came
// before (its userError is the first outcome that applies, SPEC §12), and
// claims its identity when that is valid: a later valid row of it is
// IN_BATCH, as a later row of a skipped one is.
func PlanChunk(checks []RowCheck, seen func(identity string) bool) ChunkPlan {
	var p ChunkPlan
	claimed := map[string]bool{}
	for i, c := range checks {
		first := c.Identity != "" && !claimed[c.Identity] && !seen(c.Identity)
		if first {
			claimed[c.Identity] = true
			p.Claimed = append(p.Claimed, c.Identity)
		}
		switch {
		case !c.Valid:
			p.Invalid = append(p.Invalid, i)
		case first:
			p.Add = append(p.Add, i)
		default:
			p.InBatch++
		}
	}
	return p
}
