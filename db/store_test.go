package db_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"roster/db"
	"roster/db/dbtest"
	"roster/model"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// statementLog records the statements run under contexts it marked.
type statementLog struct {
	mu    sync.Mutex
	byKey map[string][]string
	args  map[string][][]any
}

type logKey struct{}

func (l *statementLog) record(ctx context.Context, sql string, args []any) {
	key, ok := ctx.Value(logKey{}).(string)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byKey[key] = append(l.byKey[key], sql)
	l.args[key] = append(l.args[key], args)
}

var (
	logOnce sync.Once
	stmts   = &statementLog{byKey: map[string][]string{}, args: map[string][][]any{}}
)

// recording returns a context whose statements are recorded under t's name.
// A statement's text is followed by its parameters, if any, as fmt prints them.
func recording(t *testing.T) (context.Context, func() []string) {
	logOnce.Do(func() { dbtest.OnStatement(stmts.record) })
	key := t.Name()
	return context.WithValue(context.Background(), logKey{}, key), func() []string {
		stmts.mu.Lock()
		defer stmts.mu.Unlock()
		out := make([]string, len(stmts.byKey[key]))
		for i, q := range stmts.byKey[key] {
			out[i] = q
			if a := stmts.args[key][i]; len(a) > 0 {
				out[i] += fmt.Sprintf(" %v", a)
			}
		}
		return out
	}
}

func newCampaign(t *testing.T, s *db.Store, owner string, ch model.Channel) *model.Campaign {
	t.Helper()
	c, err := s.CreateCampaign(context.Background(), owner, model.CreateCampaignInput{Name: "c", Channel: ch})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rows(n int, format string) []*model.ProspectInput {
	out := make([]*model.ProspectInput, n)
	for i := range out {
		e := fmt.Sprintf(format, i)
		out[i] = &model.ProspectInput{Email: &e}
	}
	return out
}

// TestBatchIsOneInsert checks SPEC habit 2: a 1000-row batch is written by
// one multi-row INSERT ... ON CONFLICT DO NOTHING, and the roster's rows for
// the identities it skipped are one indexed read, whatever the roster's size.
func TestBatchIsOneInsert(t *testing.T) {
	t.Parallel()
	s := db.NewStore(dbtest.DB(t))
	owner := "owner-" + uuid.NewString()
	c := newCampaign(t, s, owner, model.ChannelEmail)
	if _, err := s.AddProspects(context.Background(), owner, c.ID, rows(1000, "first%d@x.com"), db.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, recorded := recording(t)
	batch := append(rows(500, "first%d@x.com"), rows(500, "second%d@x.com")...)
	res, err := s.AddProspects(ctx, owner, c.ID, batch, db.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImportedCount != 500 || len(res.Duplicates) != 500 || res.Campaign.Stats.Total != 1500 {
		t.Fatalf("imported %d, duplicates %d, total %d", res.ImportedCount, len(res.Duplicates), res.Campaign.Stats.Total)
	}
	var inserts, selects int
	for _, q := range recorded() {
		switch {
		case strings.HasPrefix(q, "INSERT INTO"):
			inserts++
			if !strings.Contains(q, "ON CONFLICT (campaign_id, identity) DO NOTHING") {
				t.Errorf("insert without ON CONFLICT: %.200s", q)
			}
		case strings.HasPrefix(q, "SELECT set_config"): // the timeouts
		case strings.HasPrefix(q, "SELECT"):
			selects++
		}
	}
	if inserts != 1 {
		t.Errorf("%d INSERT statements for one batch, want 1", inserts)
	}
	// lock the campaign, screen the rows against the suppression list (one
	// statement, SPEC §12's default skipSuppressed), read the roster's rows
	// for the 500 identities the insert skipped, read the campaign back
	if selects != 4 {
		t.Errorf("%d SELECT statements for one batch, want 4: %v", selects, recorded())
	}
}

// TestBatchWrittenInIdOrder checks that rows are written in submission
// order, which is their ids' order (UUIDv7, the roster order): the id
// indexes then append at their right edge. (Concurrent batches of one
// campaign are serialized by the roster lock, so the order cannot deadlock
// them.)
func TestBatchWrittenInIdOrder(t *testing.T) {
	t.Parallel()
	s := db.NewStore(dbtest.DB(t))
	owner := "owner-" + uuid.NewString()
	c := newCampaign(t, s, owner, model.ChannelEmail)
	ctx, recorded := recording(t)
	in := rows(3, "z%d@x.com")
	a, b, dup := "a@x.com", "m@x.com", "z1@x.com"
	in = append(in, &model.ProspectInput{Email: &a}, &model.ProspectInput{Email: &dup}, &model.ProspectInput{Email: &b})
	res, err := s.AddProspects(ctx, owner, c.ID, in, db.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(res.Imported); i++ {
		if res.Imported[i-1].ID.String() >= res.Imported[i].ID.String() {
			t.Fatalf("ids not in submission order: %v then %v", res.Imported[i-1].ID, res.Imported[i].ID)
		}
	}
	var insert string
	for _, q := range recorded() {
		if strings.HasPrefix(q, "INSERT INTO") {
			insert = q
		}
	}
	order := []string{"z0@x.com", "z1@x.com", "z2@x.com", "a@x.com", "m@x.com"}
	last := -1
	for _, v := range order {
		i := strings.Index(insert, v)
		if i < 0 || i < last {
			t.Fatalf("insert not in submission order: %s", insert)
		}
		last = i
	}
	if strings.Count(insert, "z1@x.com") != 2 { // the identities' and the emails' arrays hold it once each
		t.Fatalf("the in-batch duplicate was written too: %s", insert)
	}
}

// TestStatsTriggerCostsRowsWritten checks that keeping the stats touches only
// the campaigns a statement wrote to. A profile-only update rewrites its
// campaign's row too since campaigns.version (SPEC §14) moves with it, and
// still no other campaign's.
func TestStatsTriggerCostsRowsWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := dbtest.DB(t)
	s := db.NewStore(bdb)
	owner := "owner-" + uuid.NewString()
	c1 := newCampaign(t, s, owner, model.ChannelEmail)
	c2 := newCampaign(t, s, owner, model.ChannelEmail)
	for _, c := range []*model.Campaign{c1, c2} {
		if _, err := s.AddProspects(ctx, owner, c.ID, rows(10, "p%d@x.com"), db.AddOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	xmin := func(id uuid.UUID) string {
		var x string
		if err := bdb.QueryRowContext(ctx, "SELECT xmin::text FROM campaigns WHERE id = ?", id).Scan(&x); err != nil {
			t.Fatal(err)
		}
		return x
	}
	before2 := xmin(c2.ID)
	if _, err := bdb.ExecContext(ctx, "UPDATE prospects SET first_name = 'x' WHERE campaign_id = ?", c1.ID); err != nil {
		t.Fatal(err)
	}
	if xmin(c2.ID) != before2 {
		t.Error("a profile-only update on one campaign rewrote another campaign's row")
	}
	if _, err := bdb.ExecContext(ctx, "UPDATE prospects SET status = 'sent' WHERE campaign_id = ? AND identity LIKE 'p1%'", c1.ID); err != nil {
		t.Fatal(err)
	}
	if xmin(c2.ID) != before2 {
		t.Error("a status move on one campaign rewrote another campaign's row")
	}
	got, err := s.Campaign(ctx, owner, c1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stats.Sent != 1 || got.Stats.Pending != 9 || got.Stats.Total != 10 {
		t.Fatalf("stats after the engine's update: %+v", got.Stats)
	}
}

// TestListCustomFieldsRaw: the list path hands custom fields on as the JSON
// PostgreSQL wrote, compacted (compactJSONB): it must be compact, valid,
// and the same document that was stored, whatever the strings hold.
func TestListCustomFieldsRaw(t *testing.T) {
	t.Parallel()
	s := db.NewStore(dbtest.DB(t))
	owner := "raw-" + t.Name()
	c := newCampaign(t, s, owner, model.ChannelEmail)
	docs := []string{
		`{}`,
		`{"a": 1}`,
		`{"s": "a, b: c", "t": "\", \\\": ", "u": "\u2028 東京 🚀 \t\n"}`,
		`{"n": null, "b": [true, false, [], {}], "x": {"y": {"z": [1, 2.50, -0.125, 1e3]}}}`,
		`{"key_with-dash": "  spaced  ,  out  :  ", "e": "\\"}`,
	}
	in := make([]*model.ProspectInput, len(docs))
	for i, d := range docs {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(d))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		e := fmt.Sprintf("raw%d@x.com", i)
		in[i] = &model.ProspectInput{Email: &e, CustomFields: m}
	}
	if _, err := s.AddProspects(context.Background(), owner, c.ID, in, db.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListProspects(context.Background(), owner, c.ID, db.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Prospects) != len(docs) {
		t.Fatalf("%d prospects listed, want %d", len(page.Prospects), len(docs))
	}
	// Numbers compare by value: jsonb writes 1e3 as 1000.
	decode := func(b []byte) any {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		return v
	}
	for i, p := range page.Prospects {
		raw := []byte(p.CustomFieldsJSON())
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			t.Fatalf("%s is not JSON: %v", raw, err)
		}
		if !bytes.Equal(compact.Bytes(), raw) {
			t.Fatalf("not compact: %s", raw)
		}
		want, err := model.CompactJSON(in[i].CustomFields)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(raw); !reflect.DeepEqual(got, decode(want)) {
			t.Fatalf("custom fields %s, want %s", raw, want)
		}
	}
}

// TestHotMode: the hot statements are prepared on a direct connection, and
// travel as the URL says when it names a mode (a pooler in between), exec
// upgraded to the pooler-safe describe-once.
func TestHotMode(t *testing.T) {
	for _, tc := range []struct {
		url    string
		chosen pgx.QueryExecMode
		want   pgx.QueryExecMode
	}{
		{"postgres://u@h/db", pgx.QueryExecModeExec, pgx.QueryExecModeCacheStatement},
		{"postgres://u@h/db?default_query_exec_mode=exec", pgx.QueryExecModeExec, pgx.QueryExecModeCacheDescribe},
		{"postgres://u@h/db?default_query_exec_mode=simple_protocol", pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeSimpleProtocol},
		{"postgres://u@h/db?default_query_exec_mode=cache_statement", pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheStatement},
	} {
		if got := db.HotModeFor(tc.url, tc.chosen); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.url, got, tc.want)
		}
	}
}

// TestListWireFormats: a page decoded from the binary wire format (the
// usual, direct decoding) is the page pgx's own scanning makes of the text
// format (a URL that chooses the simple protocol), field for field.
func TestListWireFormats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := db.NewStore(dbtest.DB(t))
	sep := "?"
	if strings.Contains(dbtest.URL(), "?") {
		sep = "&"
	}
	url := dbtest.URL()
	if strings.Contains(url, "default_query_exec_mode=") {
		url = strings.Replace(url, "default_query_exec_mode=exec", "default_query_exec_mode=simple_protocol", 1)
	} else {
		url += sep + "default_query_exec_mode=simple_protocol"
	}
	textDB, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer textDB.Close()
	text := db.NewStore(textDB)
	owner := "wire-" + uuid.NewString()
	c := newCampaign(t, s, owner, model.ChannelEmail)
	in := rows(5, "w%d@x.com")
	first, loc := "Zoë \"Q\"", "東京"
	in[1].FirstName, in[1].Location, in[1].CustomFields = &first, &loc, map[string]any{"a": json.Number("1.50"), "b": []any{"x"}}
	// The add's insert through the simple protocol too (its arrays as text).
	if _, err := s.AddProspects(ctx, owner, c.ID, in[:2], db.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if res, err := text.AddProspects(ctx, owner, c.ID, in, db.AddOptions{}); err != nil || res.ImportedCount != 3 || len(res.Duplicates) != 2 {
		t.Fatalf("add through the simple protocol: %+v, %v", res, err)
	}
	if _, err := dbtest.DB(t).ExecContext(ctx, `UPDATE prospects SET status = 'replied' WHERE campaign_id = ? AND identity = 'w3@x.com'`, c.ID); err != nil {
		t.Fatal(err)
	}
	bin, err := s.ListProspects(ctx, owner, c.ID, db.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	txt, err := text.ListProspects(ctx, owner, c.ID, db.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if bin.TotalCount != 5 || txt.TotalCount != 5 || len(bin.Prospects) != 5 || len(txt.Prospects) != 5 {
		t.Fatalf("totals %d/%d, rows %d/%d", bin.TotalCount, txt.TotalCount, len(bin.Prospects), len(txt.Prospects))
	}
	for i := range bin.Prospects {
		b, x := *bin.Prospects[i], *txt.Prospects[i]
		if !b.CreatedAt.Equal(x.CreatedAt) || !b.UpdatedAt.Equal(x.UpdatedAt) {
			t.Fatalf("row %d: times %v/%v, %v/%v", i, b.CreatedAt, x.CreatedAt, b.UpdatedAt, x.UpdatedAt)
		}
		b.CreatedAt, b.UpdatedAt = x.CreatedAt, x.UpdatedAt // equal instants; locations may differ
		if !reflect.DeepEqual(b, x) {
			t.Fatalf("row %d:\nbinary %+v\ntext   %+v", i, b, x)
		}
	}
	for _, st := range []string{"", "pending"} { // marks read through either protocol
		if err := s.BuildMarks(ctx, c.ID, st); err != nil {
			t.Fatal(err)
		}
		if err := text.BuildMarks(ctx, c.ID, st); err != nil {
			t.Fatalf("marks through the simple protocol: %v", err)
		}
	}
	if s.DirectPages() == 0 || text.DirectPages() != 0 {
		t.Fatalf("pages decoded directly: %d on the usual connection (want some), %d on the simple protocol (want none)", s.DirectPages(), text.DirectPages())
	}
	if got := *bin.Prospects[1].FirstName; got != first || bin.Prospects[3].Status != model.ProspectStatusReplied {
		t.Fatalf("decoded %q, status %s", got, bin.Prospects[3].Status)
	}
}

// TestAddLeavesNoTransactionOpen: whichever way an add ends (written,
// refused for its rows, its size, a frozen or unknown campaign, a failed
// statement), its connection goes back to the pool outside any
// transaction, its SET LOCAL timeouts gone, and is used again (pgx's
// database/sql driver would discard a connection left in a transaction,
// at the cost of a new one): inTx ends every transaction it begins
// (COMMIT or ROLLBACK, a panic included).
func TestAddLeavesNoTransactionOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb, err := db.Open(ctx, dbtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bdb.Close() })
	bdb.SetMaxOpenConns(1) // every add and check below on the same connection
	s := db.NewStore(bdb)
	s.Timeouts.Statement = 1234 * time.Millisecond
	owner := "owner-" + uuid.NewString()
	c := newCampaign(t, s, owner, model.ChannelEmail)
	frozen := newCampaign(t, s, owner, model.ChannelEmail)
	if _, err := s.AddProspects(ctx, owner, frozen.ID, rows(1, "launch%d@x.com"), db.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TransitionCampaign(ctx, owner, frozen.ID, model.CampaignStatusLaunching); err != nil {
		t.Fatal(err)
	}
	// The pool's one connection, as the driver's (the server's backend
	// would not tell: PgBouncer may change it between transactions).
	driverConn := func() any {
		conn, err := bdb.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var dc any
		if err := conn.Raw(func(c any) error { dc = c; return nil }); err != nil {
			t.Fatal(err)
		}
		return dc
	}
	pooled := driverConn()
	bad := "not an email"
	for _, tc := range []struct {
		name     string
		campaign uuid.UUID
		rows     []*model.ProspectInput
		o        db.AddOptions
		fails    bool
	}{
		{"written, lean", c.ID, rows(3, "lean%d@x.com"), db.AddOptions{NoDuplicateProspects: true, NoCampaign: true}, false},
		{"written, read back", c.ID, rows(3, "lean%d@x.com"), db.AddOptions{}, false},
		{"bad rows", c.ID, []*model.ProspectInput{{Email: &bad}}, db.AddOptions{}, true},
		{"no rows", c.ID, nil, db.AddOptions{NoCampaign: true}, true},
		{"frozen", frozen.ID, rows(1, "f%d@x.com"), db.AddOptions{}, true},
		{"unknown campaign", uuid.New(), rows(1, "u%d@x.com"), db.AddOptions{}, true},
		{"cancelled", c.ID, rows(1000, "cancel%d@x.com"), db.AddOptions{NoCampaign: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			actx := ctx
			if tc.name == "cancelled" {
				var cancel context.CancelFunc
				actx, cancel = context.WithTimeout(ctx, time.Millisecond)
				defer cancel()
			}
			_, err := s.AddProspects(actx, owner, tc.campaign, tc.rows, tc.o)
			if (err != nil) != tc.fails {
				t.Fatalf("error %v, want one: %v", err, tc.fails)
			}
			var timeout string
			if err := bdb.QueryRowContext(ctx, `SELECT current_setting('statement_timeout')`).Scan(&timeout); err != nil {
				t.Fatalf("after the add the connection is unusable: %v", err)
			}
			if timeout == "1234ms" {
				t.Fatalf("after the add the connection is still in its transaction (statement_timeout %s)", timeout)
			}
			// A cancelled statement closes its connection (pgx).
			if now := driverConn(); now != pooled && tc.name != "cancelled" {
				t.Fatalf("the add's connection was discarded")
			} else {
				pooled = now
			}
		})
	}
}

// TestAbsentTextsStoredAsNull: the insert sends absent texts as "" (pgx
// encodes []string without reflection) and the statement stores them as
// NULL; blank input is absent too (SPEC §6).
func TestAbsentTextsStoredAsNull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := dbtest.DB(t)
	s := db.NewStore(bdb)
	owner := "owner-" + uuid.NewString()
	c := newCampaign(t, s, owner, model.ChannelEmail)
	email, blank, first := "null@x.com", "   ", "Ann"
	res, err := s.AddProspects(ctx, owner, c.ID, []*model.ProspectInput{{Email: &email, LastName: &blank, FirstName: &first}}, db.AddOptions{})
	if err != nil || res.ImportedCount != 1 {
		t.Fatalf("add: %v, %+v", err, res)
	}
	var nulls int
	var gotFirst string
	if err := bdb.QueryRowContext(ctx, `SELECT num_nulls(linkedin_url, last_name, company, title, phone, location), first_name
		FROM prospects WHERE campaign_id = ?`, c.ID).Scan(&nulls, &gotFirst); err != nil {
		t.Fatal(err)
	}
	if nulls != 6 || gotFirst != "Ann" {
		t.Fatalf("%d of the 6 absent texts are NULL; first_name %q", nulls, gotFirst)
	}
}

// TestInsertLeavesOutAbsentColumns: a group of columns no row of the batch
// has is not in the insert (they take their defaults), one that some row
// has a column of is (phone brings title and location along), and what is
// stored is the same either way.
func TestInsertLeavesOutAbsentColumns(t *testing.T) {
	t.Parallel()
	s := db.NewStore(dbtest.DB(t))
	owner := "owner-" + uuid.NewString()
	c := newCampaign(t, s, owner, model.ChannelEmail)
	ctx, recorded := recording(t)
	a, b, tel := "a@x.com", "b@x.com", "+1 555"
	if _, err := s.AddProspects(ctx, owner, c.ID, []*model.ProspectInput{{Email: &a}}, db.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddProspects(ctx, owner, c.ID, []*model.ProspectInput{{Email: &b, Phone: &tel, CustomFields: map[string]any{"k": "v"}}, {Email: &a}}, db.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	var inserts []string
	for _, q := range recorded() {
		if strings.HasPrefix(q, "INSERT INTO prospects") {
			inserts = append(inserts, q[:strings.Index(q, ")")+1])
		}
	}
	// The second batch sends the phone's group (model.ProspectTexts'
	// InsertGroup) and the custom fields, no other optional column.
	phone, _ := model.TextFieldNamed("phone")
	var phoneGroup []string
	for _, f := range model.ProspectTexts {
		if f.InsertGroup == model.ProspectTexts[phone].InsertGroup {
			phoneGroup = append(phoneGroup, f.Column)
		}
	}
	want := []string{
		"INSERT INTO prospects (id, campaign_id, identity, email, status, created_at, updated_at)",
		"INSERT INTO prospects (id, campaign_id, identity, email, " + strings.Join(phoneGroup, ", ") + ", custom_fields, status, created_at, updated_at)",
	}
	if !reflect.DeepEqual(inserts, want) {
		t.Fatalf("inserts %q, want %q", inserts, want)
	}
	var got []string
	if err := dbtest.DB(t).NewSelect().Table("prospects").ColumnExpr("concat_ws('|', email, coalesce(phone, 'NULL'), custom_fields::text)").
		Where("campaign_id = ?", c.ID).Order("id").Scan(context.Background(), &got); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a@x.com|NULL|{}", `b@x.com|+1 555|{"k": "v"}`}; !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %q, want %q", got, want)
	}
}

// TestPlanCacheMode: on a direct connection the prepared hot statements
// are planned for each run's roster (force_custom_plan) unless the URL
// says otherwise; through a pooler (an exec mode in the URL) nothing is
// sent.
func TestPlanCacheMode(t *testing.T) {
	ctx := context.Background()
	sep := "?"
	if strings.Contains(dbtest.URL(), "?") {
		sep = "&"
	}
	cases := []struct{ params, want string }{
		{"", "force_custom_plan"},
		{"default_query_exec_mode=exec", "auto"},
		{"plan_cache_mode=force_generic_plan", "force_generic_plan"},
	}
	if strings.Contains(dbtest.URL(), "default_query_exec_mode") {
		// The suite through PgBouncer (TEST_PGBOUNCER): its URL names a
		// mode, so nothing is sent, which PgBouncer requires (it refuses
		// the connection of a client that sends plan_cache_mode).
		cases = []struct{ params, want string }{{"", "auto"}}
	}
	for _, tc := range cases {
		url := dbtest.URL()
		if tc.params != "" {
			url += sep + tc.params
		}
		bdb, err := db.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = bdb.QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&got)
		bdb.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%q: plan_cache_mode %s, want %s", tc.params, got, tc.want)
		}
	}
}
