package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"roster/db"
	"roster/db/dbtest"
	"roster/model"
	"roster/roster"
)

// BenchmarkAddChecks is a 1000-row add into a DRAFT roster of an owner
// whose other campaigns hold 1,000,000 prospects (10 rosters of 100,000),
// with the checks of SPEC §12 off (/off: otherCampaigns IGNORE,
// skipSuppressed false) and on (/on: SKIP_IF_ANY, skipSuppressed): the
// issue's target is /on at most 1.5× /off. A tenth of each batch is on
// another roster (skipped when the checks are on). Run with
// -benchtime 30x -count 3 and compare within one run; seeding takes about
// half a minute.
func BenchmarkAddChecks(b *testing.B) {
	ctx := context.Background()
	bdb := dbtest.DB(b)
	s := db.NewStore(bdb)
	owner := "checks-" + uuid.NewString()
	const others, perRoster = 10, 100_000
	for k := range others {
		c, err := s.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: fmt.Sprintf("other %d", k), Channel: model.ChannelEmail})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bdb.ExecContext(ctx, `INSERT INTO prospects (id, campaign_id, identity, email, first_name)
			SELECT gen_random_uuid(), ?, 'p' || i || '@other' || ? || '.example.com', 'p' || i || '@other' || ? || '.example.com', 'Ann'
			FROM generate_series(1, ?) i`, c.ID, k, k, perRoster); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := bdb.ExecContext(ctx, `INSERT INTO suppressions (id, owner, kind, value, normalized)
		SELECT gen_random_uuid(), ?, k, v, v
		FROM generate_series(1, 1000000) AS g,
		LATERAL (SELECT CASE WHEN g % 10 = 0 THEN 'domain' WHEN g % 10 = 1 THEN 'linkedin' ELSE 'email' END AS k) AS kk,
		LATERAL (SELECT CASE k WHEN 'domain' THEN 'd' || g || '.example' WHEN 'linkedin' THEN 'https://www.linkedin.com/in/u' || g
			ELSE 'u' || g || '@d' || (g % 50000) || '.example' END AS v) AS vv`, owner); err != nil {
		b.Fatal(err)
	}
	if _, err := bdb.ExecContext(ctx, `VACUUM ANALYZE suppressions`); err != nil {
		b.Fatal(err)
	}
	if _, err := bdb.ExecContext(ctx, `ANALYZE prospects`); err != nil {
		b.Fatal(err)
	}
	target, err := s.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "target", Channel: model.ChannelEmail})
	if err != nil {
		b.Fatal(err)
	}
	batch := 0
	for _, on := range []bool{false, true} {
		name, o := "off", roster.ImportOptions{OnDuplicate: model.DuplicatePolicySkip, OtherCampaigns: model.OtherCampaignsPolicyIgnore}
		if on {
			name, o = "on", roster.ImportOptions{OnDuplicate: model.DuplicatePolicySkip, OtherCampaigns: model.OtherCampaignsPolicySkipIfAny, SkipSuppressed: true}
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				in := make([]*model.ProspectInput, 1000)
				for i := range in {
					email := fmt.Sprintf("n%d.%d@x.com", batch, i)
					if i%10 == 3 {
						email = fmt.Sprintf("p%d@other%d.example.com", (batch*1000+i)%perRoster+1, i%others)
					}
					first := "Ann"
					in[i] = &model.ProspectInput{Email: &email, FirstName: &first}
				}
				batch++
				res, err := s.AddProspects(ctx, owner, target.ID, in, db.AddOptions{NoDuplicateProspects: true, NoCampaign: true, Import: o})
				if err != nil || res.ImportedCount+len(res.Skipped)+len(res.Duplicates) != 1000 {
					b.Fatalf("%v %+v", err, res)
				}
			}
		})
	}
}
