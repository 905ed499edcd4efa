package roster

import (
	"bytes"
	"maps"
	"slices"

	"roster/model"
)

// ImportOptions are addProspects' options (SPEC §12), with the defaults
// applied.
type ImportOptions struct {
	OnDuplicate    model.DuplicatePolicy
	OtherCampaigns model.OtherCampaignsPolicy
	SkipSuppressed bool
}

// Options applies the schema's defaults to addProspects' options (nil:
// omitted, which equals {}).
func Options(in *model.AddProspectsOptions) ImportOptions {
	o := ImportOptions{OnDuplicate: model.DuplicatePolicySkip, OtherCampaigns: model.OtherCampaignsPolicyIgnore, SkipSuppressed: true}
	if in == nil {
		return o
	}
	if in.OnDuplicate != nil {
		o.OnDuplicate = *in.OnDuplicate
	}
	if in.OtherCampaigns != nil {
		o.OtherCampaigns = *in.OtherCampaigns
	}
	if in.SkipSuppressed != nil {
		o.SkipSuppressed = *in.SkipSuppressed
	}
	return o
}

// ChecksOtherCampaigns says whether rows are looked up on the owner's
// other campaigns.
func (o ImportOptions) ChecksOtherCampaigns() bool {
	return o.OtherCampaigns == model.OtherCampaignsPolicySkipIfLive || o.OtherCampaigns == model.OtherCampaignsPolicySkipIfAny
}

// Counts says whether a campaign in status st holds identities that
// OtherCampaigns skips: SKIP_IF_LIVE counts LAUNCHING, ACTIVE and PAUSED
// campaigns, SKIP_IF_ANY all.
func (o ImportOptions) Counts(st model.CampaignStatus) bool {
	switch o.OtherCampaigns {
	case model.OtherCampaignsPolicySkipIfAny:
		return true
	case model.OtherCampaignsPolicySkipIfLive:
		return st == model.CampaignStatusLaunching || st == model.CampaignStatusActive || st == model.CampaignStatusPaused
	}
	return false
}

// Skip says why the first row of an identity was skipped (SPEC §12).
type Skip struct {
	Reason model.SkipReason
	// Suppression is the blocking entry (SUPPRESSED), Campaign the other
	// campaign holding the identity (IN_OTHER_CAMPAIGN).
	Suppression *model.Suppression
	Campaign    *model.Campaign
}

// FirstRows are the batch's first rows of each identity, in submission
// order: the rows the suppression list and other campaigns are asked about
// (a later row of an identity is IN_BATCH, whatever they say).
func (b *Batch) FirstRows() []*model.Prospect {
	rows := make([]*model.Prospect, 0, len(b.FirstOf))
	for _, id := range b.Identities() {
		rows = append(rows, b.Rows[b.FirstOf[id]])
	}
	return rows
}

// SkipRow marks the first row of identity as skipped, unless an earlier
// check already did (SUPPRESSED comes before IN_OTHER_CAMPAIGN).
func (b *Batch) SkipRow(identity string, s *Skip) {
	if b.Skips == nil {
		b.Skips = map[string]*Skip{}
	}
	if _, done := b.Skips[identity]; !done {
		b.Skips[identity] = s
	}
}

// ToInsert lists the identities to write: the first rows that were not
// skipped (the insert itself finds which of them the roster holds).
func (b *Batch) ToInsert() []string {
	ids := b.Identities()
	if len(b.Skips) == 0 {
		return ids
	}
	return slices.DeleteFunc(ids, func(id string) bool { _, skipped := b.Skips[id]; return skipped })
}

// Merge is onDuplicate: UPDATE for every identity on the roster (SPEC
// §12): the first row of the identity merged into the roster's prospect.
// It returns the prospects that changed, in submission order of their
// rows, with their new values and updatedAt moved to now; unchanged ones
// stay as they are. A merge past the custom-fields limit refuses the batch
// with the row's userError, as SPEC §6 says. Every prospect of OnRoster
// must have been read.
func (b *Batch) Merge(ch model.Channel) ([]*model.Prospect, error) {
	var changed []*model.Prospect
	var errs rowErrors
	for i, row := range b.Rows {
		existing := b.OnRoster[row.Identity]
		if existing == nil || b.FirstOf[row.Identity] != i {
			continue
		}
		merged, ok, err := mergeRow(ch, existing, row)
		if err != nil {
			errs.add(i, "customFields", "%v", err)
			continue
		}
		if ok {
			merged.UpdatedAt = row.CreatedAt
			b.OnRoster[row.Identity] = merged
			changed = append(changed, merged)
		}
	}
	if len(errs.errs) > 0 {
		return nil, errs.errs
	}
	b.Updated = changed
	return changed, nil
}

// mergeRow merges row into a copy of p: each text field the row has
// replaces p's, except the required identity, which stays as stored (it
// is the same person by its normalized form); customFields merge key by
// key, the row's winning, its null values ignored, no key removed. ok says
// whether anything changed.
func mergeRow(ch model.Channel, p, row *model.Prospect) (merged *model.Prospect, ok bool, err error) {
	m := *p
	required := RequiredIdentity(ch)
	for i := range model.ProspectTexts {
		f := &model.ProspectTexts[i]
		v := *f.Of(row)
		if v == nil || f.Name == required {
			continue
		}
		if cur := *f.Of(&m); cur == nil || *cur != *v {
			*f.Of(&m) = v
			ok = true
			if f.Identity {
				m.OtherIdentity = row.OtherIdentity
			}
		}
	}
	var fields map[string]any
	if err := decodeJSON(row.CustomFieldsJSON(), &fields); err != nil {
		return nil, false, err
	}
	if len(fields) > 0 {
		out := maps.Clone(p.CustomFields)
		if out == nil {
			if err := decodeJSON(p.CustomFieldsJSON(), &out); err != nil {
				return nil, false, err
			}
		}
		for k, v := range fields {
			if v != nil {
				out[k] = v
			}
		}
		js, err := checkCustomFields(out)
		if err != nil {
			return nil, false, err
		}
		if !bytes.Equal(js, p.CustomFieldsJSON()) {
			m.CustomFields, m.CustomFieldsRaw = out, js
			ok = true
		}
	}
	return &m, ok, nil
}
