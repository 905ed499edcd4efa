package identity_test

import (
	"errors"
	"strings"
	"testing"

	"roster/identity"
)

// A case wants either a normalized value (valid input) or an error whose
// message contains wantErr; blank inputs want identity.ErrBlank.
type testCase struct {
	name    string
	in      string
	want    string // normalized form when valid
	wantErr string // substring of the error message when invalid
	blank   bool
}

var (
	local64 = strings.Repeat("a", 64)
	label63 = strings.Repeat("b", 63)
	// 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 characters.
	domain189 = label63 + "." + label63 + "." + strings.Repeat("c", 61)
)

var emailCases = []testCase{
	{name: "simple", in: "jane@example.com", want: "jane@example.com"},
	{name: "case folded", in: "Jane@Example.COM", want: "jane@example.com"},
	{name: "trimmed", in: " \t Jane@Example.com\n", want: "jane@example.com"},
	{name: "subdomain", in: "jane.doe+tag@mail.example.co.uk", want: "jane.doe+tag@mail.example.co.uk"},
	{name: "hyphen and digits in label", in: "j@my-host2.example.com", want: "j@my-host2.example.com"},
	{name: "non-ascii local part", in: "Jörg@example.de", want: "jörg@example.de"},
	{name: "local part of 64", in: local64 + "@example.com", want: local64 + "@example.com"},
	{name: "label of 63", in: "j@" + label63 + ".com", want: "j@" + label63 + ".com"},
	{name: "254 in all", in: local64 + "@" + domain189, want: local64 + "@" + domain189},

	{name: "empty", in: "", blank: true},
	{name: "whitespace only", in: " \t\n ", blank: true},
	{name: "missing @", in: "jane.example.com", wantErr: "is not a valid email address: missing @"},
	{name: "two @", in: "jane@doe@example.com", wantErr: "more than one @"},
	{name: "display name", in: "Jane <jane@example.com>", wantErr: "without a name"},
	{name: "angle brackets only", in: "<jane@example.com>", wantErr: "without a name"},
	{name: "space inside", in: "jane doe@example.com", wantErr: "whitespace"},
	{name: "tab inside", in: "jane@exam\tple.com", wantErr: "whitespace"},
	{name: "no-break space inside", in: "jane\u00a0doe@example.com", wantErr: "whitespace"},
	{name: "empty local part", in: "@example.com", wantErr: "missing the part before @"},
	{name: "local part of 65", in: local64 + "a@example.com", wantErr: "longer than 64"},
	{name: "255 in all", in: local64 + "@" + domain189 + "c", wantErr: "longer than 254"},
	{name: "quote in local part", in: `"jane"@example.com`, wantErr: "invalid character"},
	{name: "comma in local part", in: "jane,doe@example.com", wantErr: "invalid character"},
	{name: "parenthesis in local part", in: "jane(x)@example.com", wantErr: "invalid character"},
	{name: "backslash in local part", in: `jane\doe@example.com`, wantErr: "invalid character"},
	{name: "control char in local part", in: "jane\x00@example.com", wantErr: "invalid character"},
	{name: "zero-width space in local part", in: "jane\u200b@example.com", wantErr: "invalid character"},
	{name: "invalid utf-8", in: "jane\xff@example.com", wantErr: "invalid characters"},
	{name: "empty domain", in: "jane@", wantErr: "missing the domain"},
	{name: "single-label domain", in: "a@localhost", wantErr: "needs a dot"},
	{name: "label starting with hyphen", in: "jane@-example.com", wantErr: "hyphen"},
	{name: "label ending with hyphen", in: "jane@example-.com", wantErr: "hyphen"},
	{name: "tld ending with hyphen", in: "jane@example.com-", wantErr: "hyphen"},
	{name: "empty label", in: "jane@example..com", wantErr: "empty part"},
	{name: "trailing dot", in: "jane@example.com.", wantErr: "empty part"},
	{name: "label of 64", in: "j@" + label63 + "b.com", wantErr: "longer than 63"},
	{name: "underscore in domain", in: "jane@ex_ample.com", wantErr: "only contain"},
	{name: "non-ascii domain", in: "jane@exämple.com", wantErr: "only contain"},
	{name: "ip literal", in: "jane@[127.0.0.1]", wantErr: "only contain"},
	// A NUL anywhere makes an address invalid (SPEC §4: PostgreSQL cannot
	// store one; the other identity is then left out).
	{name: "NUL alone", in: "\x00", wantErr: "missing @"},
	{name: "NUL first", in: "\x00jane@example.com", wantErr: "invalid character"},
	{name: "NUL before @", in: "jane\x00@example.com", wantErr: "invalid character"},
	{name: "NUL after @", in: "jane@\x00example.com", wantErr: "only contain"},
	{name: "NUL in the domain", in: "jane@exam\x00ple.com", wantErr: "only contain"},
	{name: "NUL last", in: "jane@example.com\x00", wantErr: "only contain"},
	{name: "NUL among trimmed spaces", in: " \x00 jane@example.com", wantErr: "whitespace"},
}

var linkedInCases = []testCase{
	{name: "bare host", in: "linkedin.com/in/jane", want: "https://www.linkedin.com/in/jane"},
	{name: "www host", in: "www.linkedin.com/in/jane", want: "https://www.linkedin.com/in/jane"},
	{name: "canonical", in: "https://www.linkedin.com/in/jane-doe", want: "https://www.linkedin.com/in/jane-doe"},
	{name: "upper case scheme host and path", in: "HTTPS://WWW.LinkedIn.com/in/Jane/", want: "https://www.linkedin.com/in/jane"},
	{name: "jane-doe with country host, query and fragment", in: "http://uk.linkedin.com/in/Jane-Doe/?trk=x#frag", want: "https://www.linkedin.com/in/jane-doe"},
	{name: "jane-doe contract example", in: "http://uk.linkedin.com/in/Jane-Doe/?trk=x", want: "https://www.linkedin.com/in/jane-doe"},
	{name: "jane-doe bare", in: "linkedin.com/in/jane-doe", want: "https://www.linkedin.com/in/jane-doe"},
	{name: "trimmed", in: "  linkedin.com/in/jane \n", want: "https://www.linkedin.com/in/jane"},
	{name: "many trailing slashes", in: "linkedin.com/in/jane///", want: "https://www.linkedin.com/in/jane"},
	{name: "empty query", in: "linkedin.com/in/jane?", want: "https://www.linkedin.com/in/jane"},
	{name: "url in query", in: "linkedin.com/in/jane?next=https://evil.com", want: "https://www.linkedin.com/in/jane"},
	{name: "upper case prefix", in: "linkedin.com/IN/Jane", want: "https://www.linkedin.com/in/jane"},
	{name: "pub", in: "https://linkedin.com/pub/jane-doe/1/2/3", want: "https://www.linkedin.com/pub/jane-doe/1/2/3"},
	{name: "sales lead", in: "https://www.linkedin.com/sales/lead/ACwAA123,NAME_SEARCH", want: "https://www.linkedin.com/sales/lead/acwaa123,name_search"},
	{name: "sales people", in: "https://www.linkedin.com/sales/people/ACwAA123,NAME_SEARCH,abc", want: "https://www.linkedin.com/sales/people/acwaa123,name_search,abc"},
	{name: "talent profile", in: "https://www.linkedin.com/talent/profile/AEMAA123?project=1", want: "https://www.linkedin.com/talent/profile/aemaa123"},
	{name: "percent-encoding kept", in: "linkedin.com/in/J%C3%B6rg", want: "https://www.linkedin.com/in/j%c3%b6rg"},
	{name: "non-ascii slug", in: "linkedin.com/in/Jörg", want: "https://www.linkedin.com/in/jörg"},
	{name: "colon and trailing slashes in the slug", in: "linkedin.com/in/Jane://", want: "https://www.linkedin.com/in/jane:"},
	{name: "scheme-like text in the path", in: "https://linkedin.com/in/jane:/", want: "https://www.linkedin.com/in/jane:"},

	{name: "empty", in: "", blank: true},
	{name: "whitespace only", in: " \t\n ", blank: true},
	{name: "ftp scheme", in: "ftp://linkedin.com/in/jane", wantErr: "https://"},
	{name: "javascript scheme", in: "javascript:alert(1)", wantErr: "https://"},
	{name: "javascript scheme with slashes", in: "javascript://linkedin.com/in/jane", wantErr: "https://"},
	{name: "mailto", in: "mailto:jane@linkedin.com", wantErr: "https://"},
	{name: "empty scheme", in: "://linkedin.com/in/jane", wantErr: "https://"},
	{name: "scheme after a path", in: "evil.com/x://linkedin.com/in/jane", wantErr: "must be on linkedin.com"},
	{name: "scheme-like text making an empty segment", in: "linkedin.com/pub/a://b", wantErr: "not a profile"},
	{name: "other host", in: "https://notlinkedin.com/in/jane", wantErr: "must be on linkedin.com"},
	{name: "linkedin as subdomain of other host", in: "https://linkedin.com.evil.com/in/jane", wantErr: "must be on linkedin.com"},
	{name: "linkedin in path of other host", in: "evil.com/linkedin.com/in/x", wantErr: "must be on linkedin.com"},
	{name: "scheme-relative", in: "//linkedin.com/in/jane", wantErr: "must be on linkedin.com"},
	{name: "empty subdomain", in: "https://.linkedin.com/in/jane", wantErr: "empty part"},
	{name: "bad subdomain", in: "https://-x.linkedin.com/in/jane", wantErr: "hyphen"},
	{name: "userinfo", in: "https://user@linkedin.com/in/x", wantErr: "user name"},
	{name: "userinfo with password", in: "https://user:pw@linkedin.com/in/x", wantErr: "user name"},
	{name: "port", in: "https://linkedin.com:443/in/jane", wantErr: "port"},
	{name: "port without scheme", in: "linkedin.com:8080/in/jane", wantErr: "port"},
	{name: "empty port", in: "https://linkedin.com:/in/jane", wantErr: "port"},
	{name: "empty slug", in: "https://www.linkedin.com/in/", wantErr: "not a profile"},
	{name: "empty slug double slash", in: "https://www.linkedin.com/in//", wantErr: "not a profile"},
	{name: "empty segment in the middle", in: "https://www.linkedin.com/in//jane", wantErr: "not a profile"},
	{name: "dot-dot segment", in: "https://www.linkedin.com/pub/../feed", wantErr: "not a profile"},
	{name: "in subpage", in: "https://www.linkedin.com/in/jane/details/skills", wantErr: "not a profile"},
	{name: "company", in: "https://www.linkedin.com/company/acme", wantErr: "not a profile"},
	{name: "feed", in: "https://www.linkedin.com/feed/", wantErr: "not a profile"},
	{name: "sales without kind", in: "https://www.linkedin.com/sales/jane", wantErr: "not a profile"},
	{name: "sales lead without id", in: "https://www.linkedin.com/sales/lead/", wantErr: "not a profile"},
	{name: "root path", in: "https://www.linkedin.com/", wantErr: "not a profile"},
	{name: "no path", in: "linkedin.com", wantErr: "not a profile"},
	{name: "path only in query", in: "linkedin.com?/in/jane", wantErr: "not a profile"},
	{name: "space inside", in: "linkedin.com/in/jane doe", wantErr: "whitespace"},
	{name: "tab inside", in: "linkedin.com/in/\tjane", wantErr: "whitespace"},
	{name: "control char", in: "linkedin.com/in/jane\x00", wantErr: "invisible"},
	{name: "invalid utf-8", in: "linkedin.com/in/jane\xff", wantErr: "invalid characters"},
	// A NUL anywhere, even where the query and fragment are dropped.
	{name: "NUL alone", in: "\x00", wantErr: "invisible"},
	{name: "NUL first", in: "\x00linkedin.com/in/jane", wantErr: "invisible"},
	{name: "NUL in the host", in: "linked\x00in.com/in/jane", wantErr: "invisible"},
	{name: "NUL in the slug", in: "linkedin.com/in/ja\x00ne", wantErr: "invisible"},
	{name: "NUL in the query", in: "linkedin.com/in/jane?trk=\x00", wantErr: "invisible"},
	{name: "NUL in the fragment", in: "linkedin.com/in/jane#\x00", wantErr: "invisible"},
}

func run(t *testing.T, f func(string) (string, string, error), cases []testCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			trimmed, normalized, err := f(tc.in)
			if want := strings.TrimSpace(tc.in); trimmed != want {
				t.Errorf("trimmed = %q, want %q", trimmed, want)
			}
			switch {
			case tc.blank:
				if !errors.Is(err, identity.ErrBlank) {
					t.Errorf("err = %v, want ErrBlank", err)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if errors.Is(err, identity.ErrBlank) {
					t.Errorf("err = %v, must not be ErrBlank", err)
				}
			default:
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if normalized != tc.want {
					t.Errorf("normalized = %q, want %q", normalized, tc.want)
				}
			}
			if err != nil {
				if normalized != "" {
					t.Errorf("normalized = %q on error, want empty", normalized)
				}
				if msg := err.Error(); msg != strings.ToLower(msg) {
					t.Errorf("error %q is not lowercase", msg)
				}
			}
		})
	}
}

func TestEmail(t *testing.T)       { run(t, identity.Email, emailCases) }
func TestLinkedInURL(t *testing.T) { run(t, identity.LinkedInURL, linkedInCases) }

func TestEmailErrorMessage(t *testing.T) {
	_, _, err := identity.Email("jane.example.com")
	if got, want := err.Error(), "is not a valid email address: missing @"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
}

// The contract's own example: both spellings are the same person.
func TestLinkedInJaneDoeEquivalence(t *testing.T) {
	const want = "https://www.linkedin.com/in/jane-doe"
	for _, in := range []string{"http://uk.linkedin.com/in/Jane-Doe/?trk=x", "linkedin.com/in/jane-doe"} {
		if _, got, err := identity.LinkedInURL(in); err != nil || got != want {
			t.Errorf("LinkedInURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestIdempotence(t *testing.T) {
	for _, fc := range []struct {
		name  string
		f     func(string) (string, string, error)
		cases []testCase
	}{
		{"Email", identity.Email, emailCases},
		{"LinkedInURL", identity.LinkedInURL, linkedInCases},
	} {
		for _, tc := range fc.cases {
			if tc.blank || tc.wantErr != "" {
				continue
			}
			t.Run(fc.name+"/"+tc.name, func(t *testing.T) { checkIdempotent(t, fc.f, tc.in) })
		}
	}
}

// checkIdempotent checks that normalizing a valid input's normalized form
// succeeds and yields it unchanged; invalid inputs only must not panic.
func checkIdempotent(t *testing.T, f func(string) (string, string, error), in string) {
	t.Helper()
	_, n1, err := f(in)
	if err != nil {
		return
	}
	trimmed, n2, err := f(n1)
	if err != nil {
		t.Fatalf("normalized form %q of %q is invalid: %v", n1, in, err)
	}
	if n2 != n1 || trimmed != n1 {
		t.Fatalf("normalized form %q of %q normalizes to %q (trimmed %q)", n1, in, n2, trimmed)
	}
}

// asciiCase rewrites the ASCII letters of s: upper when upper is set, and
// every other letter only when alternate is set. Non-ASCII letters are left
// alone: Unicode case mappings do not round-trip (ſ upper-cases to S), so
// only ASCII case is an equivalence both functions promise.
func asciiCase(s string, upper, alternate bool) string {
	b := []byte(s)
	n := 0
	for i, c := range b {
		lower, isUpper := 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z'
		if !lower && !isUpper {
			continue
		}
		n++
		if alternate && n%2 == 0 {
			continue
		}
		switch {
		case upper && lower:
			b[i] = c - 'a' + 'A'
		case !upper && isUpper:
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

// requireSame checks that variant is valid and normalizes to want.
func requireSame(t *testing.T, f func(string) (string, string, error), in, variant, want string) {
	t.Helper()
	_, got, err := f(variant)
	if err != nil {
		t.Fatalf("%q is valid (%q) but its variant %q is not: %v", in, want, variant, err)
	}
	if got != want {
		t.Fatalf("%q normalizes to %q but its variant %q to %q", in, want, variant, got)
	}
}

// checkInvariants checks what holds for every input: no panic, the trimmed
// value is strings.TrimSpace of the input, an error comes with an empty
// normalized form (ErrBlank exactly when the trimmed input is empty), and a
// normalized form is lowercase and normalizes to itself. An input holding a
// NUL is invalid (SPEC §4).
func checkInvariants(t *testing.T, f func(string) (string, string, error), s string) (normalized string, ok bool) {
	t.Helper()
	trimmed, n, err := f(s)
	if err == nil && strings.ContainsRune(s, 0) {
		t.Fatalf("%q holds a NUL, yet it is valid", s)
	}
	if want := strings.TrimSpace(s); trimmed != want {
		t.Fatalf("trimmed %q, want %q", trimmed, want)
	}
	if errors.Is(err, identity.ErrBlank) != (trimmed == "") {
		t.Fatalf("%q: err %v; ErrBlank must mean exactly a blank input", s, err)
	}
	if err != nil {
		if n != "" {
			t.Fatalf("%q: normalized %q on error %v", s, n, err)
		}
		return "", false
	}
	if n != strings.ToLower(n) {
		t.Fatalf("normalized form %q of %q is not lowercase", n, s)
	}
	checkIdempotent(t, f, s)
	return n, true
}

// FuzzEmail: Email never panics, normalizing is idempotent, and the
// equivalences of SPEC §5 hold: surrounding whitespace and letter case do
// not make a different person.
func FuzzEmail(f *testing.F) {
	for _, tc := range emailCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := checkInvariants(t, identity.Email, s)
		if !ok {
			return
		}
		trimmed := strings.TrimSpace(s)
		for _, v := range []string{
			asciiCase(trimmed, true, false),
			asciiCase(trimmed, true, true),
			asciiCase(trimmed, false, true),
			" \t" + trimmed + "\r\n",
		} {
			requireSame(t, identity.Email, s, v, n)
		}
	})
}

// linkedInBase is the scheme and host every normalized profile URL has.
const linkedInBase = "https://www.linkedin.com"

// FuzzLinkedInURL: LinkedInURL never panics, normalizing is idempotent, a
// normalized form is https://www.linkedin.com and a lowercase path without
// query, fragment or trailing slash, and the equivalences of SPEC §5 hold:
// any scheme of http/https or none, linkedin.com or any subdomain, letter
// case, trailing slashes, query, fragment and surrounding whitespace all
// name the same profile.
func FuzzLinkedInURL(f *testing.F) {
	for _, tc := range linkedInCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := checkInvariants(t, identity.LinkedInURL, s)
		if !ok {
			return
		}
		path, found := strings.CutPrefix(n, linkedInBase+"/")
		if !found || path == "" || strings.HasSuffix(path, "/") || strings.ContainsAny(path, "?#") {
			t.Fatalf("normalized form %q of %q is not %s/<profile path>", n, s, linkedInBase)
		}
		path = "/" + path
		trimmed := strings.TrimSpace(s)
		variants := []string{
			asciiCase(trimmed, true, false),
			asciiCase(trimmed, false, true),
			trimmed + "?trk=x",
			trimmed + "#frag",
			"\t " + trimmed + " \n",
		}
		if !strings.ContainsAny(trimmed, "?#") {
			variants = append(variants, trimmed+"/", trimmed+"//?a=b#c")
		}
		for _, scheme := range []string{"", "http://", "https://", "HTTP://", "hTtPs://"} {
			for _, host := range []string{"linkedin.com", "www.linkedin.com", "uk.linkedin.com", "WWW.LinkedIn.COM", "a-b.de.linkedin.com"} {
				for _, p := range []string{path, asciiCase(path, true, false), path + "/", asciiCase(path, true, true) + "//?trk=x#f"} {
					variants = append(variants, scheme+host+p)
				}
			}
		}
		for _, v := range variants {
			requireSame(t, identity.LinkedInURL, s, v, n)
		}
	})
}
