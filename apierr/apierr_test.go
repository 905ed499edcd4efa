package apierr_test

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/errcode"

	"roster/apierr"
)

// TestTableMatchesREADME holds the table to the README's "Error model",
// which restates SPEC §4 for the service's users: the same top-level codes,
// and for each refusal the same HTTP status. A code added to one and not
// the other fails here. (The section's first bullet lists the userErrors'
// codes, a schema enum, and is left out.)
func TestTableMatchesREADME(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Error model\n")
	if !ok {
		t.Fatal(`README.md has no "## Error model" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var bullets []string
	for _, b := range strings.Split(section, "\n- ") {
		if !strings.HasPrefix(b, "**userErrors**") {
			bullets = append(bullets, b)
		}
	}
	text := strings.Join(bullets, "\n")

	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Z][A-Z_]+[A-Z])`").FindAllStringSubmatch(text, -1) {
		documented[m[1]] = true
	}
	if got, want := apierr.Codes(), slices.Sorted(maps.Keys(documented)); !slices.Equal(got, want) {
		t.Errorf("the table's codes\n  %v\nthe README's top-level codes\n  %v", got, want)
	}

	// "`RATE_LIMITED` (429, …", "`UNAUTHENTICATED` (HTTP 401, …"
	stated := map[string]int{}
	for _, m := range regexp.MustCompile("`([A-Z_]+)` \\((?:HTTP )?([1-5][0-9][0-9])\\b").FindAllStringSubmatch(text, -1) {
		stated[m[1]], _ = strconv.Atoi(m[2])
	}
	for _, code := range apierr.Codes() {
		if got, want := apierr.Status(code), stated[code]; got != want {
			t.Errorf("%s: status %d in the table, %d in the README (0: none)", code, got, want)
		}
	}
}

// TestTableNamesGqlgensCodes: the codes gqlgen sets itself are spelt as it
// spells them.
func TestTableNamesGqlgensCodes(t *testing.T) {
	if apierr.ParseFailed != errcode.ParseFailed || apierr.ValidationFailed != errcode.ValidationFailed {
		t.Fatal("the parse and validation codes differ from gqlgen's errcode")
	}
}

// TestRefusalsAreNotRequestErrors: a code decides its status or leaves it
// to the media type, never both.
func TestRefusalsAreNotRequestErrors(t *testing.T) {
	for _, code := range apierr.Codes() {
		if apierr.Status(code) != 0 && apierr.IsRequestError(code) {
			t.Errorf("%s has a status of its own and is a request error", code)
		}
	}
	if apierr.Status("NOT_A_CODE") != 0 || apierr.IsRequestError("NOT_A_CODE") {
		t.Error("an unknown code has a status")
	}
}
