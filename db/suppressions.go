package db

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"roster/identity"
	"roster/model"
	"roster/roster"
)

// SuppressionProbe is what one row of a batch shows the owner's suppression
// list (SPEC §11, §12): its normalized email and LinkedIn URL, required or
// captured; "" when the row has none.
type SuppressionProbe struct {
	Email    string
	LinkedIn string
}

// Kinds as stored, for the statements below.
var (
	kindEmail    = model.SuppressionKindEmail.DB()
	kindLinkedIn = model.SuppressionKindLinkedin.DB()
	kindDomain   = model.SuppressionKindDomain.DB()
)

// parentDomains are d and each domain d is a subdomain of, longest first,
// down to two labels (a DOMAIN entry has at least two): eu.acme.com gives
// eu.acme.com, acme.com.
func parentDomains(d string) []string {
	var out []string
	for d != "" && strings.Contains(d, ".") {
		out = append(out, d)
		_, d, _ = strings.Cut(d, ".")
	}
	return out
}

// matchSuppressionsQuery reads the owner's entries among a batch's
// distinct candidates ($2 kinds, $3 values): each is one probe of the
// unique index (owner, kind, normalized), forced so by the LATERAL
// subquery's LIMIT (with = ANY over a thousand values the planner may
// prefer a scan of a small list, and a scan of a big one is what must
// never happen), so its cost follows the batch's distinct values, never
// the list (TestMatchSuppressionsIndexOnly).
const hasSuppressionsQuery = `SELECT count(*) FROM (SELECT 1 FROM suppressions WHERE owner = ? ORDER BY owner, kind, normalized LIMIT 1) AS s`

const matchSuppressionsQuery = `SELECT s.id, s.owner, s.kind, s.value, s.normalized, s.reason, s.created_at
FROM unnest($2::text[], $3::text[]) AS c (kind, normalized)
CROSS JOIN LATERAL (
	SELECT * FROM suppressions AS s
	WHERE s.owner = $1 AND s.kind = c.kind AND s.normalized = c.normalized LIMIT 1
) AS s`

// matchSuppressions returns, for each probe, the owner's entry that blocks
// it, or nil: EMAIL first, then LINKEDIN, then the longest DOMAIN that is
// the email's domain or a parent of it (SPEC §12). One statement for the
// whole batch, asking for each distinct candidate once (a batch's rows
// share few domains), the priority applied here.
func matchSuppressions(ctx context.Context, idb bun.IDB, owner string, probes []SuppressionProbe) ([]*model.Suppression, error) {
	out := make([]*model.Suppression, len(probes))
	// Most owners keep no list: one probe of the index says so, instead of
	// a batch's candidates built and asked for (3–4 ms of a 1000-row add).
	// The order is the unique index's, so that index answers, whatever the
	// statistics say of the owner.
	var any int
	err := idb.QueryRowContext(ctx, hasSuppressionsQuery, owner).Scan(&any)
	if err != nil {
		return nil, fmt.Errorf("match suppressions: %w", err)
	}
	if any == 0 {
		return out, nil
	}
	var kinds, values []string
	seen := map[string]bool{}
	add := func(kind, v string) {
		if k := kind + " " + v; !seen[k] {
			seen[k] = true
			kinds, values = append(kinds, kind), append(values, v)
		}
	}
	for _, p := range probes {
		if p.Email != "" {
			add(kindEmail, p.Email)
			for _, d := range parentDomains(identity.EmailDomain(p.Email)) {
				add(kindDomain, d)
			}
		}
		if p.LinkedIn != "" {
			add(kindLinkedIn, p.LinkedIn)
		}
	}
	if len(values) == 0 {
		return out, nil
	}
	// The arrays go to pgx as binary parameters (rawQuery): as Bun's array
	// literals in the SQL text, PostgreSQL parsed thousands of values a batch.
	rows, err := rawQuery(ctx, idb, matchSuppressionsQuery, owner, kinds, values)
	if err != nil {
		return nil, fmt.Errorf("match suppressions: %w", err)
	}
	defer rows.Close()
	found := map[string]*model.Suppression{}
	for rows.Next() {
		e := new(model.Suppression)
		if err := rows.Scan(&e.ID, &e.Owner, &e.Kind, &e.Value, &e.Normalized, &e.Reason, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("match suppressions: %w", err)
		}
		found[e.Kind.DB()+" "+e.Normalized] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("match suppressions: %w", err)
	}
	if len(found) == 0 {
		return out, nil
	}
	for i, p := range probes {
		var hit *model.Suppression
		if p.Email != "" {
			hit = found[kindEmail+" "+p.Email]
		}
		if hit == nil && p.LinkedIn != "" {
			hit = found[kindLinkedIn+" "+p.LinkedIn]
		}
		if hit == nil && p.Email != "" {
			for _, d := range parentDomains(identity.EmailDomain(p.Email)) {
				if hit = found[kindDomain+" "+d]; hit != nil {
					break
				}
			}
		}
		out[i] = hit
	}
	return out, nil
}

// MatchSuppressions is matchSuppressions outside a transaction: which of
// the owner's entries block each probe (for the benchmark, and any reader
// that wants the answer without writing).
func (s *Store) MatchSuppressions(ctx context.Context, owner string, probes []SuppressionProbe) ([]*model.Suppression, error) {
	return matchSuppressions(ctx, s.db, owner, probes)
}

// suppressionIDs are the ids of a call's n entries, in submission order:
// UUIDv7s that share the first 64 bits (time and sequence) of one new
// UUIDv7, strictly increasing from call to call in this process, and whose
// last 10 bits count down from 1023. So ids sort newest call first, each
// call's entries in submission order, when read in descending order (the
// list's order, SPEC §11), and a cursor is simply an id. n is at most
// roster.MaxSuppressionEntries (≤ 1024).
func suppressionIDs(n int) ([]uuid.UUID, error) {
	base, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("suppression id: %w", err)
	}
	ids := make([]uuid.UUID, n)
	for i := range ids {
		id := base
		low := binary.BigEndian.Uint16(id[14:])&^0x3ff | uint16(1023-i)
		binary.BigEndian.PutUint16(id[14:], low)
		ids[i] = id
	}
	return ids, nil
}

// AddSuppressionsResult is what addSuppressions reports (SPEC §11).
type AddSuppressionsResult struct {
	// Added are the entries written, in submission order.
	Added []*model.Suppression
	// AlreadySuppressed counts the entries on the list already, or earlier
	// in the call.
	AlreadySuppressed int
	// RemovedProspects counts the prospects taken off DRAFT rosters.
	RemovedProspects int
}

// AddSuppressions adds entries to the owner's suppression list in one
// transaction (SPEC §11): an entry already there (same kind and normalized
// value) is left as it is and counted. With removeFromDraftRosters, every
// prospect that the call's entries block, added or already listed, leaves
// the owner's DRAFT rosters in the same transaction (the stats trigger
// keeps their stats).
//
// The owner's DRAFT campaigns are all locked first (the roster lock of
// every roster write, in id order, so two such calls cannot deadlock), not
// only those that turn out to hold a blocked prospect: an add to any of
// them then either committed before (and its prospects are seen and
// removed) or waits, and reads this call's entries once it commits, so no
// blocked prospect slips onto a DRAFT roster between the two. A campaign
// that left DRAFT is frozen: not locked, not touched.
func (s *Store) AddSuppressions(ctx context.Context, owner string, entries []*model.SuppressionInput, removeFromDraftRosters bool) (*AddSuppressionsResult, error) {
	plan, err := roster.PlanSuppressions(entries)
	if err != nil {
		return nil, err
	}
	var res *AddSuppressionsResult
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) (err error) {
		res = &AddSuppressionsResult{}
		var drafts []uuid.UUID
		if removeFromDraftRosters {
			if drafts, err = lockDraftRosters(ctx, tx, owner); err != nil {
				return err
			}
		}
		if res.Added, err = insertSuppressions(ctx, tx, owner, plan.Entries); err != nil {
			return err
		}
		res.AlreadySuppressed = plan.Repeated + len(plan.Entries) - len(res.Added)
		if len(drafts) > 0 {
			res.RemovedProspects, err = removeBlocked(ctx, tx, drafts, plan.Entries)
		}
		return err
	})
	return settle(res, err, "add suppressions")
}

// insertSuppressions writes entries (distinct, in submission order) in one
// statement and returns those that were not on the list, in the same
// order. Rows go in sorted by (kind, normalized), so two calls sharing
// entries wait on each other's in one order and never deadlock.
func insertSuppressions(ctx context.Context, tx bun.Tx, owner string, entries []*model.Suppression) ([]*model.Suppression, error) {
	ids, err := suppressionIDs(len(entries))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	kinds, values, normalized, reasons := make([]string, len(entries)), make([]string, len(entries)), make([]string, len(entries)), make([]*string, len(entries))
	for i, e := range entries {
		e.ID, e.Owner, e.CreatedAt = ids[i], owner, now
		kinds[i], values[i], normalized[i], reasons[i] = e.Kind.DB(), e.Value, e.Normalized, e.Reason
	}
	var inserted []uuid.UUID
	err = tx.NewRaw(`INSERT INTO suppressions (id, owner, kind, value, normalized, reason, created_at)
SELECT e.id, ?, e.kind, e.value, e.normalized, e.reason, ?
FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[]) AS e (id, kind, value, normalized, reason)
ORDER BY e.kind, e.normalized
ON CONFLICT (owner, kind, normalized) DO NOTHING
RETURNING id`, owner, now, pgdialect.Array(ids), pgdialect.Array(kinds), pgdialect.Array(values),
		pgdialect.Array(normalized), pgdialect.Array(reasons)).Scan(ctx, &inserted)
	if err != nil {
		return nil, fmt.Errorf("insert suppressions: %w", err)
	}
	added := make(map[uuid.UUID]bool, len(inserted))
	for _, id := range inserted {
		added[id] = true
	}
	out := make([]*model.Suppression, 0, len(inserted))
	for _, e := range entries {
		if added[e.ID] {
			out = append(out, e)
		}
	}
	return out, nil
}

// lockDraftRosters takes the roster lock (lockRoster's FOR NO KEY UPDATE)
// of every DRAFT campaign of owner, in id order, and returns their ids. A
// campaign that leaves DRAFT while this waits for its lock is re-read
// after the wait and left out.
func lockDraftRosters(ctx context.Context, tx bun.Tx, owner string) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.NewRaw(`SELECT id FROM campaigns WHERE owner = ? AND status = ? ORDER BY id FOR NO KEY UPDATE`,
		owner, model.CampaignStatusDraft).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("lock draft rosters: %w", err)
	}
	return ids, nil
}

// reversedDomain is d backwards and ended with a dot, as
// prospect_email_rdomain writes a prospect's (d is ASCII: identity.Domain
// allows nothing else).
func reversedDomain(d string) string {
	b := make([]byte, len(d), len(d)+1)
	for i := range len(d) {
		b[len(d)-1-i] = d[i]
	}
	return string(append(b, '.'))
}

// removeBlocked deletes from the campaigns (locked DRAFT rosters) every
// prospect an entry blocks, by its required identity or its captured one
// (an EMAIL or LINKEDIN entry) or by its email's domain (a DOMAIN entry:
// that domain and its subdomains), and returns how many. Each entry and
// campaign is an index probe or an index range (the LATERAL subqueries'
// LIMIT and OFFSET keep the planner from trading them for a scan), and
// the rows found are deleted by primary key (= ANY of an array, which the
// planner cannot turn into a hash join over a scan of prospects, as it did
// IN (subquery) with a few hundred rows estimated), so the cost follows the
// prospects removed, not the rosters' size.
func removeBlocked(ctx context.Context, tx bun.Tx, campaigns []uuid.UUID, entries []*model.Suppression) (int, error) {
	var people, lo, hi []string
	for _, e := range entries {
		if e.Kind == model.SuppressionKindDomain {
			r := reversedDomain(e.Normalized)
			// Every value that starts with r: from r up to r with its
			// trailing dot made the next byte, '/'.
			lo, hi = append(lo, r), append(hi, r[:len(r)-1]+"/")
		} else {
			people = append(people, e.Normalized)
		}
	}
	slices.Sort(people)
	r, err := tx.NewRaw(`WITH c AS (SELECT unnest(?::uuid[]) AS id),
v AS (SELECT unnest(?::text[]) AS v),
d AS (SELECT unnest(?::text[]) AS lo, unnest(?::text[]) AS hi),
blocked AS (
	SELECT p.id FROM c CROSS JOIN v CROSS JOIN LATERAL (
		SELECT id FROM prospects WHERE campaign_id = c.id AND identity = v.v LIMIT 1) AS p
	UNION
	SELECT p.id FROM c CROSS JOIN v CROSS JOIN LATERAL (
		SELECT id FROM prospects WHERE campaign_id = c.id AND other_identity = v.v OFFSET 0) AS p
	UNION
	SELECT p.id FROM c CROSS JOIN d CROSS JOIN LATERAL (
		SELECT id FROM prospects WHERE campaign_id = c.id
		AND prospect_email_rdomain(identity, other_identity) ~>=~ d.lo
		AND prospect_email_rdomain(identity, other_identity) ~<~ d.hi OFFSET 0) AS p
)
DELETE FROM prospects WHERE id = ANY(ARRAY(SELECT id FROM blocked))`,
		pgdialect.Array(campaigns), pgdialect.Array(people), pgdialect.Array(lo), pgdialect.Array(hi)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("remove suppressed prospects: %w", err)
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// RemoveSuppressions removes 1 to roster.MaxSuppressionRemoveIDs of the
// owner's entries by id; other owners' and unknown ids are ignored and not
// counted (SPEC §11).
func (s *Store) RemoveSuppressions(ctx context.Context, owner string, ids []uuid.UUID) (int, error) {
	if err := roster.CheckSuppressionIDs(ids); err != nil {
		return 0, err
	}
	var removed int
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r, err := tx.NewDelete().Model((*model.Suppression)(nil)).
			Where("owner = ?", owner).Where("id IN (?)", bun.In(ids)).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		removed = int(n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("remove suppressions: %w", err)
	}
	return removed, nil
}

// SuppressionQuery is what a page of the suppression list keeps and where
// it starts.
type SuppressionQuery struct {
	Kind *model.SuppressionKind
	// Search keeps entries whose normalized value contains it, ignoring case.
	Search      *string
	Page, Limit *int
	After       *uuid.UUID
}

// SuppressionPage is one page of the owner's suppression list.
type SuppressionPage struct {
	Entries    []*model.Suppression
	TotalCount int
	Page       Page
	Keyset     bool
}

// ListSuppressions serves a page of the owner's list, newest call first
// and a call's entries in submission order (id descending, suppressionIDs),
// with the paging rules of SPEC §8: page and limit (NewPage), or a keyset
// seek after a cursor (an id, still a position once its entry is gone).
// The count and the page come from one snapshot.
func (s *Store) ListSuppressions(ctx context.Context, owner string, q SuppressionQuery) (*SuppressionPage, error) {
	pg, err := NewPage(q.Page, q.Limit, q.After != nil)
	if err != nil {
		return nil, err
	}
	var search string
	if q.Search != nil {
		if err := model.StorableText(*q.Search); err != nil {
			return nil, &model.InputError{Message: "search " + err.Error()}
		}
		// Normalized values are lowercase (identity) and hold no spaces.
		search = strings.ToLower(strings.TrimSpace(*q.Search))
	}
	filter := func(sq *bun.SelectQuery) *bun.SelectQuery {
		sq = sq.Where("owner = ?", owner)
		if q.Kind != nil {
			sq = sq.Where("kind = ?", *q.Kind)
		}
		if search != "" {
			// strpos, not LIKE: a search holding % or _ means those characters.
			sq = sq.Where("strpos(normalized, ?) > 0", search)
		}
		return sq
	}
	out := &SuppressionPage{Page: pg, Keyset: q.After != nil}
	err = s.db.RunInTx(ctx, &readOnlySnapshot, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*model.Suppression)(nil)).Apply(filter).Count(ctx)
		if err != nil {
			return err
		}
		out.TotalCount = int(n)
		sel := tx.NewSelect().Model(&out.Entries).Apply(filter).OrderExpr("id DESC").Limit(int64(pg.Limit + 1))
		if q.After != nil {
			sel = sel.Where("id < ?", *q.After)
		} else {
			sel = sel.Offset(int64(pg.Offset()))
		}
		return sel.Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("list suppressions: %w", err)
	}
	if len(out.Entries) > pg.Limit {
		out.Entries = out.Entries[:pg.Limit]
		out.Page.HasNext = true
	}
	return out, nil
}

// suppressionsByID reads the owner's entries among ids (a replay's).
func suppressionsByID(ctx context.Context, idb bun.IDB, owner string, ids []uuid.UUID) (map[uuid.UUID]*model.Suppression, error) {
	out := make(map[uuid.UUID]*model.Suppression, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var found []*model.Suppression
	if err := idb.NewSelect().Model(&found).Where("owner = ?", owner).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read suppressions: %w", err)
	}
	for _, e := range found {
		out[e.ID] = e
	}
	return out, nil
}
