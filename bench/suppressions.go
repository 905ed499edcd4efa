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

// The suppression list's rows (SPEC §11): what a call costs must follow
// the call (its entries, its probes, the prospects it removes), never the
// size of the list or of the rosters. `go run ./bench -only suppressions`
// runs them alone.

const (
	suppOwner   = "bench-supp"    // the list of a million entries
	emptyOwner  = "bench-supp-0"  // an empty list, the baseline
	rmOwner     = "bench-supp-rm" // ten DRAFT rosters of 100k
	bigList     = 1_000_000
	rmRosters   = 10
	rmRosterLen = 100_000
	suppReps    = 15
	rmReps      = 5
)

// suppResult is what the suppression rows measured.
type suppResult struct {
	loadTook             time.Duration
	addBig, addEmpty     stats // addSuppressions of 1000 entries over HTTP
	matchBig, matchEmpty stats // matchSuppressions of 1000 probes, in process
	rmSmall, rmLarge     stats // removeFromDraftRosters removing 100 and 10,000
	// For scale: what a scan costs, the list's and the ten rosters'.
	scanList, scanRosters stats
	// checks: the add with every check of SPEC §12 on and off (checks.go).
	checks *checksResult
}

const addSuppressionsMutation = `mutation($e: [SuppressionInput!]!, $rm: Boolean) {
  addSuppressions(entries: $e, removeFromDraftRosters: $rm) { added alreadySuppressed removedProspects userErrors { code message } }
}`

// loadSuppressions bulk-loads the million entries (80% EMAIL, 10% DOMAIN,
// 10% LINKEDIN), with UUIDv7-shaped ids in the past, and the ten rosters
// of 100k prospects, by SQL, then VACUUM ANALYZEs.
func loadSuppressions(ctx context.Context, pool *pgxpool.Pool, store *db.Store) ([]string, time.Duration, error) {
	began := time.Now()
	_, err := pool.Exec(ctx, `INSERT INTO suppressions (id, owner, kind, value, normalized)
SELECT (lpad(to_hex(1700000000000 + g), 12, '0') || '7' || lpad(to_hex(g % 4096), 3, '0') || '8' || substr(md5(g::text), 1, 15))::uuid,
	$1, k, v, v
FROM generate_series(1, $2::int) AS g,
LATERAL (SELECT CASE WHEN g % 10 = 0 THEN 'domain' WHEN g % 10 = 1 THEN 'linkedin' ELSE 'email' END AS k) AS kk,
LATERAL (SELECT CASE k WHEN 'domain' THEN 'd' || g || '.example'
	WHEN 'linkedin' THEN 'https://www.linkedin.com/in/u' || g
	ELSE 'u' || g || '@d' || (g % 50000) || '.example' END AS v) AS vv`, suppOwner, bigList)
	if err != nil {
		return nil, 0, fmt.Errorf("load suppressions: %w", err)
	}
	// Ten DRAFT rosters: every email at its own domain, but for the
	// domains the removal rows block: big<r>.example (g % 100 = r, 1,000 a
	// roster) and small<r>.example (g % 10000 = 50 + r, 10 a roster).
	var campaigns []string
	for i := range rmRosters {
		c, err := store.CreateCampaign(ctx, rmOwner, model.CreateCampaignInput{Name: fmt.Sprintf("bench supp %d", i), Channel: model.ChannelEmail})
		if err != nil {
			return nil, 0, err
		}
		campaigns = append(campaigns, c.ID.String())
		_, err = pool.Exec(ctx, `INSERT INTO prospects (id, campaign_id, identity, email)
SELECT (lpad(to_hex(1700000000000 + g), 12, '0') || '7' || lpad(to_hex(g % 4096), 3, '0') || '8' || substr(md5($1::text || g), 1, 15))::uuid,
	$1::text::uuid, e, e
FROM generate_series(1, $2::int) AS g,
LATERAL (SELECT 'p' || g || '@' || CASE WHEN g % 100 < $3 THEN 'big' || (g % 100) || '.example'
	WHEN g % 10000 BETWEEN 50 AND 49 + $3 THEN 'small' || (g % 10000 - 50) || '.example'
	ELSE 'd' || (g % 5000) || '.example' END AS e) AS ee`, c.ID.String(), rmRosterLen, rmReps)
		if err != nil {
			return nil, 0, fmt.Errorf("load roster: %w", err)
		}
	}
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) suppressions, prospects, campaigns"); err != nil {
		return nil, 0, err
	}
	return campaigns, time.Since(began), nil
}

// addSuppressionsCall is 1000 entries: 900 new emails, 50 new domains,
// and 50 entries on the big list already.
func addSuppressionsCall(tag string, rep int) []map[string]any {
	out := make([]map[string]any, 0, 1000)
	for i := range 900 {
		out = append(out, map[string]any{"value": fmt.Sprintf("new%d.%s%d@corp%d.example", i, tag, rep, i%37), "reason": "unsubscribed"})
	}
	for i := range 50 {
		out = append(out, map[string]any{"value": fmt.Sprintf("@%s%d-%d.example", tag, rep, i)})
	}
	for i := range 50 {
		g := 2 + 10*(rep*50+i) // an email of the bulk load
		out = append(out, map[string]any{"value": fmt.Sprintf("u%d@d%d.example", g, g%50000)})
	}
	return out
}

func (c *client) addSuppressions(ctx context.Context, entries []map[string]any, remove bool) (added, already, removed int, err error) {
	b, err := c.post(ctx, addSuppressionsMutation, map[string]any{"e": entries, "rm": remove})
	if err != nil {
		return 0, 0, 0, err
	}
	var out struct {
		Data struct {
			AddSuppressions struct {
				Added, AlreadySuppressed, RemovedProspects int
				UserErrors                                 []json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, 0, 0, err
	}
	a := out.Data.AddSuppressions
	if len(a.UserErrors) > 0 {
		return 0, 0, 0, fmt.Errorf("addSuppressions: %s", a.UserErrors[0])
	}
	return a.Added, a.AlreadySuppressed, a.RemovedProspects, nil
}

// matchProbes are 1000 probes, each an email and a LinkedIn URL: half an
// email of the big list, half an address three labels deep that nothing
// blocks (four candidates to look up: the email, the URL, two domains).
func matchProbes() []db.SuppressionProbe {
	out := make([]db.SuppressionProbe, 1000)
	for i := range out {
		g := 2 + 10*i
		email := fmt.Sprintf("x%d@mail.corp%d.example", i, i)
		if i%2 == 0 {
			email = fmt.Sprintf("u%d@d%d.example", g, g%50000)
		}
		out[i] = db.SuppressionProbe{Email: email, LinkedIn: fmt.Sprintf("https://www.linkedin.com/in/v%d", i)}
	}
	return out
}

// suppressionPhase runs the suppression rows: the API's addSuppressions
// into the big list and into an empty one, in turns; matchSuppressions in
// process against both, in turns; removeFromDraftRosters blocking 100 and
// 10,000 prospects of the ten rosters, in turns.
func suppressionPhase(ctx context.Context, pool *pgxpool.Pool, store *db.Store, apiFor func(owner string) (*client, error)) (*suppResult, error) {
	res := &suppResult{}
	step("loading %d suppression entries and %d rosters of %d prospects (SQL)", bigList, rmRosters, rmRosterLen)
	_, took, err := loadSuppressions(ctx, pool, store)
	if err != nil {
		return nil, err
	}
	res.loadTook = took
	var scanList, scanRosters []time.Duration
	for range 5 {
		for _, sc := range []struct {
			lat *[]time.Duration
			sql string
		}{
			{&scanList, `SELECT count(*) FROM suppressions WHERE owner = $1 AND strpos(normalized, 'zzz') = 0`},
			{&scanRosters, `SELECT count(*) FROM prospects p JOIN campaigns c ON c.id = p.campaign_id
				WHERE c.owner = $1 || '-rm' AND p.email LIKE '%@small0.example'`},
		} {
			var n int
			t0 := time.Now()
			if err := pool.QueryRow(ctx, sc.sql, suppOwner).Scan(&n); err != nil {
				return nil, err
			}
			*sc.lat = append(*sc.lat, time.Since(t0))
		}
	}
	res.scanList, res.scanRosters = newStats(scanList, 0), newStats(scanRosters, 0)
	step("  loaded in %s", took.Round(time.Second))

	big, err := apiFor(suppOwner)
	if err != nil {
		return nil, err
	}
	empty, err := apiFor(emptyOwner)
	if err != nil {
		return nil, err
	}
	step("adding %d × 1000 suppression entries into the 1M list and into an empty one (API, alternately)", suppReps)
	var bigLat, emptyLat []time.Duration
	for rep := range suppReps {
		for _, side := range []struct {
			api  *client
			lat  *[]time.Duration
			tag  string
			want int
		}{{big, &bigLat, "b", 950}, {empty, &emptyLat, "e", 1000}} {
			entries := addSuppressionsCall(side.tag, rep)
			t0 := time.Now()
			added, _, _, err := side.api.addSuppressions(ctx, entries, false)
			if err != nil {
				return nil, err
			}
			*side.lat = append(*side.lat, time.Since(t0))
			if added != side.want {
				return nil, fmt.Errorf("addSuppressions added %d, want %d", added, side.want)
			}
		}
	}
	res.addBig, res.addEmpty = newStats(bigLat, 0), newStats(emptyLat, 0)

	step("matching 1000 probes against the 1M list and an empty one (store, alternately)")
	probes := matchProbes()
	var mBig, mEmpty []time.Duration
	for range 3 * suppReps {
		for _, side := range []struct {
			owner string
			lat   *[]time.Duration
			want  int
		}{{suppOwner, &mBig, 500}, {"bench-supp-none", &mEmpty, 0}} {
			t0 := time.Now()
			got, err := store.MatchSuppressions(ctx, side.owner, probes)
			if err != nil {
				return nil, err
			}
			*side.lat = append(*side.lat, time.Since(t0))
			n := 0
			for _, m := range got {
				if m != nil {
					n++
				}
			}
			if n != side.want {
				return nil, fmt.Errorf("matchSuppressions blocked %d probes, want %d", n, side.want)
			}
		}
	}
	res.matchBig, res.matchEmpty = newStats(mBig, 0), newStats(mEmpty, 0)

	rm, err := apiFor(rmOwner)
	if err != nil {
		return nil, err
	}
	step("removeFromDraftRosters over %d DRAFT rosters of %d: 100 and 10,000 prospects (API, alternately)", rmRosters, rmRosterLen)
	var small, large []time.Duration
	for rep := range rmReps {
		for _, side := range []struct {
			domain string
			lat    *[]time.Duration
			want   int
		}{{fmt.Sprintf("small%d.example", rep), &small, 10 * rmRosters}, {fmt.Sprintf("big%d.example", rep), &large, 1000 * rmRosters}} {
			t0 := time.Now()
			_, _, removed, err := rm.addSuppressions(ctx, []map[string]any{{"value": side.domain}}, true)
			if err != nil {
				return nil, err
			}
			*side.lat = append(*side.lat, time.Since(t0))
			if removed != side.want {
				return nil, fmt.Errorf("removeFromDraftRosters removed %d, want %d", removed, side.want)
			}
		}
	}
	res.rmSmall, res.rmLarge = newStats(small, 0), newStats(large, 0)
	if res.checks, err = checksPhase(ctx, pool, store, big); err != nil {
		return nil, err
	}
	return res, nil
}

// suppressionRows are the report's rows for res.
func suppressionRows(res *suppResult) []row {
	ratio := func(a, b stats) float64 { return float64(a.pct(50)) / float64(b.pct(50)) }
	addRatio, matchRatio, rmRatio := ratio(res.addBig, res.addEmpty), ratio(res.matchBig, res.matchEmpty), ratio(res.rmLarge, res.rmSmall)
	return append([]row{
		{"addSuppressions, 1000 entries into a 1M list (API over HTTP)", latencies(res.addBig, 95),
			"p50 < 100 ms", verdict(res.addBig.pct(50) < 100*time.Millisecond)},
		{"addSuppressions, 1000 entries into an empty list (API over HTTP)", latencies(res.addEmpty, 95), "", ""},
		{"addSuppressions p50, 1M list / empty list", fmt.Sprintf("%.2f×", addRatio), "", ""},
		{"matchSuppressions, 1000 probes: 1M list", latencies(res.matchBig, 95), "", ""},
		{"matchSuppressions, 1000 probes: empty list", latencies(res.matchEmpty, 95), "", ""},
		{"matchSuppressions p50, 1M list / empty list", fmt.Sprintf("%.2f×", matchRatio), "", ""},
		{"for scale: one scan of the 1M list (count)", latencies(res.scanList, 95), "", ""},
		{fmt.Sprintf("removeFromDraftRosters, %d DRAFT rosters of %s: 100 prospects removed", rmRosters, size(rmRosterLen)), latencies(res.rmSmall, 95), "", ""},
		{fmt.Sprintf("removeFromDraftRosters, %d DRAFT rosters of %s: 10,000 prospects removed", rmRosters, size(rmRosterLen)), latencies(res.rmLarge, 95), "", ""},
		{"removeFromDraftRosters p50, 10,000 / 100 removed", fmt.Sprintf("%.1f×", rmRatio), "", ""},
		{fmt.Sprintf("for scale: one scan of the %d rosters (count by email)", rmRosters), latencies(res.scanRosters, 95), "", ""},
	}, checksRows(res.checks)...)
}

// suppressionMethod says how the suppression rows are measured.
const suppressionMethod = `- **suppressions** (` + "`go run ./bench -only suppressions`" + ` runs them alone): a list of 1,000,000
  entries (80% EMAIL, 10% DOMAIN, 10% LINKEDIN) and ten DRAFT rosters of 100,000 prospects loaded by
  SQL (generate_series). **addSuppressions**: 15 calls of 1000 entries (900 new emails, 50 new
  domains, 50 already listed) over HTTP into the big list, in turns with the same into an empty list.
  **matchSuppressions** (the add path's lookup, SPEC §12): 1000 probes (an email and a LinkedIn URL
  each; half blocked) through the store in this process, against the big list and an empty one in
  turns. **removeFromDraftRosters**: one DOMAIN entry per call over HTTP, blocking 10 or 1,000
  prospects on each of the ten rosters (100 or 10,000 in all), in turns.
` + checksMethod
