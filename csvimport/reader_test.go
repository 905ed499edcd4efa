package csvimport

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"roster/model"
)

// readAll reads a fixture as the job does: its header, delimiter and rows.
func readAll(t *testing.T, r io.Reader) (*Reader, []Record) {
	t.Helper()
	rd, err := NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rd, recs
		}
		if err != nil {
			t.Fatal(err)
		}
		rec.Cells = append([]string(nil), rec.Cells...)
		recs = append(recs, rec)
	}
}

func TestEncodingsAndDelimiters(t *testing.T) {
	for _, tc := range []struct {
		file  string
		delim rune
	}{
		{"utf8.csv", ','}, {"utf8_bom.csv", ','}, {"utf16le.csv", '\t'}, {"utf16be.csv", ';'},
		{"semicolon.csv", ';'}, {"tab.csv", '\t'},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rd, recs := readAll(t, f)
			if rd.Delimiter != tc.delim {
				t.Errorf("delimiter %q, want %q", rd.Delimiter, tc.delim)
			}
			if want := "Email|First Name|Company|Favourite Colour"; strings.Join(rd.Header, "|") != want {
				t.Errorf("header %q, want %q", rd.Header, want)
			}
			if len(recs) != 3 {
				t.Fatalf("%d records, want 3: %+v", len(recs), recs)
			}
			for i, want := range []int{2, 4, 6} {
				if recs[i].Line != want {
					t.Errorf("record %d on line %d, want %d", i, recs[i].Line, want)
				}
			}
			if got := recs[1].Cells[1]; got != `Bob "B"` {
				t.Errorf("doubled quotes read as %q", got)
			}
			if got := recs[1].Cells[3]; got != "multi\nline" {
				t.Errorf("quoted line break read as %q, want multi\\nline", got)
			}
			if got := recs[0].Cells[2]; got != "Acme"+string(tc.delim)+" Inc" {
				t.Errorf("quoted delimiter read as %q", got)
			}
			cols, err := Map(rd.Header, nil, model.ChannelEmail)
			if err != nil {
				t.Fatal(err)
			}
			row := ToRow(cols, recs[0])
			if row.Input == nil || *row.Input.Email != "a@x.io" || *row.Input.FirstName != "Ann" || row.CustomFields()["favourite_colour"] != "blue" {
				t.Errorf("row %+v", row)
			}
			if row := ToRow(cols, recs[2]); len(row.CustomFields()) != 0 {
				t.Errorf("a blank cell left its key in: %v", row.CustomFields())
			}
		})
	}
}

func TestBadRows(t *testing.T) {
	f, err := os.Open("testdata/bad_rows.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, recs := readAll(t, f)
	cols, err := Map(rd.Header, nil, model.ChannelEmail)
	if err != nil {
		t.Fatal(err)
	}
	var bad []int
	for _, rec := range recs {
		if row := ToRow(cols, rec); row.Input == nil {
			bad = append(bad, row.Line)
		}
	}
	// line 5 has three cells; line 6 a quote inside an unquoted field.
	if len(recs) != 7 || len(bad) != 2 || bad[0] != 5 || bad[1] != 6 {
		t.Errorf("%d records, bad lines %v; want 7 and [5 6]", len(recs), bad)
	}
	n, err := Count(strings.NewReader("email\na@x.io\n\n\nb@x.io\n,\n"))
	if err != nil || n != 2 {
		t.Errorf("Count = %d, %v; want 2 (blank lines skipped)", n, err)
	}
}

func TestEmptyFile(t *testing.T) {
	for _, s := range []string{"", "\n\n", "\xef\xbb\xbf"} {
		if _, err := NewReader(strings.NewReader(s)); !errors.Is(err, ErrNoHeader) {
			t.Errorf("%q: %v, want ErrNoHeader", s, err)
		}
	}
}

func TestMap(t *testing.T) {
	str := func(s string) *string { return &s }
	fld := func(f model.ProspectField) *model.ProspectField { return &f }
	yes := true
	for _, tc := range []struct {
		name      string
		header    []string
		overrides []*model.ColumnMappingInput
		ch        model.Channel
		want      string // column:fate, joined by |
		errs      int
	}{
		{name: "aliases", header: []string{"E-Mail", "work_email", "Given Name", "SURNAME", "Organization", "Job Title", "Mobile", "City", "Country", "LinkedIn Profile", "Lead Score!!", ""},
			ch:   model.ChannelEmail,
			want: "E-Mail:EMAIL|work_email:c=work_email|Given Name:FIRST_NAME|SURNAME:LAST_NAME|Organization:COMPANY|Job Title:TITLE|Mobile:PHONE|City:LOCATION|Country:c=country|LinkedIn Profile:LINKEDIN_URL|Lead Score!!:c=lead_score_|:ignored"},
		{name: "explicit beats automatic", header: []string{"email", "Work Email", "notes"},
			overrides: []*model.ColumnMappingInput{{Column: "Work Email", Field: fld(model.ProspectFieldEmail)}, {Column: "notes", Ignore: &yes}},
			ch:        model.ChannelEmail, want: "email:c=email|Work Email:EMAIL|notes:ignored"},
		{name: "custom override", header: []string{"profile url", "x"},
			overrides: []*model.ColumnMappingInput{{Column: "x", CustomField: str("segment")}},
			ch:        model.ChannelLinkedin, want: "profile url:LINKEDIN_URL|x:c=segment"},
		{name: "same key twice", header: []string{"email", "a b", "a-b", "a_b"}, ch: model.ChannelEmail,
			want: "email:EMAIL|a b:c=a_b|a-b:c=a-b|a_b:c=a_b_2"},
		{name: "no identity", header: []string{"name"}, ch: model.ChannelEmail, want: "name:c=name", errs: 1},
		{name: "unknown column", header: []string{"email"}, overrides: []*model.ColumnMappingInput{{Column: "nope", Ignore: &yes}}, ch: model.ChannelEmail, errs: 1},
		{name: "two to one field", header: []string{"a", "b"}, overrides: []*model.ColumnMappingInput{{Column: "a", Field: fld(model.ProspectFieldEmail)}, {Column: "b", Field: fld(model.ProspectFieldEmail)}}, ch: model.ChannelEmail, errs: 1},
		{name: "two fates", header: []string{"email"}, overrides: []*model.ColumnMappingInput{{Column: "email", Field: fld(model.ProspectFieldEmail), Ignore: &yes}}, ch: model.ChannelEmail, errs: 1},
		{name: "a NUL in the header", header: []string{"email", "a\x00b"}, ch: model.ChannelEmail, errs: 1},
		{name: "not UTF-8", header: []string{"email", "a\xffb"}, ch: model.ChannelEmail, errs: 1},
		{name: "bad key", header: []string{"email", "x"}, overrides: []*model.ColumnMappingInput{{Column: "x", CustomField: str("a b")}}, ch: model.ChannelEmail, errs: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cols, err := Map(tc.header, tc.overrides, tc.ch)
			var ue model.UserErrors
			errors.As(err, &ue)
			if len(ue) != tc.errs || (err != nil) != (tc.errs > 0) {
				t.Fatalf("errors %v, want %d", err, tc.errs)
			}
			if tc.want == "" {
				return
			}
			var got []string
			for _, c := range cols {
				fate := "ignored"
				switch {
				case c.Field != nil:
					fate = string(*c.Field)
				case c.CustomField != nil:
					fate = "c=" + *c.CustomField
				}
				got = append(got, c.Column+":"+fate)
			}
			if g := strings.Join(got, "|"); g != tc.want {
				t.Errorf("mapping\n got %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestDetectDelimiter(t *testing.T) {
	for in, want := range map[string]rune{
		"a,b;c,d\n": ',', "a;b;c\n1,2,3,4,5\n": ';', "\"a,b,c\";d;e\n": ';', "a\tb\n": '\t', "email\n": ',', "\n\na;b\n": ';',
	} {
		if got := DetectDelimiter([]byte(in)); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestCompactObject holds the custom fields' JSON to encoding/json's.
func TestCompactObject(t *testing.T) {
	for _, kvs := range [][]keyValue{
		nil,
		{{"b", "2"}, {"a", "1"}},
		{{"q", "say \"hi\"\\ \n\r\t\x01 é <&>"}},
	} {
		o := compactObject(kvs)
		want := map[string]any{}
		for _, kv := range kvs {
			want[kv.key] = kv.value
		}
		var got map[string]any
		if err := json.Unmarshal(o.JSON, &got); err != nil || !reflect.DeepEqual(got, want) && len(kvs) > 0 {
			t.Errorf("%s: %v, want %v (%v)", o.JSON, got, want, err)
		}
		if !slices.IsSorted(o.Keys) || len(o.Keys) != len(kvs) {
			t.Errorf("keys %v", o.Keys)
		}
	}
}
