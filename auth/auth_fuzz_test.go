package auth_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"roster/auth"
)

// FuzzBearerToken: BearerToken never panics on any Authorization header; a
// refusal is an *auth.ErrUnauthenticated, and an accepted token is
// non-empty, has no leading or trailing space, and is what follows
// "Bearer " (any letter case) in the header. The header sent twice, or
// with a good one beside it, is always refused.
func FuzzBearerToken(f *testing.F) {
	for _, h := range []string{
		"Bearer abc.def.ghi", "bearer abc.def.ghi", "BEARER   abc.def.ghi \t", "Bearer", "Bearer ",
		"Bearer \u00a0x\u2003", "Bearer\tabc", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearerabc", "abc.def.ghi",
		"", " Bearer abc", "Bearer a b c", "Bearer \x00", "Bearer \xff\xfe", "Bearer " + strings.Repeat(".", 1<<12),
	} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		for _, twice := range [][]string{{h, h}, {h, "Bearer abc.def.ghi"}, {"Bearer abc.def.ghi", h}} {
			r := &http.Request{Header: http.Header{"Authorization": twice}}
			if tok, err := auth.BearerToken(r); err == nil || tok != "" {
				t.Fatalf("BearerToken(%q) = %q, %v: two headers served", twice, tok, err)
			}
		}
		r := &http.Request{Header: http.Header{"Authorization": {h}}}
		tok, err := auth.BearerToken(r)
		if err != nil {
			var ue *auth.ErrUnauthenticated
			if !errors.As(err, &ue) || ue.Reason == "" {
				t.Fatalf("BearerToken(%q): error %T %v, want an *auth.ErrUnauthenticated with a reason", h, err, err)
			}
			if tok != "" {
				t.Fatalf("BearerToken(%q) refused but returned %q", h, tok)
			}
			return
		}
		if tok == "" {
			t.Fatalf("BearerToken(%q) accepted an empty token", h)
		}
		if strings.TrimSpace(tok) != tok {
			t.Fatalf("BearerToken(%q) = %q: leading or trailing space", h, tok)
		}
		if len(h) < len("Bearer ") || !strings.EqualFold(h[:6], "Bearer") || h[6] != ' ' {
			t.Fatalf("BearerToken(%q) = %q without a Bearer scheme", h, tok)
		}
		if !strings.Contains(h[7:], tok) {
			t.Fatalf("BearerToken(%q) = %q, not from the header", h, tok)
		}
	})
}

var (
	fuzzSecret      = []byte("fuzz-secret-0123456789-0123456789-abc")
	fuzzOtherSecret = []byte("fuzz-other-secret-0123456789-0123456789")
	// fuzzNow is the verifier's clock, so seed tokens never expire.
	fuzzNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
)

var b64url = base64.RawURLEncoding.EncodeToString

// hs256 signs the header and payload (JSON text, taken as is) with key.
func hs256(key []byte, header, payload string) string {
	signing := b64url([]byte(header)) + "." + b64url([]byte(payload))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signing))
	return signing + "." + b64url(mac.Sum(nil))
}

const hs256Header = `{"alg":"HS256","typ":"JWT"}`

// signedWithSecret reports whether token is header.payload.signature with
// an HS256 header and a signature that is the HMAC-SHA256 of the first two
// parts under fuzzSecret: checked here without the JWT library.
func signedWithSecret(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hb, &header) != nil || header.Alg != "HS256" {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, fuzzSecret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	return hmac.Equal(sig, mac.Sum(nil))
}

// checkAcceptedClaims checks the payload of a token Subject accepted: a
// non-blank string sub equal to the one returned, at most MaxSubjectLen
// bytes and free of control characters (NUL first), an exp no further in the past than the leeway,
// an nbf, if any, no further in the future, and exp, nbf and iat, when
// present, JSON numbers (RFC 7519's NumericDate), never strings.
func checkAcceptedClaims(t *testing.T, token, sub string) {
	t.Helper()
	parts := strings.Split(token, ".")
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("accepted %q, whose payload does not decode: %v", token, err)
	}
	// Raw values: a json.Number would take "123", a number in a string,
	// as jwt/v5's NumericDate does.
	var c struct {
		Sub *string         `json:"sub"`
		Exp json.RawMessage `json:"exp"`
		Nbf json.RawMessage `json:"nbf"`
		Iat json.RawMessage `json:"iat"`
	}
	if err := json.Unmarshal(pb, &c); err != nil {
		t.Fatalf("accepted payload %s: %v", pb, err)
	}
	if c.Sub == nil || *c.Sub != sub || strings.TrimSpace(sub) == "" {
		t.Fatalf("accepted payload %s as sub %q", pb, sub)
	}
	if len(sub) > auth.MaxSubjectLen || strings.ContainsFunc(sub, unicode.IsControl) {
		t.Fatalf("accepted payload %s: its sub %q is too long or holds a control character", pb, sub)
	}
	leeway := auth.Leeway.Seconds()
	if c.Exp == nil {
		t.Fatalf("accepted payload %s without exp", pb)
	}
	if exp, ok := numericDate(c.Exp); !ok || exp < float64(fuzzNow.Unix())-leeway-1 {
		t.Fatalf("accepted payload %s, exp not a number or expired at the clock %v", pb, fuzzNow)
	}
	if c.Nbf != nil {
		if nbf, ok := numericDate(c.Nbf); !ok || nbf > float64(fuzzNow.Unix())+leeway+1 {
			t.Fatalf("accepted payload %s, nbf not a number or not valid yet at the clock %v", pb, fuzzNow)
		}
	}
	if c.Iat != nil {
		if _, ok := numericDate(c.Iat); !ok {
			t.Fatalf("accepted payload %s, iat not a number", pb)
		}
	}
}

// numericDate reads a JSON value as RFC 7519's NumericDate: a JSON number,
// nothing else (encoding/json decodes only a number into a float64, but
// takes null as nothing to do).
func numericDate(raw json.RawMessage) (float64, bool) {
	var f float64
	return f, string(raw) != "null" && json.Unmarshal(raw, &f) == nil
}

func requireUnauthenticated(t *testing.T, v *auth.Verifier, token, why string) {
	t.Helper()
	sub, err := v.Subject(token)
	if err == nil {
		t.Fatalf("accepted %s (sub %q): %q", why, sub, token)
	}
	var ue *auth.ErrUnauthenticated
	if !errors.As(err, &ue) || ue.Reason == "" || sub != "" {
		t.Fatalf("refused %s with %q, %T %v", why, sub, err, err)
	}
}

// FuzzSubject: Verifier.Subject never panics, on arbitrary strings or on
// arbitrary claims signed every way, and never accepts a token that is not
// HS256-signed with the secret (checked independently of the JWT library)
// nor one whose claims are expired, not yet valid, lack a subject, have a
// subject too long or holding a control character, or write a NumericDate
// as anything but a number.
func FuzzSubject(f *testing.F) {
	now := fuzzNow.Unix()
	good := `{"sub":"alice","exp":` + jsonInt(now+3600) + `}`
	payloads := []string{
		good,
		`{"sub":"alice","exp":` + jsonInt(now-29) + `}`,
		`{"sub":"alice","exp":` + jsonInt(now-31) + `}`,
		`{"sub":"alice","exp":` + jsonInt(now+60) + `,"nbf":` + jsonInt(now+31) + `}`,
		`{"sub":"alice"}`,
		`{"sub":" ","exp":` + jsonInt(now+60) + `}`,
		`{"sub":42,"exp":` + jsonInt(now+60) + `}`,
		`{"sub":"alice","exp":"tomorrow"}`,
		`{"sub":"alice","exp":1e400}`,
		`{"sub":"alice","exp":` + jsonInt(now+60) + `.5,"aud":["a",1]}`,
		`{"sub":"alice","exp":"` + jsonInt(now+3600) + `"}`,
		`{"sub":"alice","exp":` + jsonInt(now+3600) + `,"nbf":"` + jsonInt(now-60) + `"}`,
		`{"sub":"alice","exp":` + jsonInt(now+3600) + `,"iat":"` + jsonInt(now) + `"}`,
		`{"sub":"alice","Exp":"` + jsonInt(now+3600) + `"}`,
		`{"sub":"alice","exp":` + jsonInt(now+3600) + `,"nbf":null}`,
		`{"sub":"al\u0000ice","exp":` + jsonInt(now+3600) + `}`,
		`{"sub":"alice\u001b[2J","exp":` + jsonInt(now+3600) + `}`,
		`{"sub":"alice\u0085","exp":` + jsonInt(now+3600) + `}`,
		`{"sub":"` + strings.Repeat("a", auth.MaxSubjectLen+1) + `","exp":` + jsonInt(now+3600) + `}`,
		`[]`, `null`, `{`, ``,
	}
	for _, p := range payloads {
		f.Add(hs256(fuzzSecret, hs256Header, p), p)
	}
	f.Add(hs256(fuzzOtherSecret, hs256Header, good), good)
	f.Add(hs256(fuzzSecret, `{"alg":"HS384"}`, good), good)
	f.Add(b64url([]byte(`{"alg":"none"}`))+"."+b64url([]byte(good))+".", good)
	f.Add("a.b.c", "{}")
	f.Add("", "")
	f.Add(strings.Repeat(".", 9000), good)

	v, err := auth.NewVerifier(auth.Config{Secret: fuzzSecret, Now: func() time.Time { return fuzzNow }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token, payload string) {
		// Arbitrary text as a token.
		if sub, err := v.Subject(token); err == nil {
			if !signedWithSecret(token) {
				t.Fatalf("accepted %q (sub %q), not signed with the secret", token, sub)
			}
			checkAcceptedClaims(t, token, sub)
		} else if sub != "" {
			t.Fatalf("refused %q but returned sub %q", token, sub)
		}
		if len(token) > 8<<10 {
			requireUnauthenticated(t, v, token, "a token over 8 KiB")
		}

		// Arbitrary claims, signed every way.
		requireUnauthenticated(t, v, hs256(fuzzOtherSecret, hs256Header, payload), "claims signed with another secret")
		requireUnauthenticated(t, v, hs256(fuzzSecret, `{"alg":"HS512","typ":"JWT"}`, payload), "claims under another alg")
		requireUnauthenticated(t, v, b64url([]byte(`{"alg":"none"}`))+"."+b64url([]byte(payload))+".", "unsigned claims")
		signed := hs256(fuzzSecret, hs256Header, payload)
		if sub, err := v.Subject(signed); err == nil {
			checkAcceptedClaims(t, signed, sub)
		}
	})
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
