package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"roster/db"
	"roster/model"
)

// The add with every check of SPEC §12 on against the same add with them
// off (issue 12's target: at most 1.5×), for the owner of the 1M-entry
// suppression list, whose other campaigns hold a million prospects.

const (
	checkRosters   = 10
	checkRosterLen = 100_000
	checkReps      = 15
)

const importAddMutation = `mutation($c: UUID!, $rows: [ProspectInput!]!, $o: AddProspectsOptions) {
  addProspects(campaignId: $c, prospects: $rows, options: $o) { imported duplicates skipped userErrors { code message } }
}`

// checksResult is what the add rows measured.
type checksResult struct {
	loadTook time.Duration
	off, on  stats
}

// loadOtherRosters gives suppOwner ten EMAIL campaigns of 100k prospects
// (o<g>@other<r>.example), by SQL, and a DRAFT target campaign.
func loadOtherRosters(ctx context.Context, pool *pgxpool.Pool, store *db.Store) (target string, took time.Duration, err error) {
	began := time.Now()
	for r := range checkRosters {
		c, err := store.CreateCampaign(ctx, suppOwner, model.CreateCampaignInput{Name: fmt.Sprintf("bench other %d", r), Channel: model.ChannelEmail})
		if err != nil {
			return "", 0, err
		}
		if _, err := pool.Exec(ctx, `INSERT INTO prospects (id, campaign_id, identity, email)
SELECT (lpad(to_hex(1700000000000 + g), 12, '0') || '7' || lpad(to_hex(g % 4096), 3, '0') || '8' || substr(md5($1::text || g), 1, 15))::uuid,
	$1::text::uuid, e, e
FROM generate_series(1, $2::int) AS g, LATERAL (SELECT 'o' || g || '@other' || $3::int || '.example' AS e) AS ee`,
			c.ID.String(), checkRosterLen, r); err != nil {
			return "", 0, fmt.Errorf("load other roster: %w", err)
		}
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE prospects`); err != nil {
		return "", 0, err
	}
	c, err := store.CreateCampaign(ctx, suppOwner, model.CreateCampaignInput{Name: "bench checks target", Channel: model.ChannelEmail})
	if err != nil {
		return "", 0, err
	}
	return c.ID.String(), time.Since(began), nil
}

// checksBatch is rep's 1000 rows: 900 fresh, 50 on the 1M list (emails
// u<g>@d<g%50000>.example with g%10 ≥ 2, as loadSuppressions writes them),
// 50 on the other rosters.
func checksBatch(rep, side int) []map[string]any {
	rows := make([]map[string]any, 1000)
	b := rep*2 + side // the batch's number: its identities are its own
	for i := range rows {
		var email string
		switch j := b*50 + i/20; i % 20 {
		case 5:
			g := j*10 + 2 // g % 10 == 2: an EMAIL entry
			email = fmt.Sprintf("u%d@d%d.example", g, g%50000)
		case 15:
			email = fmt.Sprintf("o%d@other%d.example", j+1, j%checkRosters)
		default:
			email = fmt.Sprintf("fresh%d.%d@new.example", b, i)
		}
		rows[i] = map[string]any{"email": email, "firstName": "Ann", "company": "Acme", "customFields": map[string]any{"source": "bench"}}
	}
	return rows
}

// checksPhase adds checkReps batches with the checks off and on, in turns.
func checksPhase(ctx context.Context, pool *pgxpool.Pool, store *db.Store, api *client) (*checksResult, error) {
	step("loading %d other rosters of %d prospects for the list's owner (SQL)", checkRosters, checkRosterLen)
	target, took, err := loadOtherRosters(ctx, pool, store)
	if err != nil {
		return nil, err
	}
	res := &checksResult{loadTook: took}
	step("adding %d × 1000 rows with every check off and on (API, alternately)", checkReps)
	var off, on []time.Duration
	for rep := range checkReps {
		for side, o := range []struct {
			opts        map[string]any
			lat         *[]time.Duration
			wantSkipped int
		}{
			{map[string]any{"skipSuppressed": false, "otherCampaigns": "IGNORE"}, &off, 0},
			{map[string]any{"skipSuppressed": true, "otherCampaigns": "SKIP_IF_ANY"}, &on, 100},
		} {
			body, err := json.Marshal(map[string]any{"query": importAddMutation,
				"variables": map[string]any{"c": target, "rows": checksBatch(rep, side), "o": o.opts}})
			if err != nil {
				return nil, err
			}
			t0 := time.Now()
			b, err := api.send(ctx, body)
			if err != nil {
				return nil, err
			}
			*o.lat = append(*o.lat, time.Since(t0))
			var out struct {
				Data struct {
					AddProspects struct {
						Imported, Duplicates, Skipped int
						UserErrors                    []json.RawMessage
					}
				}
			}
			if err := json.Unmarshal(b, &out); err != nil {
				return nil, err
			}
			if a := out.Data.AddProspects; a.Skipped != o.wantSkipped || a.Imported+a.Duplicates+a.Skipped != 1000 || len(a.UserErrors) > 0 {
				return nil, fmt.Errorf("addProspects with %v: imported %d duplicates %d skipped %d (want %d skipped)",
					o.opts, a.Imported, a.Duplicates, a.Skipped, o.wantSkipped)
			}
		}
	}
	res.off, res.on = newStats(off, 0), newStats(on, 0)
	return res, nil
}

// checksRows are the report's rows for res.
func checksRows(res *checksResult) []row {
	ratio := float64(res.on.pct(50)) / float64(res.off.pct(50))
	return []row{
		{"add 1000, every check off (API over HTTP)", latencies(res.off, 95), "", ""},
		{"add 1000, every check on: 1M-entry list, 1M prospects on 10 other rosters, SKIP_IF_ANY (API over HTTP)", latencies(res.on, 95), "", ""},
		{"add 1000, checks on / off p50", fmt.Sprintf("%.2f×", ratio), "≤ 1.5×", verdict(ratio <= 1.5)},
	}
}

// checksMethod says how the add rows are measured.
const checksMethod = `- **add with every check** (issue 12; in the suppressions section): the owner of the 1M-entry
  list also gets ten EMAIL campaigns of 100,000 prospects (SQL). 15 batches of 1000 rows (900 fresh,
  50 on the list, 50 on the other rosters) go over HTTP into a DRAFT campaign with the checks off
  (skipSuppressed: false, otherCampaigns: IGNORE) and, in turns, others with every check on
  (skipSuppressed, SKIP_IF_ANY: 100 rows skipped); the p50s are compared.
`
