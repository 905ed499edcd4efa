package roster

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"roster/model"
)

// AddResult is what addProspects reports (SPEC §5).
type AddResult struct {
	// Imported holds the prospects written, in submission order; on a dry
	// run it is empty and ImportedCount says how many would be.
	Imported      []*model.Prospect
	ImportedCount int
	Duplicates    []*model.DuplicateRow
	// Skipped are the rows the suppression list or other campaigns kept
	// out (SPEC §12), in row order.
	Skipped []*model.SkippedRow
	// Updated are the roster's prospects onDuplicate: UPDATE changed, as
	// they are now (empty on a dry run; UpdatedCount says how many).
	Updated      []*model.Prospect
	UpdatedCount int
	// Replayed says the result is an earlier call's, stored under its
	// idempotency key.
	Replayed bool
	// Campaign is the campaign after the write (its stats recomputed); it is
	// set with the ROSTER_FROZEN userError too.
	Campaign *model.Campaign
}

// CheckBatchSize is checked once the campaign is known, so the payload
// shows it.
func CheckBatchSize(rows []*model.ProspectInput) error {
	if n := len(rows); n < 1 || n > MaxBatchRows {
		return model.Fail(model.UserErrorCodeBadUserInput, []string{"prospects"},
			"prospects must hold 1 to %d rows; got %d", MaxBatchRows, n)
	}
	return nil
}

// Batch is a validated batch on its way to the roster: what the store
// writes, and how each row turned out.
type Batch struct {
	CampaignID uuid.UUID
	// Rows are the valid rows in submission order.
	Rows []*model.Prospect
	// FirstOf maps an identity to the index of its first row.
	FirstOf map[string]int
	// OnRoster maps an identity to the prospect already holding it (nil
	// when it is on the roster but was not read).
	OnRoster map[string]*model.Prospect
	// Inserted maps an identity to the prospect this batch wrote.
	Inserted map[string]*model.Prospect
	// Skips maps an identity whose first row was skipped to why (SPEC §12).
	Skips map[string]*Skip
	// Updated are the roster's prospects Merge changed.
	Updated []*model.Prospect
}

// Plan validates every row and numbers the first row of each identity.
// Ids are UUIDv7, generated here in submission order: they are the roster
// order, so a batch lists in the order it was submitted.
func Plan(c *model.Campaign, rows []*model.ProspectInput) (*Batch, error) {
	b := &Batch{CampaignID: c.ID, Rows: make([]*model.Prospect, len(rows)), FirstOf: make(map[string]int, len(rows))}
	if errs := checkRows(c.Channel, rows, b.Rows); len(errs) > 0 {
		return nil, errs
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	// One read of the system's randomness for the whole batch, not one per id.
	random := bufio.NewReaderSize(rand.Reader, 16*len(rows))
	for i, p := range b.Rows {
		id, err := uuid.NewV7FromReader(random)
		if err != nil {
			return nil, fmt.Errorf("prospect id: %w", err)
		}
		p.ID, p.CampaignID, p.CreatedAt, p.UpdatedAt = id, c.ID, now, now
		if _, seen := b.FirstOf[p.Identity]; !seen {
			b.FirstOf[p.Identity] = i
		}
	}
	return b, nil
}

// rowsPerCheck is the fewest rows worth a goroutine of their own.
const rowsPerCheck = 256

// checkRows checks rows into out (a nil for a bad row) and returns their
// userErrors, the first maxUserErrors bad rows' in row order, as one pass
// in order would. A large batch is checked in parts on up to GOMAXPROCS
// goroutines: the rows are independent, and while the server checks them
// nothing else of the request can go on (about 2.5 ms of CPU per 1000
// rows).
func checkRows(ch model.Channel, rows []*model.ProspectInput, out []*model.Prospect) model.UserErrors {
	return checkRowsIn(max(1, min(runtime.GOMAXPROCS(0), len(rows)/rowsPerCheck)), ch, rows, out)
}

func checkRowsIn(parts int, ch model.Channel, rows []*model.ProspectInput, out []*model.Prospect) model.UserErrors {
	size := (len(rows) + parts - 1) / parts
	errs := make([]rowErrors, parts)
	check := func(k int) {
		for i := k * size; i < min((k+1)*size, len(rows)); i++ {
			if out[i] = newProspect(ch, i, rows[i], &errs[k]); out[i] == nil && errs[k].full() {
				return
			}
		}
	}
	if parts == 1 {
		check(0) // a small batch: no goroutine
	} else {
		var wg sync.WaitGroup
		for k := range parts {
			wg.Go(func() { check(k) })
		}
		wg.Wait()
	}
	var all model.UserErrors
	for _, e := range errs {
		all = append(all, e.errs...)
	}
	return all[:min(len(all), maxUserErrors)]
}

// Identities lists the batch's distinct identities in submission order
// (of their first rows): the order rows are written in.
func (b *Batch) Identities() []string {
	ids := make([]string, 0, len(b.FirstOf))
	for i, p := range b.Rows {
		if p != nil && b.FirstOf[p.Identity] == i {
			ids = append(ids, p.Identity)
		}
	}
	return ids
}

// Record notes which of the identities the insert was given (ToInsert) it
// wrote (written holds their ids), and which it found on the roster.
func (b *Batch) Record(written map[uuid.UUID]bool) {
	identities := b.ToInsert()
	b.Inserted = make(map[string]*model.Prospect, len(written))
	if b.OnRoster == nil {
		b.OnRoster = make(map[string]*model.Prospect, len(identities)-len(written))
	}
	for _, id := range identities {
		if p := b.Rows[b.FirstOf[id]]; written[p.ID] {
			b.Inserted[id] = p
		} else {
			b.OnRoster[id] = nil // on the roster; its prospect is read, if at all, by the store
		}
	}
}

// Found notes the roster's prospects holding identities of the batch
// (found): each is ALREADY_ON_ROSTER, even when the suppression list or
// another campaign would have skipped its row (SPEC §12: the roster comes
// first).
func (b *Batch) Found(found map[string]*model.Prospect) {
	for id, p := range found {
		delete(b.Skips, id)
		b.OnRoster[id] = p
	}
}

// SkippedIdentities lists the identities whose first rows were skipped.
func (b *Batch) SkippedIdentities() []string {
	return slices.Collect(maps.Keys(b.Skips))
}

// Conflicted lists the identities the insert found on the roster.
func (b *Batch) Conflicted() []string {
	out := make([]string, 0, len(b.OnRoster))
	for id := range b.OnRoster {
		out = append(out, id)
	}
	return out
}

// Report fills res, giving each row the first outcome that applies (SPEC
// §12): IN_BATCH (a later row of an identity), ALREADY_ON_ROSTER, skipped
// (SUPPRESSED, IN_OTHER_CAMPAIGN), else imported. An IN_BATCH row points
// at its first row's prospect: the one imported from it, the roster's
// (merged, with onDuplicate: UPDATE), or nil when it was skipped (and on
// a dry run for an imported one).
func (b *Batch) Report(res *AddResult, dryRun bool) {
	for i, p := range b.Rows {
		if first := b.FirstOf[p.Identity]; first != i {
			prospect := b.Inserted[p.Identity]
			if existing, ok := b.OnRoster[p.Identity]; ok {
				prospect = existing
			}
			res.Duplicates = append(res.Duplicates, &model.DuplicateRow{
				Index: i, Identity: p.Identity, Reason: model.DuplicateReasonInBatch, Prospect: prospect,
			})
			continue
		}
		if existing, ok := b.OnRoster[p.Identity]; ok {
			res.Duplicates = append(res.Duplicates, &model.DuplicateRow{
				Index: i, Identity: p.Identity, Reason: model.DuplicateReasonAlreadyOnRoster, Prospect: existing,
			})
			continue
		}
		if s, ok := b.Skips[p.Identity]; ok {
			res.Skipped = append(res.Skipped, &model.SkippedRow{
				Index: i, Identity: p.Identity, Reason: s.Reason, Suppression: s.Suppression, Campaign: s.Campaign,
			})
			continue
		}
		res.ImportedCount++
		if !dryRun {
			res.Imported = append(res.Imported, p)
		}
	}
	res.UpdatedCount = len(b.Updated)
	if !dryRun {
		res.Updated = b.Updated
	}
}
