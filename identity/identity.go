// Package identity normalizes and validates the identities of outreach
// prospects: their email address and their LinkedIn profile URL.
//
// Both functions return the trimmed input, which is what should be stored
// (so a person sees back what they typed), and a normalized form, which is
// what should be compared to find duplicates. Neither function panics, and
// normalizing is idempotent: feeding a normalized value back in yields the
// same normalized value.
package identity

import (
	"errors"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrBlank is returned as is by Email and LinkedInURL when the input is empty
// after trimming, so callers can tell "missing" from "malformed".
var ErrBlank = errors.New("is blank")

// Limits from RFC 5321 as adopted by the contract; lengths are counted in
// characters (runes), not bytes, so that non-ASCII local parts are measured
// the way a person would count them.
const (
	maxEmailLen = 254
	maxLocalLen = 64
	maxLabelLen = 63
)

func emailError(reason string) error {
	return errors.New("is not a valid email address: " + reason)
}

// Email trims s and validates it. It returns the trimmed value (to store), the
// normalized value (to compare), and a non-nil error when invalid. The error's
// message is a short lowercase English reason fit to show a person, e.g.
// "is not a valid email address: missing @" (callers prefix it with the field name).
//
// Trimming uses strings.TrimSpace. A valid address is a bare addr-spec: one @,
// a local part of 1 to 64 characters and a domain of at least two
// dot-separated labels, 254 characters in all at most. Deliberately simpler
// than RFC 5322: quoted local parts, comments and display names
// ("Jane <jane@example.com>") are rejected, so the local part may not contain
// whitespace, control or other invisible characters, nor any of <>",();:[]\.
// Anything else is allowed in the local part, including non-ASCII letters and
// dots in any position, because rejecting a real address costs more than
// accepting an odd one. Domain labels are 1 to 63 ASCII letters, digits and
// hyphens, not starting or ending with a hyphen; internationalized domains
// must be given in their xn-- form. On error trimmed is still returned and
// normalized is empty.
//
// The normalized form is the whole address lowercased. Lowercasing the local
// part is not strictly RFC-correct, but no mainstream provider treats it as
// case-sensitive and people do not mean two different persons by Jane@ and
// jane@.
func Email(s string) (trimmed, normalized string, err error) {
	trimmed = strings.TrimSpace(s)
	if trimmed == "" {
		return trimmed, "", ErrBlank
	}
	if err := checkEmail(trimmed); err != nil {
		return trimmed, "", err
	}
	return trimmed, strings.ToLower(trimmed), nil
}

func checkEmail(s string) error {
	if plainEmail(s) {
		return nil
	}
	return checkEmailRules(s)
}

// plainEmail says, in one pass over the bytes, whether s is an address of
// the common kind that checkEmailRules accepts: ASCII, one @, a local part
// of 1 to 64 printable characters other than the specials, and a domain of
// two or more labels of letters, digits and inner hyphens. It never says
// yes where checkEmailRules says no (FuzzPlainEmail); no is left to
// checkEmailRules, which says why. On a 1000-row batch it saves about a
// millisecond of the checks' many passes.
func plainEmail(s string) bool {
	if len(s) > maxEmailLen {
		return false
	}
	at := strings.IndexByte(s, '@')
	if at < 1 || at > maxLocalLen {
		return false
	}
	for i := 0; i < at; i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`<>",();:[]\`, c) >= 0 {
			return false
		}
	}
	labels, start := 0, at+1
	for i := start; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false // a second @ too
			}
			continue
		}
		if n := i - start; n == 0 || n > maxLabelLen || s[start] == '-' || s[i-1] == '-' {
			return false
		}
		labels, start = labels+1, i+1
	}
	return labels >= 2
}

// checkEmailRules is the whole of Email's rules, with a reason for the
// first one s breaks.
func checkEmailRules(s string) error {
	if !utf8.ValidString(s) {
		return emailError("contains invalid characters")
	}
	if utf8.RuneCountInString(s) > maxEmailLen {
		return emailError("is longer than 254 characters")
	}
	if strings.ContainsAny(s, "<>") {
		return emailError("must be a bare address without a name")
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return emailError("contains whitespace")
	}
	switch strings.Count(s, "@") {
	case 0:
		return emailError("missing @")
	case 1:
	default:
		return emailError("more than one @")
	}
	local, domain, _ := strings.Cut(s, "@")
	switch n := utf8.RuneCountInString(local); {
	case n == 0:
		return emailError("missing the part before @")
	case n > maxLocalLen:
		return emailError("the part before @ is longer than 64 characters")
	}
	if strings.IndexFunc(local, badLocalRune) >= 0 {
		return emailError("the part before @ contains an invalid character")
	}
	if domain == "" {
		return emailError("missing the domain after @")
	}
	return domainError(domain, emailError)
}

// badLocalRune reports runes that are not allowed in the local part: invisible
// ones (controls, format characters such as zero-width spaces) and the
// specials that only make sense in quoted or display-name forms.
func badLocalRune(r rune) bool {
	return !unicode.IsGraphic(r) || unicode.IsSpace(r) || strings.ContainsRune(`<>",();:[]\`, r)
}

// domainError checks that domain is at least two dot-separated DNS labels and
// reports the problem through wrap, so that email and URL errors keep their
// own prefixes.
func domainError(domain string, wrap func(string) error) error {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return wrap("the domain needs a dot, as in example.com")
	}
	for _, l := range labels {
		if reason := labelError(l); reason != "" {
			return wrap(reason)
		}
	}
	return nil
}

func labelError(l string) string {
	switch {
	case l == "":
		return "the domain has an empty part"
	case len(l) > maxLabelLen:
		return "a part of the domain is longer than 63 characters"
	case l[0] == '-' || l[len(l)-1] == '-':
		return "a part of the domain starts or ends with a hyphen"
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return "the domain may only contain letters, digits, hyphens and dots"
		}
	}
	return ""
}

func domainErr(reason string) error {
	return errors.New("is not a valid domain: " + reason)
}

// maxDomainLen is the longest domain an address can have: 254 characters
// in all, less the shortest local part and its @.
const maxDomainLen = maxEmailLen - len("a@")

// Domain trims s and validates it as a domain of the suppression list (SPEC
// §11): the domain part of an email address, by Email's own rules (two or
// more labels of 1 to 63 letters, digits and inner hyphens), with one
// leading @ allowed, so that "@acme.com", as a person copies it from an
// address, means acme.com. It returns the trimmed value (to store), the
// normalized value (lowercased, without the @: to compare), and a non-nil
// error when invalid; on error trimmed is still returned and normalized is
// empty.
//
// A valid domain d is exactly one for which "x@" + d is a valid address
// (FuzzDomain), so a DOMAIN entry can block every address it names and
// never one Email would refuse.
func Domain(s string) (trimmed, normalized string, err error) {
	trimmed = strings.TrimSpace(s)
	if trimmed == "" {
		return trimmed, "", ErrBlank
	}
	d := strings.TrimPrefix(trimmed, "@")
	switch {
	case d == "":
		return trimmed, "", domainErr("missing the domain after @")
	case len(d) > maxDomainLen:
		// Bytes, not characters: a longer one holds a byte outside the
		// allowed ASCII anyway.
		return trimmed, "", domainErr("is longer than 252 characters")
	}
	if err := domainError(d, domainErr); err != nil {
		return trimmed, "", err
	}
	return trimmed, strings.ToLower(d), nil
}

// EmailDomain is the domain of a normalized address (the part after its
// @), which DOMAIN entries match; "" when there is none.
func EmailDomain(normalized string) string {
	_, d, ok := strings.Cut(normalized, "@")
	if !ok {
		return ""
	}
	return d
}

// OnLinkedIn says whether s, read as a URL (https:// assumed when it has
// no scheme), names linkedin.com or one of its subdomains as its host, in
// any letter case, whether or not it is a valid profile URL: the
// suppression list's kind inference (SPEC §11) takes such a value for a
// LinkedIn URL, which LinkedInURL then validates. A value with no scheme
// and no path ("linkedin.com") is a domain, not a URL.
func OnLinkedIn(s string) bool {
	u := strings.TrimSpace(s)
	scheme, rest, ok := strings.Cut(u, "://")
	if ok && !strings.Contains(scheme, "/") {
		u = rest
	} else if !strings.Contains(u, "/") {
		return false
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	return linkedInHost(strings.ToLower(u))
}

// linkedInHost says whether a lowercased host is linkedin.com or one of
// its subdomains.
func linkedInHost(h string) bool {
	return h == "linkedin.com" || strings.HasSuffix(h, ".linkedin.com")
}

func linkedInError(reason string) error {
	return errors.New("is not a valid linkedin profile url: " + reason)
}

// linkedInBase is the canonical scheme and host of normalized profile URLs.
const linkedInBase = "https://www.linkedin.com"

// profilePrefixes are the first path segments of LinkedIn profile URLs, with
// the number of segments that must follow: public profiles are exactly
// /in/<slug> (anything deeper, such as /in/jane/details/skills, is a subpage,
// not the profile), while the older and the Sales Navigator / Recruiter forms
// carry ids in one or more segments. -1 means "one or more".
var profilePrefixes = []struct {
	prefix   []string
	segments int
}{
	{[]string{"in"}, 1},
	{[]string{"pub"}, -1},
	{[]string{"sales", "lead"}, -1},
	{[]string{"sales", "people"}, -1},
	{[]string{"talent", "profile"}, -1},
}

// LinkedInURL does the same for a LinkedIn profile URL.
//
// Trimming uses strings.TrimSpace, and https:// is assumed when no scheme is
// given. A valid URL has the scheme http or https and the host linkedin.com
// or one of its subdomains (both in any letter case), no user name, no port
// (not even :443), no whitespace or invisible characters anywhere, and a
// profile path: /in/<slug>, /pub/<…>, /sales/lead/<…>, /sales/people/<…> or
// /talent/profile/<…>, the prefix also matched in any letter case. The
// segment after the prefix (the slug) must be non-empty; trailing slashes are
// ignored, but empty, "." and ".." segments inside the path are rejected.
// Query and fragment are ignored. On error trimmed is still returned and
// normalized is empty.
//
// The normalized form is https://www.linkedin.com followed by the path,
// lowercased and without trailing slashes. The path is otherwise kept as
// given: percent-encoding is not decoded, so /in/j%C3%B6rg and /in/jörg
// compare as different people. LinkedIn redirects country subdomains and
// http to https://www.linkedin.com and treats slugs case-insensitively, which
// is why those differences are erased.
func LinkedInURL(s string) (trimmed, normalized string, err error) {
	trimmed = strings.TrimSpace(s)
	if trimmed == "" {
		return trimmed, "", ErrBlank
	}
	path, err := linkedInPath(trimmed)
	if err != nil {
		return trimmed, "", err
	}
	return trimmed, linkedInBase + path, nil
}

// linkedInPath validates u and returns its lowercased profile path without
// trailing slashes. The URL is split by hand rather than with net/url so that
// the path stays exactly as typed (net/url decodes it) and so that the rules
// above are the only ones applied.
func linkedInPath(u string) (string, error) {
	if !utf8.ValidString(u) {
		return "", linkedInError("contains invalid characters")
	}
	if strings.IndexFunc(u, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsGraphic(r) }) >= 0 {
		return "", linkedInError("contains whitespace or invisible characters")
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	// A scheme comes before the first slash: a "://" further on is part of
	// the path (linkedin.com/in/jane:// is jane's profile, trailing slashes
	// and all).
	if scheme, rest, ok := strings.Cut(u, "://"); ok && !strings.Contains(scheme, "/") {
		if s := strings.ToLower(scheme); s != "http" && s != "https" {
			return "", linkedInError("must start with https://")
		}
		u = rest
	} else if scheme, _, ok := strings.Cut(u, ":"); ok && !strings.Contains(scheme, "/") && !isPortAfter(u, scheme) {
		// A colon before the first slash that is not followed by a port
		// number: some other scheme, such as javascript: or mailto:.
		return "", linkedInError("must start with https://")
	}
	host, path := u, ""
	if i := strings.IndexByte(u, '/'); i >= 0 {
		host, path = u[:i], u[i:]
	}
	if err := checkLinkedInHost(host); err != nil {
		return "", err
	}
	path = strings.TrimRight(strings.ToLower(path), "/")
	if !isProfilePath(path) {
		return "", linkedInError("is not a profile address, such as linkedin.com/in/jane-doe")
	}
	return path, nil
}

// isPortAfter reports whether what follows "host:" in u, up to the first
// slash, is all digits (possibly none), that is a port rather than a scheme.
func isPortAfter(u, host string) bool {
	rest := u[len(host)+1:]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return strings.Trim(rest, "0123456789") == ""
}

func checkLinkedInHost(host string) error {
	switch {
	case strings.Contains(host, "@"):
		return linkedInError("must not contain a user name")
	case strings.Contains(host, ":"):
		return linkedInError("must not contain a port")
	}
	h := strings.ToLower(host)
	if !linkedInHost(h) {
		return linkedInError("must be on linkedin.com")
	}
	return domainError(h, linkedInError)
}

func isProfilePath(path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	segs := strings.Split(path[1:], "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	for _, p := range profilePrefixes {
		n := len(p.prefix)
		if len(segs) <= n || !slices.Equal(segs[:n], p.prefix) {
			continue
		}
		return p.segments < 0 || len(segs)-n == p.segments
	}
	return false
}
