package db

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"roster/model"
)

// ProspectPage is one page of a roster.
type ProspectPage struct {
	Prospects  []*model.Prospect
	TotalCount int
	Page       Page
	Keyset     bool
}

// manyRow is one row of the several-rosters listing statement.
type manyRow struct {
	CampaignKey uuid.UUID `bun:"campaign_key"`
	TotalCount  int       `bun:"total_count"`
	model.Prospect
}

// totalExpr is the filter's count, totalCount, read from the kept stats
// (SPEC §9) of the campaign `c`: both listing statements select it, so the
// count is written once, and costs no scan. (ListProspects needs it in SQL
// anyway: its walk starts from the end of the roster nearer the page.) It
// counts the statuses the page's WHERE (statusWhere) keeps.
func totalExpr(q ListQuery) string {
	set, filtered := q.statuses()
	if !filtered {
		return "(c.stats ->> 'total')::int"
	}
	var terms []string
	for _, st := range set.list() {
		terms = append(terms, "(c.stats ->> '"+st.DB()+"')::int")
	}
	switch len(terms) {
	case 0:
		return "0"
	case 1:
		return terms[0]
	}
	return "(" + strings.Join(terms, " + ") + ")"
}

// statusWhere is the condition q's filters put on the status column col,
// "" when there are none: one status an equality (the index's
// (campaign_id, status, id) order), several an array, none false. param
// adds a parameter (a status's database spelling, or an array of them)
// and returns its placeholder.
func statusWhere(q ListQuery, col string, param func(v any) string) string {
	set, filtered := q.statuses()
	if !filtered {
		return ""
	}
	sts := set.list()
	switch len(sts) {
	case 0:
		return " AND false"
	case 1:
		return " AND " + col + " = " + param(sts[0].DB())
	}
	names := make([]string, len(sts))
	for i, st := range sts {
		names[i] = st.DB()
	}
	return " AND " + col + " = ANY(" + param(names) + "::text[])"
}

// rosterFrom is where a walk of a roster from the id bound on (op ">" or
// ">=") reads, for q's filters: a range of the index the walk reads,
// (campaign_id, status, id) for one status and (campaign_id, id)
// otherwise, given as row comparisons on its columns, with the order
// that index gives. Two things hold only so. The primary key cannot
// serve it: ids are time-ordered, so a bare "id > bound" matched the
// primary key over every newer row of every campaign, and the planner,
// with statistics older than a bulk import elsewhere, took it (150k rows
// read for a 200-row page polled during an import job). And the walk
// starts at the bound: beside "campaign_id = $1" a row comparison only
// filters, and the index was read from the roster's start (a keyset page
// 500 went from 0.8× to 2.2× page 1). cid is the campaign's placeholder;
// param adds a parameter and returns its placeholder.
func rosterFrom(q ListQuery, cid, op string, bound any, param func(v any) string) (where, order string) {
	const last = "'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid"
	b := param(bound) + "::uuid"
	set, filtered := q.statuses()
	if sts := set.list(); filtered && len(sts) == 1 {
		st := param(sts[0].DB())
		return "(campaign_id, status, id) " + op + " (" + cid + ", " + st + ", " + b + ") AND (campaign_id, status, id) <= (" + cid + ", " + st + ", " + last + ")",
			"campaign_id, status, id"
	}
	return "(campaign_id, id) " + op + " (" + cid + ", " + b + ") AND (campaign_id, id) <= (" + cid + ", " + last + ")" + statusWhere(q, "status", param),
		"campaign_id, id"
}

// ListProspects serves one page of a roster in roster order, oldest first,
// in one statement, hence one snapshot: the campaign check, totalCount (from
// the kept stats, SPEC §9) and the page always agree, and a poll costs one
// round trip. The page's ids come from an index-only walk of
// (campaign_id[, status], id) with the campaign id a constant (so the
// planner never falls back to a primary-key scan): from the mark before the
// page when this server holds current marks of the roster (marks.go: at
// most 999 entries), else from whichever end of the roster is nearer (the
// kept count says where the end is), and none when the page is past the
// end; only the page's rows are read from the heap. A keyset page seeks
// straight to its cursor. Marks that went stale cost a second statement,
// the walk.
//
// This is the polling hot path, so it talks to pgx directly (withPgx) and
// hands custom fields on as the JSON PostgreSQL wrote (CustomFieldsRaw;
// CustomFields stays nil).
func (s *Store) ListProspects(ctx context.Context, owner string, campaignID uuid.UUID, q ListQuery) (*ProspectPage, error) {
	pg, err := NewPage(q.Page, q.Limit, q.After != nil)
	if err != nil {
		return nil, err
	}
	// Marks (marks.go) serve deep pages of a whole roster or of one status.
	markKey, markable := q.marksFor(campaignID, pg)
	var mark *markPos
	if markable {
		if v, id, skip, ok := s.marks.at(markKey, pg.Offset()); ok {
			mark = &markPos{version: v, id: id, skip: skip}
		}
	}
	out, version, err := s.listOnce(ctx, owner, campaignID, q, pg, mark)
	if err == nil && mark != nil && version != mark.version {
		// The marks went stale (that statement's page came back empty): walk.
		out, version, err = s.listOnce(ctx, owner, campaignID, q, pg, nil)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case mark != nil && version == mark.version:
		s.marks.hits.Add(1)
	case markable && pg.Offset() < out.TotalCount:
		s.refreshMarks(markKey) // missing or stale: walked this time
	}
	if len(out.Prospects) > pg.Limit {
		out.Prospects = out.Prospects[:pg.Limit]
		out.Page.HasNext = true
	}
	return out, nil
}

// markPos is where marks put a page: the mark before it, how far past the
// mark it starts, at which roster_version.
type markPos struct {
	version int64
	id      [16]byte
	skip    int
}

// listOnce runs the listing statement: from mark when given (then the page
// is empty unless the campaign's roster_version, returned, is the mark's),
// else walking from the nearer end.
func (s *Store) listOnce(ctx context.Context, owner string, campaignID uuid.UUID, q ListQuery, pg Page, mark *markPos) (*ProspectPage, int64, error) {
	var args params
	cid := args.add(campaignID)
	t := totalExpr(q)
	var ids string
	switch {
	case q.After != nil:
		where, order := rosterFrom(q, cid, ">", *q.After, args.add)
		ids = `SELECT id FROM prospects WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(pg.Limit+1)
	case mark != nil:
		// The page size is written into the statement, not passed: a
		// prepared statement's generic plan, not knowing it, could plan the
		// join for a large page. (A handful of sizes make a handful of
		// prepared statements.)
		off := args.add(pg.Offset()) + "::bigint"
		where, order := rosterFrom(q, cid, ">=", pgtype.UUID{Bytes: mark.id, Valid: true}, args.add)
		ids = `SELECT id FROM prospects WHERE ` + where + `
		AND c.roster_version = ` + args.add(mark.version) + `::bigint AND ` + off + ` < ` + t + `
		ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(pg.Limit+1) + ` OFFSET ` + args.add(mark.skip) + `::bigint`
	default:
		filter := statusWhere(q, "status", args.add)
		// bigint: page × limit may pass int4 (the planner would infer it).
		off, n := args.add(pg.Offset())+"::bigint", strconv.Itoa(pg.Limit+1)
		ids = `(SELECT id FROM prospects WHERE campaign_id = ` + cid + filter + `
		AND ` + off + ` < ` + t + ` AND ` + off + ` <= ` + t + ` / 2 ORDER BY id LIMIT ` + n + ` OFFSET ` + off + `)
	UNION ALL
	(SELECT id FROM prospects WHERE campaign_id = ` + cid + filter + `
		AND ` + off + ` < ` + t + ` AND ` + off + ` > ` + t + ` / 2
		ORDER BY id DESC LIMIT greatest(least(` + n + `, ` + t + ` - ` + off + `), 0) OFFSET greatest(` + t + ` - ` + off + ` - ` + n + `, 0))`
	}
	query := `SELECT coalesce(` + t + `, 0), c.roster_version, c.version, ` + pageColumns(q.Fields) + `
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT p.* FROM (` + ids + `) AS k JOIN prospects AS p ON p.id = k.id
) AS p ON true
WHERE c.id = ` + cid + ` AND c.owner = ` + args.add(owner) + `
ORDER BY p.id`

	out := &ProspectPage{Page: pg, Keyset: q.After != nil}
	found := false
	var version, campaignVersion int64
	err := s.withPgx(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, append([]any{s.hotMode}, args...)...)
		if err != nil {
			return err
		}
		var direct bool
		out.Prospects, found, direct, err = scanPage(rows, pg.Limit+1, &out.TotalCount, &version, &campaignVersion)
		if direct {
			s.directPages.Add(1)
		}
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list prospects: %w", err)
	}
	if !found {
		return nil, 0, model.ErrNotFound
	}
	// The answer's version (SPEC §14), from the page's own snapshot.
	noteCampaign(ctx, campaignID, strconv.FormatInt(campaignVersion, 10))
	return out, version, nil
}

// pageColumn is one of a page's prospect columns, in the order scanPage
// reads them, with the GraphQL fields that need it.
type pageColumn struct {
	expr, null string
	fields     []string
}

var pageColumnList = func() []pageColumn {
	cols := []pageColumn{
		{"p.id", "", nil}, // always: order, cursors
		{"p.campaign_id", "NULL::uuid", []string{"campaignId"}},
		{"p.identity", "NULL::text", nil}, // no field answers it: only when all are read
	}
	for _, f := range model.ProspectTexts {
		cols = append(cols, pageColumn{"p." + f.Column, "NULL::text", []string{f.Name}})
	}
	return append(cols,
		pageColumn{"p.custom_fields", "NULL::jsonb", []string{model.CustomFieldsField}},
		pageColumn{"p.status", "NULL::text", []string{"status", "stage"}},
		pageColumn{"p.created_at", "NULL::timestamptz", []string{"createdAt"}},
		pageColumn{"p.updated_at", "NULL::timestamptz", []string{"updatedAt"}},
	)
}()

// pageColumns lists a page's prospect columns, NULL for those no field in
// fields needs (fields nil: all of them).
func pageColumns(fields []string) string {
	cols := make([]string, len(pageColumnList))
	for i, c := range pageColumnList {
		cols[i] = c.expr
		if fields != nil && c.null != "" && !slices.ContainsFunc(c.fields, func(f string) bool { return slices.Contains(fields, f) }) {
			cols[i] = c.null
		}
	}
	return strings.Join(cols, ", ")
}

// scanPagesGenerically makes scanPage read every page with pgx's Scan, as
// it reads the simple protocol's: BenchmarkListPage sets it to measure
// what decodePageRow and pageTexts buy (BENCHMARKS.md, "What the speed code
// buys"). Nothing else sets it.
var scanPagesGenerically bool

// scanPage reads the listing statement's rows: the total, the roster
// version and the campaign's version (campaigns.version) beside each prospect, or one row of NULL prospect columns for an
// empty page. found says the campaign's row came. Custom fields are
// compacted into one buffer the page's prospects share.
func scanPage(rows pgx.Rows, capacity int, total *int, version, campaignVersion *int64) (_ []*model.Prospect, found, direct bool, _ error) {
	defer rows.Close()
	page := make([]model.Prospect, 0, capacity)
	var (
		id, campaign     pgtype.UUID
		identity, status pgtype.Text
		created, updated pgtype.Timestamptz
		custom           = make([]byte, 0, 96*capacity)
		texts            = pageTexts{buf: make([]byte, 0, 48*capacity), spans: make([]textSpan, 0, 5*capacity)}
		p                model.Prospect
		dest             = append(make([]any, 0, len(pageOIDs)), total, version, campaignVersion, &id, &campaign, &identity)
	)
	for _, f := range model.ProspectTexts {
		dest = append(dest, f.Of(&p))
	}
	dest = append(dest, nil, &status, &created, &updated) // custom fields: read raw below
	direct = decodable(rows.FieldDescriptions()) && !scanPagesGenerically
	for rows.Next() {
		found = true
		p = model.Prospect{}
		raw := rows.RawValues()
		if direct {
			// The usual case: decode the wire format directly, skipping
			// pgx's per-value scan plans (half the server's CPU per page).
			if err := decodePageRow(raw, total, version, campaignVersion, &id, &campaign, &created, &updated); err != nil {
				return nil, found, direct, err
			}
		} else if err := rows.Scan(dest...); err != nil {
			return nil, found, direct, err
		}
		if !id.Valid {
			continue // the campaign's row with an empty page
		}
		if direct {
			texts.add(len(page), raw)
			if v := raw[statusCol]; v != nil { // not when left out (ListQuery.Fields)
				st, ok := model.ProspectStatusFromDBBytes(v)
				if !ok {
					return nil, found, direct, fmt.Errorf("prospect %x: unknown status %q", id.Bytes, v)
				}
				p.Status = st
			}
		} else {
			if status.Valid { // not when left out (ListQuery.Fields)
				st, ok := model.ProspectStatusFromDB(status.String)
				if !ok {
					return nil, found, direct, fmt.Errorf("prospect %x: unknown status %q", id.Bytes, status.String)
				}
				p.Status = st
			}
			p.Identity = identity.String
		}
		p.ID, p.CampaignID = id.Bytes, campaign.Bytes
		p.CreatedAt, p.UpdatedAt = created.Time, updated.Time
		start := len(custom)
		custom = compactJSONB(custom, raw[customCol], rows.FieldDescriptions()[customCol].Format)
		p.CustomFieldsRaw = model.RawJSONObject(custom[start:len(custom):len(custom)])
		page = append(page, p)
	}
	if err := rows.Err(); err != nil {
		return nil, found, direct, err
	}
	texts.resolve(page)
	out := make([]*model.Prospect, len(page))
	for i := range page {
		out[i] = &page[i]
	}
	return out, found, direct, nil
}

// The listing statement's columns by position: the total, the roster
// version and the campaign's version, then pageColumnList's: the id, the campaign, the identity, the
// profile's texts (model.ProspectTexts, in order), the custom fields, the
// status and the two timestamps.
const (
	identityCol  = 5
	firstTextCol = identityCol + 1
	customCol    = firstTextCol + len(model.ProspectTexts)
	statusCol    = customCol + 1
	createdCol   = statusCol + 1
)

// pageTexts gathers the text columns of a page's rows into one buffer and
// makes them strings in one allocation once the page is read: a string
// and a pointer to it for every field of every row were most of the list
// path's allocations (issue 3's profile).
type pageTexts struct {
	buf   []byte
	spans []textSpan
}

// textSpan is one text of a page: its row, its field (-1: the identity,
// else an index of model.ProspectTexts) and its bytes in buf.
type textSpan struct {
	row, field, start, end int32
}

// add keeps the texts of the row that will be page[row].
func (t *pageTexts) add(row int, raw [][]byte) {
	keep := func(field int32, v []byte) {
		t.spans = append(t.spans, textSpan{row: int32(row), field: field, start: int32(len(t.buf)), end: int32(len(t.buf) + len(v))})
		t.buf = append(t.buf, v...)
	}
	if v := raw[identityCol]; v != nil {
		keep(-1, v)
	}
	for f := range model.ProspectTexts {
		if v := raw[firstTextCol+f]; v != nil {
			keep(int32(f), v)
		}
	}
}

// resolve sets the texts of page.
func (t *pageTexts) resolve(page []model.Prospect) {
	if len(t.spans) == 0 {
		return
	}
	all := string(t.buf)
	strs := make([]string, len(t.spans))
	for k, sp := range t.spans {
		strs[k] = all[sp.start:sp.end]
		p := &page[sp.row]
		if sp.field < 0 {
			p.Identity = strs[k]
		} else {
			*model.ProspectTexts[sp.field].Of(p) = &strs[k]
		}
	}
}

// pageOIDs are the types of the listing statement's columns, in order.
var pageOIDs = func() []uint32 {
	oids := []uint32{pgtype.Int4OID, pgtype.Int8OID, pgtype.Int8OID, pgtype.UUIDOID, pgtype.UUIDOID, pgtype.TextOID}
	for range model.ProspectTexts {
		oids = append(oids, pgtype.TextOID)
	}
	return append(oids, pgtype.JSONBOID, pgtype.TextOID, pgtype.TimestamptzOID, pgtype.TimestamptzOID)
}()

// decodable says decodePageRow can read the listing statement's columns:
// they have the expected types, and those whose binary and text forms
// differ (numbers, uuids, timestamps) came in binary. Text is the same
// bytes either way (pgx asks for text as text), jsonb is read by
// compactJSONB in either form. A URL may choose the simple protocol: all
// text, then rows.Scan reads them.
func decodable(fields []pgconn.FieldDescription) bool {
	if len(fields) != len(pageOIDs) {
		return false
	}
	for i, f := range fields {
		if f.DataTypeOID != pageOIDs[i] {
			return false
		}
		if f.DataTypeOID != pgtype.TextOID && f.DataTypeOID != pgtype.JSONBOID && f.Format != pgx.BinaryFormatCode {
			return false
		}
	}
	return true
}

// pgEpochMicros is 2000-01-01 UTC, PostgreSQL's timestamp zero, in Unix
// microseconds.
const pgEpochMicros = 946_684_800_000_000

// decodePageRow reads one row of the listing statement from the wire
// (decodable) into the same places rows.Scan(dest...) would; its texts are
// read by pageTexts, its custom fields raw by scanPage.
func decodePageRow(raw [][]byte, total *int, version, campaignVersion *int64, id, campaign *pgtype.UUID, created, updated *pgtype.Timestamptz) error {
	if len(raw[0]) != 4 || len(raw[1]) != 8 || len(raw[2]) != 8 {
		return errors.New("list prospects: malformed total or versions")
	}
	*total = int(int32(binary.BigEndian.Uint32(raw[0])))
	*version = int64(binary.BigEndian.Uint64(raw[1]))
	*campaignVersion = int64(binary.BigEndian.Uint64(raw[2]))
	for i, u := range []*pgtype.UUID{id, campaign} {
		v := raw[3+i]
		*u = pgtype.UUID{Valid: len(v) == 16}
		copy(u.Bytes[:], v)
	}
	for i, ts := range []*pgtype.Timestamptz{created, updated} {
		v := raw[createdCol+i]
		*ts = pgtype.Timestamptz{Valid: len(v) == 8}
		if ts.Valid {
			ts.Time = time.UnixMicro(int64(binary.BigEndian.Uint64(v)) + pgEpochMicros).UTC()
		}
	}
	return nil
}

// ListProspectsMany serves the same page of several rosters in one
// statement, so that `campaigns { nodes { prospects } }` costs one query, not
// one per campaign. Campaigns absent or not the caller's are left out. It
// walks each roster from its start (OFFSET), which is fine for the small
// pages of a dashboard; polling a large roster goes through ListProspects.
func (s *Store) ListProspectsMany(ctx context.Context, owner string, campaignIDs []uuid.UUID, q ListQuery) (map[uuid.UUID]*ProspectPage, error) {
	pg, err := NewPage(q.Page, q.Limit, q.After != nil)
	if err != nil {
		return nil, err
	}
	args := []any{}
	filter := statusWhere(q, "p.status", func(v any) string {
		if names, ok := v.([]string); ok {
			v = pgdialect.Array(names)
		}
		args = append(args, v)
		return "?"
	})
	if q.After != nil {
		filter += " AND p.id > ?"
		args = append(args, *q.After)
	}
	// The prospect's columns by name, not p.*: a column the model does not
	// have (other_identity, which only the suppression list reads) would
	// fail the scan.
	query := `SELECT c.id AS campaign_key, coalesce(` + totalExpr(q) + `, 0) AS total_count, ` + pageColumns(nil) + `
FROM campaigns AS c
LEFT JOIN LATERAL (
	SELECT p.* FROM prospects AS p
	WHERE p.campaign_id = c.id` + filter + `
	ORDER BY p.id
	LIMIT ? OFFSET ?
) AS p ON true
WHERE c.id IN (?) AND c.owner = ?
ORDER BY c.id, p.id`
	args = append(args, pg.Limit+1, pg.Offset(), bun.In(campaignIDs), owner)

	var rows []manyRow
	if err := s.db.NewRaw(query, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list prospects: %w", err)
	}
	pages := make(map[uuid.UUID]*ProspectPage, len(campaignIDs))
	for i := range rows {
		r := &rows[i]
		page, ok := pages[r.CampaignKey]
		if !ok {
			page = &ProspectPage{
				TotalCount: r.TotalCount,
				Page:       pg,
				Keyset:     q.After != nil,
			}
			pages[r.CampaignKey] = page
		}
		if r.ID == uuid.Nil {
			continue // the campaign's row with an empty page
		}
		if len(page.Prospects) == pg.Limit {
			page.Page.HasNext = true
			continue
		}
		page.Prospects = append(page.Prospects, &r.Prospect)
	}
	return pages, nil
}
