package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"roster/csvimport"
	"roster/db/dbtest"
	"roster/model"
	"roster/roster"
)

// TestSeedDemoCSV: seed --demo writes a CSV file that an import of the
// demo EMAIL campaign maps by itself, with a few bad rows among good ones.
func TestSeedDemoCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.csv")
	cfg := config{DatabaseURL: dbtest.URL(), DataDir: t.TempDir()}
	if err := runCommand(t, cfg, "seed", "--demo", "--sub", "seedcsv-"+uuid.NewString(), "--csv", path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := csvimport.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := csvimport.Map(rd.Header, nil, model.ChannelEmail)
	if err != nil {
		t.Fatalf("the sample does not map by itself: %v", err)
	}
	var inputs []*model.ProspectInput
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if row := csvimport.ToRow(cols, rec); row.Input != nil {
			inputs = append(inputs, row.Input)
		}
	}
	bad := 0
	for _, c := range roster.CheckRows(model.ChannelEmail, inputs) {
		if !c.Valid {
			bad++
		}
	}
	if len(inputs) != demoCSVRows || bad == 0 || bad > 20 {
		t.Errorf("%d rows, %d bad; want %d rows, a few bad", len(inputs), bad, demoCSVRows)
	}
}
