package identity_test

import (
	"strings"
	"testing"

	"roster/identity"
)

// 63 + 1 + 63 + 1 + 63 + 1 + 60 = 252 characters: the longest domain an
// address of 254 can have.
var domain252 = label63 + "." + label63 + "." + label63 + "." + strings.Repeat("d", 60)

var domainCases = []testCase{
	{name: "simple", in: "acme.com", want: "acme.com"},
	{name: "case folded", in: "Acme.COM", want: "acme.com"},
	{name: "trimmed", in: " \tacme.com\n", want: "acme.com"},
	{name: "leading @ dropped", in: "@acme.com", want: "acme.com"},
	{name: "leading @ after trimming", in: "  @Eu.Acme.com ", want: "eu.acme.com"},
	{name: "subdomain", in: "mail.eu.acme.co.uk", want: "mail.eu.acme.co.uk"},
	{name: "hyphen and digits", in: "my-host2.example.com", want: "my-host2.example.com"},
	{name: "label of 63", in: label63 + ".com", want: label63 + ".com"},
	{name: "252 in all", in: domain252, want: domain252},

	{name: "empty", in: "", blank: true},
	{name: "whitespace only", in: " \t\n ", blank: true},
	{name: "@ alone", in: "@", wantErr: "is not a valid domain: missing the domain"},
	{name: "two leading @", in: "@@acme.com", wantErr: "only contain"},
	{name: "an address", in: "jane@acme.com", wantErr: "only contain"},
	{name: "single label", in: "localhost", wantErr: "needs a dot"},
	{name: "single label after @", in: "@com", wantErr: "needs a dot"},
	{name: "253 in all", in: domain252 + "d", wantErr: "longer than 252"},
	{name: "label of 64", in: label63 + "b.com", wantErr: "longer than 63"},
	{name: "label starting with hyphen", in: "-acme.com", wantErr: "hyphen"},
	{name: "label ending with hyphen", in: "acme-.com", wantErr: "hyphen"},
	{name: "empty label", in: "acme..com", wantErr: "empty part"},
	{name: "leading dot", in: ".acme.com", wantErr: "empty part"},
	{name: "trailing dot", in: "acme.com.", wantErr: "empty part"},
	{name: "underscore", in: "ac_me.com", wantErr: "only contain"},
	{name: "non-ascii", in: "exämple.com", wantErr: "only contain"},
	{name: "space inside", in: "acme .com", wantErr: "only contain"},
	{name: "a url", in: "https://acme.com", wantErr: "only contain"},
	{name: "a path", in: "acme.com/x", wantErr: "only contain"},
	{name: "invalid utf-8", in: "acme\xff.com", wantErr: "only contain"},
	{name: "NUL", in: "acme\x00.com", wantErr: "only contain"},
	{name: "NUL alone", in: "\x00", wantErr: "needs a dot"},
}

func TestDomain(t *testing.T) { run(t, identity.Domain, domainCases) }

func TestDomainIdempotence(t *testing.T) {
	for _, tc := range domainCases {
		if tc.blank || tc.wantErr != "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) { checkIdempotent(t, identity.Domain, tc.in) })
	}
}

func TestEmailDomain(t *testing.T) {
	for in, want := range map[string]string{
		"jane@eu.acme.com":                 "eu.acme.com",
		"jane@acme.com":                    "acme.com",
		"https://www.linkedin.com/in/jane": "",
		"":                                 "",
	} {
		if got := identity.EmailDomain(in); got != want {
			t.Errorf("EmailDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOnLinkedIn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"https://www.linkedin.com/in/jane", true},
		{"linkedin.com/in/jane", true},
		{"HTTP://UK.LinkedIn.com/in/Jane/?trk=x", true},
		{" linkedin.com/company/acme ", true}, // a URL on linkedin.com, not a profile: LINKEDIN, then invalid
		{"linkedin.com", false},               // no scheme, no path: a domain
		{"@linkedin.com", false},
		{"jane@linkedin.com", false},
		{"https://notlinkedin.com/in/jane", false},
		{"https://linkedin.com.evil.example/in/jane", false},
		{"acme.com", false},
		{"", false},
	} {
		if got := identity.OnLinkedIn(tc.in); got != tc.want {
			t.Errorf("OnLinkedIn(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// FuzzDomain: Domain never panics, normalizing is idempotent, letter case,
// surrounding whitespace and one leading @ name the same domain, and a
// domain is valid exactly when it is valid as the domain part of an email
// address (Email's rules, SPEC §11), where it is that address's normalized
// domain.
func FuzzDomain(f *testing.F) {
	for _, tc := range domainCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := checkInvariants(t, identity.Domain, s)
		trimmed := strings.TrimSpace(s)
		d := strings.TrimPrefix(trimmed, "@")
		if d != "" && !strings.ContainsAny(d, "@") {
			_, addr, err := identity.Email("x@" + d)
			if (err == nil) != ok {
				t.Fatalf("Domain(%q) valid = %v, but Email(%q) err = %v", s, ok, "x@"+d, err)
			}
			if ok && identity.EmailDomain(addr) != n {
				t.Fatalf("Domain(%q) = %q, but the address's domain is %q", s, n, identity.EmailDomain(addr))
			}
		}
		if !ok {
			return
		}
		for _, v := range []string{
			asciiCase(trimmed, true, false),
			asciiCase(trimmed, false, true),
			"@" + d,
			" \t" + trimmed + "\r\n",
		} {
			requireSame(t, identity.Domain, s, v, n)
		}
	})
}
