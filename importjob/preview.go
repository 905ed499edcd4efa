package importjob

import (
	"errors"
	"io"
	"strings"

	"roster/csvimport"
	"roster/model"
	"roster/roster"
)

// Preview rows: default 20, clamped to 1..100 (SPEC §13).
const (
	DefaultPreviewRows = 20
	MaxPreviewRows     = 100
)

// Preview reads a file as a job into c would (SPEC §13): the mapping, the
// delimiter, the row count, and the first n rows as they would be added,
// each with its problems. A file without the required identity's column
// gives the mapping and that userError; the caller writes nothing.
func Preview(c *model.Campaign, file io.Reader, overrides []*model.ColumnMappingInput, n *int) (*model.PreviewProspectImportPayload, error) {
	want := DefaultPreviewRows
	if n != nil {
		want = min(max(*n, 1), MaxPreviewRows)
	}
	out := &model.PreviewProspectImportPayload{Mapping: []*model.ColumnMapping{}, Rows: []*model.ImportPreviewRow{}, UserErrors: []*model.UserError{}}
	rd, err := csvimport.NewReader(file)
	if err != nil {
		msg := "the file cannot be read as CSV: " + err.Error()
		if errors.Is(err, csvimport.ErrNoHeader) {
			msg = err.Error()
		}
		out.UserErrors = append(out.UserErrors, model.NewUserError(model.UserErrorCodeBadUserInput, []string{"file"}, "%s", msg))
		return out, nil
	}
	out.Delimiter = csvimport.DelimiterName(rd.Delimiter)
	cols, err := csvimport.Map(rd.Header, overrides, c.Channel)
	if cols != nil {
		out.Mapping = cols
	}
	var ue model.UserErrors
	if errors.As(err, &ue) {
		out.UserErrors = append(out.UserErrors, ue...)
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	var rows []csvimport.Row
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if out.TotalRows++; len(rows) < want {
			rows = append(rows, csvimport.ToRow(cols, rec))
		}
	}
	for i, check := range csvimport.Check(c.Channel, rows) {
		out.Rows = append(out.Rows, previewRow(cols, rows[i], check))
	}
	return out, nil
}

// previewRow is a row as it would be added: the prospect the rules made,
// or, for a bad row, its cells trimmed, with each problem.
func previewRow(cols []*model.ColumnMapping, r csvimport.Row, check roster.RowCheck) *model.ImportPreviewRow {
	row := &model.ImportPreviewRow{Line: r.Line, CustomFields: map[string]any{}, Problems: []*model.ImportRowError{}}
	for i := range model.ProspectTexts {
		f := &model.ProspectTexts[i]
		switch {
		case check.Prospect != nil:
			*f.PreviewOf(row) = *f.Of(check.Prospect)
		case r.Input != nil:
			*f.PreviewOf(row) = trimmed(*f.InputOf(r.Input))
		}
	}
	row.CustomFields = r.CustomFields()
	for _, p := range r.Problems {
		e := &model.ImportRowError{Line: r.Line, Message: csvimport.ProblemText(p.Column, p.Message)}
		if p.Column != "" {
			c := p.Column
			e.Column = &c
		}
		row.Problems = append(row.Problems, e)
	}
	for _, p := range check.Problems {
		c := csvimport.ColumnOf(cols, p.Field)
		e := &model.ImportRowError{Line: r.Line, Message: csvimport.ProblemText(c, p.Message)}
		if c != "" {
			e.Column = &c
		}
		row.Problems = append(row.Problems, e)
	}
	return row
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil
	}
	return &t
}
