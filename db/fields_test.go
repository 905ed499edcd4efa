package db_test

import (
	"context"
	"testing"

	"roster/db/dbtest"
	"roster/model"
)

// TestFieldTableColumns holds the field table's columns (model/fields.go)
// to the migrated prospects table: each text field has a nullable text
// column, and custom_fields is there.
func TestFieldTableColumns(t *testing.T) {
	t.Parallel()
	rows, err := dbtest.DB(t).QueryContext(context.Background(),
		`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'prospects'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	columns := map[string]string{}
	for rows.Next() {
		var name, typ, nullable string
		if err := rows.Scan(&name, &typ, &nullable); err != nil {
			t.Fatal(err)
		}
		columns[name] = typ + " " + nullable
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, f := range model.ProspectTexts {
		if got := columns[f.Column]; got != "text YES" {
			t.Errorf("field %s: column %s is %q, want a nullable text column (a migration adds it)", f.Name, f.Column, got)
		}
	}
	if got := columns["custom_fields"]; got != "jsonb NO" {
		t.Errorf("custom_fields is %q", got)
	}
}
