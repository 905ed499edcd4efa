package roster

import (
	"crypto/sha256"
	"fmt"

	"github.com/google/uuid"

	"roster/model"
)

// Idempotency keys (SPEC §12): 1 to 255 characters from '!' to '~',
// scoped to the owner and the mutation, replayed for KeyLifetime.
const (
	MaxKeyLen = 255
	// KeyLifetime is how long a stored result is replayed (the store's
	// SQL says the same interval).
	KeyLifetime = "24 hours"
)

// CheckKey validates an idempotencyKey argument: "" when none was given.
func CheckKey(key *string) (string, error) {
	if key == nil {
		return "", nil
	}
	k := *key
	bad := len(k) == 0 || len(k) > MaxKeyLen
	for i := 0; i < len(k) && !bad; i++ {
		bad = k[i] < '!' || k[i] > '~'
	}
	if bad {
		return "", model.Fail(model.UserErrorCodeBadUserInput, []string{"idempotencyKey"},
			"idempotencyKey must be 1 to %d characters from ! to ~ (printable ASCII, no space); got %d characters: %q",
			MaxKeyLen, len([]rune(k)), model.Truncate(k, 40))
	}
	return k, nil
}

// AddDigest is what identifies addProspects' arguments under a key: the
// SHA-256 of their canonical JSON with the defaults applied (SPEC §12),
// so a retry matches whatever way the client spelled the same call (key
// order, whitespace, a null or an omitted field, omitted options).
func AddDigest(campaignID uuid.UUID, rows []*model.ProspectInput, o ImportOptions) ([]byte, error) {
	canon := make([]map[string]any, len(rows))
	for i, in := range rows {
		row := map[string]any{}
		for j := range model.ProspectTexts {
			f := &model.ProspectTexts[j]
			if v := *f.InputOf(in); v != nil {
				row[f.Name] = *v
			}
		}
		fields := in.CustomFields
		if c := in.CustomFieldsCompact; c != nil {
			if err := decodeJSON(c.JSON, &fields); err != nil {
				return nil, fmt.Errorf("idempotency digest: %w", err)
			}
		}
		if len(fields) > 0 {
			row["customFields"] = fields
		}
		canon[i] = row
	}
	return digest(map[string]any{"campaignId": campaignID, "prospects": canon, "options": o})
}

// CampaignDigest is AddDigest for createCampaign.
func CampaignDigest(in model.CreateCampaignInput) ([]byte, error) {
	return digest(in)
}

// digest hashes v's JSON: encoding/json writes map keys sorted and no
// whitespace, which makes it canonical for these values.
func digest(v any) ([]byte, error) {
	b, err := model.CompactJSON(v)
	if err != nil {
		return nil, fmt.Errorf("idempotency digest: %w", err)
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// KeyReused is the userError for a key met again with other arguments.
func KeyReused(op string) error {
	return model.Fail(model.UserErrorCodeIdempotencyKeyReused, []string{"idempotencyKey"},
		"idempotencyKey was used within the last %s for a %s call with other arguments", KeyLifetime, op)
}

// AddRecord is what an addProspects call stores under its key: the
// outcome by row index and prospect id, from which a replay answers with
// the prospects as they are then.
type AddRecord struct {
	Imported      []uuid.UUID `json:"imported"`
	ImportedCount int         `json:"importedCount"`
	Duplicates    []RowRecord `json:"duplicates"`
	Skipped       []RowRecord `json:"skipped"`
	Updated       []uuid.UUID `json:"updated"`
}

// RowRecord is one duplicate or skipped row of an AddRecord.
type RowRecord struct {
	Index    int        `json:"i"`
	Identity string     `json:"id"`
	Reason   string     `json:"r"`
	Prospect *uuid.UUID `json:"p,omitempty"`
	// Suppression and Campaign: a skipped row's cause.
	Suppression *uuid.UUID `json:"s,omitempty"`
	Campaign    *uuid.UUID `json:"c,omitempty"`
}

// Record is res as stored under a key.
func Record(res *AddResult) *AddRecord {
	r := &AddRecord{ImportedCount: res.ImportedCount, Imported: ids(res.Imported), Updated: ids(res.Updated),
		Duplicates: []RowRecord{}, Skipped: []RowRecord{}}
	for _, d := range res.Duplicates {
		rr := RowRecord{Index: d.Index, Identity: d.Identity, Reason: string(d.Reason)}
		if d.Prospect != nil {
			rr.Prospect = &d.Prospect.ID
		}
		r.Duplicates = append(r.Duplicates, rr)
	}
	for _, s := range res.Skipped {
		rr := RowRecord{Index: s.Index, Identity: s.Identity, Reason: string(s.Reason)}
		if s.Suppression != nil {
			rr.Suppression = &s.Suppression.ID
		}
		if s.Campaign != nil {
			rr.Campaign = &s.Campaign.ID
		}
		r.Skipped = append(r.Skipped, rr)
	}
	return r
}

func ids(ps []*model.Prospect) []uuid.UUID {
	out := make([]uuid.UUID, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// ProspectIDs lists every prospect id r names, for the replay's read.
func (r *AddRecord) ProspectIDs() []uuid.UUID {
	all := append(append([]uuid.UUID{}, r.Imported...), r.Updated...)
	for _, d := range r.Duplicates {
		if d.Prospect != nil {
			all = append(all, *d.Prospect)
		}
	}
	return all
}

// Replay rebuilds the result r stored, with the prospects, entries and
// campaigns as they are now (found); those gone since are left out of the
// lists, and a row's prospect or cause is then null.
func (r *AddRecord) Replay(prospects map[uuid.UUID]*model.Prospect, suppressions map[uuid.UUID]*model.Suppression, campaigns map[uuid.UUID]*model.Campaign) *AddResult {
	res := &AddResult{ImportedCount: r.ImportedCount, Replayed: true}
	pick := func(ids []uuid.UUID) []*model.Prospect {
		var out []*model.Prospect
		for _, id := range ids {
			if p := prospects[id]; p != nil {
				out = append(out, p)
			}
		}
		return out
	}
	res.Imported, res.Updated = pick(r.Imported), pick(r.Updated)
	res.UpdatedCount = len(r.Updated)
	for _, d := range r.Duplicates {
		row := &model.DuplicateRow{Index: d.Index, Identity: d.Identity, Reason: model.DuplicateReason(d.Reason)}
		if d.Prospect != nil {
			row.Prospect = prospects[*d.Prospect]
		}
		res.Duplicates = append(res.Duplicates, row)
	}
	for _, s := range r.Skipped {
		row := &model.SkippedRow{Index: s.Index, Identity: s.Identity, Reason: model.SkipReason(s.Reason)}
		if s.Suppression != nil {
			row.Suppression = suppressions[*s.Suppression]
		}
		if s.Campaign != nil {
			row.Campaign = campaigns[*s.Campaign]
		}
		res.Skipped = append(res.Skipped, row)
	}
	return res
}

// ImportDigest is AddDigest for startProspectImport: the file compares by
// its bytes (their SHA-256) and its name (SPEC §12).
func ImportDigest(campaignID uuid.UUID, fileName string, fileSum []byte, mapping []*model.ColumnMappingInput, o ImportOptions) ([]byte, error) {
	if mapping == nil {
		mapping = []*model.ColumnMappingInput{}
	}
	return digest(map[string]any{"campaignId": campaignID, "fileName": fileName, "file": fileSum, "mapping": mapping, "options": o})
}
