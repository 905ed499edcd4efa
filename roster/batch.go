package roster

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"runtime"
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

// Record notes which of the batch's identities the insert wrote (written
// holds their ids), and which it found on the roster.
func (b *Batch) Record(written map[uuid.UUID]bool) {
	identities := b.Identities()
	b.Inserted = make(map[string]*model.Prospect, len(written))
	b.OnRoster = make(map[string]*model.Prospect, len(identities)-len(written))
	for _, id := range identities {
		if p := b.Rows[b.FirstOf[id]]; written[p.ID] {
			b.Inserted[id] = p
		} else {
			b.OnRoster[id] = nil // on the roster; its prospect is read, if at all, by the store
		}
	}
}

// Skipped lists the identities the insert found on the roster.
func (b *Batch) Skipped() []string {
	out := make([]string, 0, len(b.OnRoster))
	for id := range b.OnRoster {
		out = append(out, id)
	}
	return out
}

// Report fills res: the written prospects in submission order and a
// DuplicateRow for every other row. A row whose identity is on the roster is
// ALREADY_ON_ROSTER even when an earlier row of the batch has it too; IN_BATCH
// rows point at the prospect made from the first row (nil on a dry run).
func (b *Batch) Report(res *AddResult, dryRun bool) {
	for i, p := range b.Rows {
		if existing, ok := b.OnRoster[p.Identity]; ok {
			res.Duplicates = append(res.Duplicates, &model.DuplicateRow{
				Index: i, Identity: p.Identity, Reason: model.DuplicateReasonAlreadyOnRoster, Prospect: existing,
			})
			continue
		}
		if first := b.FirstOf[p.Identity]; first != i {
			res.Duplicates = append(res.Duplicates, &model.DuplicateRow{
				Index: i, Identity: p.Identity, Reason: model.DuplicateReasonInBatch, Prospect: b.Inserted[p.Identity],
			})
			continue
		}
		res.ImportedCount++
		if !dryRun {
			res.Imported = append(res.Imported, p)
		}
	}
}
