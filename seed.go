package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"roster/db"
	"roster/model"
	"roster/roster"
)

// demoSize is how many prospects each demo campaign gets.
const demoSize = 10_000

// Names and places for demo prospects: plausible, varied, obviously fake.
var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis",
		"Radia", "Tim", "Hedy", "Linus", "Katherine", "Guido", "Sophie", "John", "Anita", "Leslie"}
	lastNames = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton",
		"Ritchie", "Perlman", "Berners-Lee", "Lamarr", "Torvalds", "Johnson", "van Rossum", "Wilson", "McCarthy", "Borg", "Lamport"}
	companies = []string{"Acme Analytics", "Globex", "Initech", "Umbrella Labs", "Stark Logistics", "Wayne Freight",
		"Hooli", "Pied Piper", "Vandelay Imports", "Soylent Foods", "Cyberdyne", "Tyrell Bio"}
	titles     = []string{"CTO", "VP Engineering", "Head of Sales", "Founder", "Product Manager", "Data Lead", "COO", "Head of Growth"}
	locations  = []string{"Berlin, DE", "Paris, FR", "London, UK", "Austin, US", "Lisbon, PT", "Toronto, CA", "Singapore, SG"}
	industries = []string{"saas", "logistics", "fintech", "health", "retail", "energy"}
)

// seed creates one EMAIL and one LINKEDIN campaign for a subject, each with
// demoSize prospects added through the same store code as the API, then
// moves their statuses with plain SQL as the sending engine would.
func seed(cfg config, fs *flag.FlagSet) error {
	if fs.Lookup("demo").Value.String() != "true" {
		fs.Usage()
		return errors.New("seed: only --demo is available")
	}
	owner := fs.Lookup("sub").Value.String()
	logger := newLogger(cfg)
	ctx := context.Background()
	bdb, stop, err := database(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer stop()
	store := db.NewStore(bdb)
	rng := rand.New(rand.NewPCG(1, 2))
	var emailCampaign string
	for _, ch := range []model.Channel{model.ChannelEmail, model.ChannelLinkedin} {
		c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{
			Name: fmt.Sprintf("Demo %s outreach", strings.ToLower(string(ch))), Channel: ch,
		})
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		for start := 0; start < demoSize; start += roster.MaxBatchRows {
			rows := make([]*model.ProspectInput, roster.MaxBatchRows)
			for i := range rows {
				rows[i] = demoProspect(rng, start+i)
			}
			if _, err := store.AddProspects(ctx, owner, c.ID, rows, db.AddOptions{}); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
		}
		// Spread the pipeline: 60% still PENDING, the rest over every other
		// status, as the sending engine would have moved them.
		_, err = bdb.ExecContext(ctx, `UPDATE prospects SET status = (ARRAY['sent', 'connection_sent',
			'connected', 'message_sent', 'replied', 'bounced', 'completed', 'timed_out', 'cancelled'])[1 + abs(hashtext(identity)) % 9]
			WHERE campaign_id = ? AND abs(hashtext(identity || 'x')) % 10 >= 6`, c.ID)
		if err != nil {
			return fmt.Errorf("seed: statuses: %w", err)
		}
		logger.Info("seeded", "campaign", c.ID, "channel", ch, "prospects", demoSize, "owner", owner)
		if ch == model.ChannelEmail {
			emailCampaign = c.ID.String()
		}
	}
	res, err := store.AddSuppressions(ctx, owner, demoSuppressions(), false)
	if err != nil {
		return fmt.Errorf("seed: suppressions: %w", err)
	}
	logger.Info("seeded the suppression list", "entries", len(res.Added), "owner", owner)
	path := fs.Lookup("csv").Value.String()
	if path == "" {
		path = filepath.Join(cfg.DataDir, "demo-leads.csv")
	}
	if err := writeDemoCSV(path); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	logger.Info("seeded a CSV file to import", "file", path, "rows", demoCSVRows,
		"try", fmt.Sprintf("go run . import --campaign %s --file %s", emailCampaign, path))
	return nil
}

// demoCSVRows is the sample CSV's size: its first 50 rows are on the demo
// EMAIL campaign's roster already (duplicates), a few are bad, a few
// repeat the row above, the rest are new.
const demoCSVRows = 1000

// writeDemoCSV writes a CSV file as a spreadsheet exports a lead list:
// headers the import maps by themselves ("Work Email", "Given Name"…),
// a column that becomes a custom field, a quoted comma, a line break in a
// quoted cell, repeated rows and a few bad ones.
func writeDemoCSV(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"Work Email", "Given Name", "Surname", "Company Name", "Job Title", "City", "Industry", "Notes"})
	// The seed's generator from its start: the EMAIL campaign's first
	// prospects again, then new ones from a generator of their own.
	seeded, fresh := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(5, 6))
	prev := ""
	for i := range demoCSVRows {
		var p *model.ProspectInput
		if i < 50 {
			p = demoProspect(seeded, i)
		} else {
			p = demoProspect(fresh, demoSize+i)
		}
		notes := ""
		switch {
		case i%97 == 5:
			notes = "Met at the conference,\nasked for a demo"
		case i%50 == 7:
			notes = "Referred by a customer, keen"
		}
		email := *p.Email
		switch {
		case i%250 == 100:
			email = "not-an-email" // a bad row, reported with its line
		case i%300 == 150:
			email = "" // the required identity missing
		case i%333 == 200:
			email = strings.ToUpper(prev) // the row above again
		}
		prev = email
		_ = w.Write([]string{email, *p.FirstName, *p.LastName, *p.Company, *p.Title, *p.Location,
			p.CustomFields["industry"].(string), notes})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func demoProspect(rng *rand.Rand, n int) *model.ProspectInput {
	pick := func(list []string) *string { s := list[rng.IntN(len(list))]; return &s }
	first, last, company := pick(firstNames), pick(lastNames), pick(companies)
	slug := strings.ToLower(strings.NewReplacer(" ", "-").Replace(*first + "-" + *last))
	email := fmt.Sprintf("%s.%d@%s.example", slug, n, strings.ToLower(strings.Fields(*company)[0]))
	url := fmt.Sprintf("https://www.linkedin.com/in/%s-%d", slug, n)
	return &model.ProspectInput{
		Email: &email, LinkedinURL: &url, FirstName: first, LastName: last, Company: company,
		Title: pick(titles), Location: pick(locations),
		CustomFields: map[string]any{
			"industry":   industries[rng.IntN(len(industries))],
			"employees":  10 * (1 + rng.IntN(500)),
			"first_line": fmt.Sprintf("Loved %s's latest launch", *company),
		},
	}
}

// demoSuppressions are a small suppression list to try (SPEC §11): a few
// people of the demo rosters by email and by LinkedIn URL, and domains
// (one a demo company's, one a subdomain's, one no demo prospect is at).
// The demo rosters keep them: addSuppressions with removeFromDraftRosters
// (or addProspects, which skips suppressed rows) shows what they block.
func demoSuppressions() []*model.SuppressionInput {
	rng := rand.New(rand.NewPCG(1, 2)) // the demo prospects' own sequence
	var out []*model.SuppressionInput
	reason := func(s string) *string { return &s }
	kind := func(k model.SuppressionKind) *model.SuppressionKind { return &k }
	for n := range 5 {
		p := demoProspect(rng, n)
		out = append(out,
			&model.SuppressionInput{Value: *p.Email, Reason: reason("unsubscribed")},
			&model.SuppressionInput{Value: *p.LinkedinURL, Reason: reason("asked not to be contacted")})
	}
	return append(out,
		&model.SuppressionInput{Value: "@hooli.example", Reason: reason("customer")},
		&model.SuppressionInput{Value: "cyberdyne.example", Kind: kind(model.SuppressionKindDomain), Reason: reason("competitor")},
		&model.SuppressionInput{Value: "eu.globex.example", Reason: reason("legal hold (a subdomain)")},
		&model.SuppressionInput{Value: "bounced.example", Reason: reason("bounces")},
	)
}
