package csvimport

import (
	"testing"

	"roster/model"
)

// TestProspectFieldsAreTheTable: every ProspectField of the schema names a
// row of the field table, and every row has its ProspectField, both ways.
func TestProspectFieldsAreTheTable(t *testing.T) {
	if len(model.AllProspectField) != len(model.ProspectTexts) {
		t.Errorf("%d ProspectFields, %d rows in model.ProspectTexts", len(model.AllProspectField), len(model.ProspectTexts))
	}
	for _, f := range model.AllProspectField {
		tf := TextField(f)
		if tf == nil {
			t.Errorf("ProspectField %s has no row in model.ProspectTexts", f)
			continue
		}
		if FieldOf(tf.Name) != f {
			t.Errorf("FieldOf(%s) = %s, want %s", tf.Name, FieldOf(tf.Name), f)
		}
	}
}
