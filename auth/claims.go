package auth

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/golang-jwt/jwt/v5"
)

// claims are the registered claims of RFC 7519 read strictly. jwt/v5's
// NumericDate takes a number in a string ("exp":"1999999999") as readily
// as the JSON number RFC 7519 §2 defines; this service refuses that, as it
// refuses any other token its signer did not write as the RFC says.
type claims struct {
	jwt.RegisteredClaims
}

// timeClaims are the NumericDate claims: exp and nbf are checked, iat is
// only decoded, but a token that writes any of them as something other
// than a number is malformed all the same.
type timeClaims struct {
	Exp json.RawMessage `json:"exp"`
	Nbf json.RawMessage `json:"nbf"`
	Iat json.RawMessage `json:"iat"`
}

// UnmarshalJSON refuses a NumericDate that is not a JSON number, null
// included, then decodes as jwt/v5 does. Both passes match names as
// encoding/json does (the last of duplicate keys wins, letter case aside),
// so they read the same members.
func (c *claims) UnmarshalJSON(b []byte) error {
	var t timeClaims
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		raw  json.RawMessage
	}{{"exp", t.Exp}, {"nbf", t.Nbf}, {"iat", t.Iat}} {
		if d.raw != nil && !isJSONNumber(d.raw) {
			return unauthenticated(fmt.Sprintf("the token's %s is not a number (RFC 7519 NumericDate)", d.name))
		}
	}
	return json.Unmarshal(b, &c.RegisteredClaims)
}

// isJSONNumber tells whether raw, a valid JSON value, is a number: JSON's
// other values all start with a letter, a quote, a bracket or a brace.
func isJSONNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

// MaxSubjectLen bounds a token's sub, in bytes. OpenID Connect caps a
// subject at 255 ASCII characters and identity providers stay well under
// that; PostgreSQL's B-tree cannot hold an index row over about 2.7 KB, so
// a token with a sub that long made its first createCampaign fail with
// INTERNAL_SERVER_ERROR (campaigns_owner_created_idx). 1 KiB leaves room
// for an index on the owner and something else.
const MaxSubjectLen = 1024

// checkSubject refuses a sub that cannot own campaigns. A blank one would
// own nothing and everything at once; a long one would not fit the owner
// index; a NUL cannot be stored at all (SPEC §4: 401, not an internal
// error). The other control characters (C0, DEL, C1) can be stored, but no
// identity provider issues them in a subject, and one that differs from
// another only by an invisible character, or that rewrites a log line or
// a terminal, is better refused where it enters. Other invisible
// characters (Unicode format characters such as the zero-width joiner)
// are kept: some scripts and emoji need them.
func checkSubject(sub string) error {
	if strings.TrimSpace(sub) == "" {
		return unauthenticated("the token's sub is missing or blank")
	}
	if len(sub) > MaxSubjectLen {
		return unauthenticated(fmt.Sprintf("the token's sub is longer than %d bytes", MaxSubjectLen))
	}
	for _, r := range sub {
		if r == 0 {
			return unauthenticated("the token's sub holds a NUL character")
		}
		if unicode.IsControl(r) {
			return unauthenticated(fmt.Sprintf("the token's sub holds a control character (%U)", r))
		}
	}
	return nil
}
