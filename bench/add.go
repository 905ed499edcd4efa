package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"roster/db"
	"roster/model"
)

const addMutation = `mutation Add($c: UUID!, $rows: [ProspectInput!]!) {
  addProspects(campaignId: $c, prospects: $rows) {
    imported duplicates
    duplicateRows { index reason }
    userErrors { code message }
  }
}`

type addRow struct {
	Email, FirstName, LastName, Company string
	Custom                              json.RawMessage
}

// addBatch is 1000 rows: 900 fresh identities and 100 of the roster's,
// scattered through the batch.
func addBatch(r *roster, tag string, b int, rng *rand.Rand) []addRow {
	rows := make([]addRow, 1000)
	for j := range rows {
		var email, first, last, company string
		if j%10 == 3 {
			email, first, last, company = person(rng.IntN(r.size))
		} else {
			first, last, company = firstNames[j%len(firstNames)], lastNames[b%len(lastNames)], companies[j%len(companies)]
			email = fmt.Sprintf("%s.%s.%s%d.%d@new-%s.example.com", first, last, tag, b, j, strings.ToLower(company))
		}
		rows[j] = addRow{Email: email, FirstName: first, LastName: last, Company: company, Custom: json.RawMessage(customFields(j))}
	}
	return rows
}

// addBody encodes an addProspects request for rows (before the clock starts).
func addBody(r *roster, rows []addRow) ([]byte, error) {
	in := make([]map[string]any, len(rows))
	for i, row := range rows {
		in[i] = map[string]any{"email": row.Email, "firstName": row.FirstName, "lastName": row.LastName,
			"company": row.Company, "customFields": row.Custom}
	}
	return json.Marshal(map[string]any{"query": addMutation, "variables": map[string]any{"c": r.id, "rows": in}})
}

func (c *client) add(ctx context.Context, body []byte) error {
	b, err := c.send(ctx, body)
	if err != nil {
		return err
	}
	var out struct {
		Data struct {
			AddProspects struct {
				Imported, Duplicates int
				UserErrors           []json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	if a := out.Data.AddProspects; a.Imported != 900 || a.Duplicates != 100 || len(a.UserErrors) > 0 {
		return fmt.Errorf("addProspects: imported %d, duplicates %d, userErrors %d; want 900, 100, 0", a.Imported, a.Duplicates, len(a.UserErrors))
	}
	return nil
}

// floorAdd is the same write as one statement: dedup by the unique index,
// the stats by the statement trigger, ids (UUIDv7) made here in row order.
const floorAdd = `INSERT INTO prospects (id, campaign_id, identity, email, first_name, last_name, company, custom_fields)
SELECT r.id, $1, r.identity, r.email, r.first_name, r.last_name, r.company, r.custom_fields::jsonb
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
	AS r (id, identity, email, first_name, last_name, company, custom_fields)
ON CONFLICT (campaign_id, identity) DO NOTHING
RETURNING id`

func sqlAdd(ctx context.Context, pool *pgxpool.Pool, r *roster, rows []addRow) error {
	n := len(rows)
	// [16]byte travels as a binary uuid; uuid.UUID would go through its text form.
	ids, identities, emails, firsts, lasts, companies, custom :=
		make([][16]byte, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, row := range rows {
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		ids[i], identities[i], emails[i] = id, strings.ToLower(strings.TrimSpace(row.Email)), row.Email
		firsts[i], lasts[i], companies[i], custom[i] = row.FirstName, row.LastName, row.Company, string(row.Custom)
	}
	res, err := pool.Query(ctx, floorAdd, r.id, ids, identities, emails, firsts, lasts, companies, custom)
	if err != nil {
		return err
	}
	written := 0
	for res.Next() {
		written++
	}
	if err := res.Err(); err != nil {
		return err
	}
	if written != 900 {
		return fmt.Errorf("floor add: wrote %d rows, want 900", written)
	}
	return nil
}

// addResult is one roster's adds, API and floor.
type addResult struct {
	size       int
	api, floor stats
	// store is the same adds through db.Store in this process: no HTTP,
	// no GraphQL (a diagnostic: it splits the API's time).
	store stats
}

// storeRows are rows as the resolver hands them to the store (custom
// fields as the POST transport reads them, httpapi/vars.go).
func storeRows(rows []addRow) ([]*model.ProspectInput, error) {
	out := make([]*model.ProspectInput, len(rows))
	for i, r := range rows {
		cf, ok := model.NewJSONReader(r.Custom).CompactObject()
		if !ok {
			return nil, fmt.Errorf("custom fields %s not read", r.Custom)
		}
		out[i] = &model.ProspectInput{Email: &r.Email, FirstName: &r.FirstName, LastName: &r.LastName, Company: &r.Company, CustomFieldsCompact: cf}
	}
	return out, nil
}

// addPhase sends cfg.batches adds through the API and as many through the
// floor statement, taking turns.
func addPhase(ctx context.Context, cfg config, m meter, api *client, store *db.Store, pool *pgxpool.Pool, r *roster) (addResult, error) {
	rng := rand.New(rand.NewPCG(uint64(r.size), 11))
	stopProfile, err := profile(cfg.profileDir, fmt.Sprintf("add-%s", size(r.size)))
	if err != nil {
		return addResult{}, err
	}
	defer stopProfile()
	var apiLat, floorLat, storeLat []time.Duration
	var apiCPU, floorCPU cpu
	for b := range cfg.batches {
		body, err := addBody(r, addBatch(r, "api", b, rng))
		if err != nil {
			return addResult{}, err
		}
		c0, t0 := m.read(), time.Now()
		if err := api.add(ctx, body); err != nil {
			return addResult{}, err
		}
		apiLat = append(apiLat, time.Since(t0))
		apiCPU = apiCPU.add(m.read().sub(c0))

		rows := addBatch(r, "sql", b, rng)
		c0, t0 = m.read(), time.Now()
		if err := sqlAdd(ctx, pool, r, rows); err != nil {
			return addResult{}, err
		}
		floorLat = append(floorLat, time.Since(t0))
		floorCPU = floorCPU.add(m.read().sub(c0))

		in, err := storeRows(addBatch(r, "store", b, rng))
		if err != nil {
			return addResult{}, err
		}
		t0 = time.Now()
		res, err := store.AddProspects(ctx, owner, r.id, in, db.AddOptions{NoDuplicateProspects: true, NoCampaign: true}) // what the API reads for addMutation
		if err != nil {
			return addResult{}, err
		}
		storeLat = append(storeLat, time.Since(t0))
		if res.ImportedCount != 900 || len(res.Duplicates) != 100 {
			return addResult{}, fmt.Errorf("store add: imported %d, duplicates %d; want 900, 100", res.ImportedCount, len(res.Duplicates))
		}
	}
	if ctx.Err() != nil {
		return addResult{}, errors.New("interrupted")
	}
	res := addResult{size: r.size, api: newStats(apiLat, 0), floor: newStats(floorLat, 0), store: newStats(storeLat, 0)}
	res.api.cpu, res.floor.cpu = apiCPU.per(len(apiLat)), floorCPU.per(len(floorLat))
	return res, nil
}
