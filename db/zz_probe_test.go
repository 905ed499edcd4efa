package db_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roster/db"
	"roster/db/dbtest"
	"roster/model"
)

func TestZZProbeAdd(t *testing.T) {
	if os.Getenv("PROBE") == "" {
		t.Skip()
	}
	ctx := context.Background()
	bdb := dbtest.DB(t)
	s := db.NewStore(bdb)
	owner := "probe"
	c := newCampaign(t, s, owner, model.ChannelEmail)
	if _, err := bdb.ExecContext(ctx, `INSERT INTO prospects (id, campaign_id, identity, email, first_name, custom_fields)
		SELECT gen_random_uuid(), ?, 'seed'||g||'@x.com', 'seed'||g||'@x.com', 'F', '{"k":"v","n":1}'
		FROM generate_series(1, 100000) g`, c.ID); err != nil {
		t.Fatal(err)
	}
	bdb.ExecContext(ctx, `VACUUM ANALYZE prospects`)
	var dd string
	bdb.QueryRowContext(ctx, `SHOW data_directory`).Scan(&dd)
	bdb.ExecContext(ctx, `ALTER SYSTEM SET log_min_duration_statement = 0`)
	bdb.ExecContext(ctx, `SELECT pg_reload_conf()`)
	time.Sleep(200 * time.Millisecond)
	var ids []string
	for j := 0; j < 1000; j++ {
		ids = append(ids, fmt.Sprintf("'seed%d@x.com'", 1+j*37))
	}
	q := `EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM prospects WHERE campaign_id = '` + c.ID.String() + `' AND identity IN (` + strings.Join(ids, ",") + `)`
	rs, err := bdb.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var l string
		rs.Scan(&l)
		fmt.Println(l[:min(len(l), 150)])
	}
	for b := 0; b < 6; b++ {
		rows := make([]*model.ProspectInput, 1000)
		for j := range rows {
			e := fmt.Sprintf("new%d.%d@new.example.com", b, j)
			if j%10 == 3 {
				e = fmt.Sprintf("seed%d@x.com", 1+j*37)
			}
			f, l, co := "First", "Last", "Company"
			rows[j] = &model.ProspectInput{Email: &e, FirstName: &f, LastName: &l, Company: &co, CustomFields: map[string]any{"plan": "pro", "seats": 12}}
		}
		t0 := time.Now()
		res, err := s.AddProspects(ctx, owner, c.ID, rows, false)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("add %d: %v imported %d dup %d\n", b, time.Since(t0), res.ImportedCount, len(res.Duplicates))
	}
	bdb.ExecContext(ctx, `ALTER SYSTEM RESET log_min_duration_statement`)
	bdb.ExecContext(ctx, `SELECT pg_reload_conf()`)
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(dd), "postgres.log"))
	os.WriteFile("/tmp/probe.log", b, 0o644)
}
