// Package csvimport reads the CSV files of import jobs (SPEC §13): the
// encoding (UTF-8 with or without a BOM, UTF-16 with a BOM), the delimiter,
// RFC 4180 records with the line each starts on, the header's mapping to a
// prospect's fields, and a record as an addProspects row. It is pure: no
// SQL, no GraphQL; the job engine (importjob) and the preview feed it a
// stream.
package csvimport

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Delimiters are the ones detected, in the order a tie is broken.
var Delimiters = []rune{',', ';', '\t'}

// headerPeek bounds how much of the file the delimiter's detection looks
// at: the header line, or its first 64 KiB.
const headerPeek = 64 << 10

// ErrNoHeader is a file without a header line (empty, or only blank lines).
var ErrNoHeader = errors.New("the file is empty: its first line must be a header")

// Reader reads a CSV file's records, after its header, each with the
// physical line it starts on.
type Reader struct {
	csv       *csv.Reader
	Delimiter rune
	// Header holds the header's cells, trimmed.
	Header []string
}

// Record is one data record of the file.
type Record struct {
	// Line is the physical line where the record starts (the header is
	// line 1; blank lines and lines inside quoted fields count).
	Line  int
	Cells []string
	// Err is why the record could not be read (a quote out of place); its
	// Cells are then empty.
	Err error
}

// NewReader decodes r (a BOM says UTF-8 or UTF-16; without one, UTF-8 is
// read as is, invalid bytes left for the row rules to report), detects the
// delimiter from the header line, and reads the header.
func NewReader(r io.Reader) (*Reader, error) {
	// BOMOverride strips a UTF-8 BOM and decodes UTF-16 by its BOM; the
	// fallback, Nop, leaves a file without BOM byte for byte.
	decoded := transform.NewReader(r, unicode.BOMOverride(transform.Nop))
	br := bufio.NewReaderSize(decoded, headerPeek)
	head, err := br.Peek(headerPeek)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read the header: %w", err)
	}
	d := DetectDelimiter(head)
	c := csv.NewReader(br)
	c.Comma = d
	c.FieldsPerRecord = -1 // a row's cell count is checked against the header by the caller
	c.LazyQuotes = false
	c.ReuseRecord = true
	out := &Reader{csv: c, Delimiter: d}
	header, err := c.Read()
	if errors.Is(err, io.EOF) {
		return nil, ErrNoHeader
	}
	if err != nil {
		return nil, fmt.Errorf("the header line cannot be read: %w", err)
	}
	out.Header = make([]string, len(header))
	for i, h := range header {
		out.Header[i] = strings.TrimSpace(h)
	}
	if len(out.Header) == 1 && out.Header[0] == "" {
		return nil, ErrNoHeader
	}
	return out, nil
}

// Next reads the next data record; io.EOF at the end. A record that breaks
// RFC 4180 comes back with Err set, and reading goes on after it.
func (r *Reader) Next() (Record, error) {
	for {
		cells, err := r.csv.Read()
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			return Record{Line: perr.StartLine, Err: perr.Err}, nil
		}
		if err != nil {
			return Record{}, err
		}
		if blank(cells) {
			continue // a spreadsheet's empty row (",,,"): a blank line
		}
		line, _ := r.csv.FieldPos(0)
		return Record{Line: line, Cells: cells}, nil
	}
}

// blank says whether every cell is empty or spaces.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// DetectDelimiter picks, among Delimiters, the one found most often in
// head's first line outside quotes (a comma when none is).
func DetectDelimiter(head []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, b := range head {
		if b == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if b == '\n' || b == '\r' {
			if len(counts) > 0 {
				break
			}
			continue // blank lines before the header
		}
		for _, d := range Delimiters {
			if rune(b) == d {
				counts[d]++
			}
		}
	}
	best := Delimiters[0]
	for _, d := range Delimiters {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

// DelimiterName is how the API shows a delimiter: ",", ";" or a tab.
func DelimiterName(d rune) string { return string(d) }

// Count counts the data records of a file, as the job reads them (records
// that break RFC 4180 included: each is a row, reported invalid).
func Count(r io.Reader) (int, error) {
	rd, err := NewReader(r)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		if _, err := rd.Next(); errors.Is(err, io.EOF) {
			return n, nil
		} else if err != nil {
			return n, err
		}
		n++
	}
}
