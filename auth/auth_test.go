package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"roster/auth"
)

var (
	secret      = []byte("auth-test-secret-0123456789-0123456789")
	otherSecret = []byte("another-secret-0123456789-0123456789-xyz")
	// now is the verifiers' fixed clock, on a whole second so that the
	// NumericDate claims (seconds) land exactly where the tests put them.
	now = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
)

func fixedClock() time.Time { return now }

func verifier(t *testing.T, cfg auth.Config) *auth.Verifier {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = secret
	}
	cfg.Now = fixedClock
	v, err := auth.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// claims are valid claims for the fixed clock; edit a copy per case.
func claims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "alice",
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
			continue
		}
		out[k] = kv[i+1]
	}
	return out
}

func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func b64(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// algNone builds an unsigned token by hand: header {"alg":"none"}, the
// claims, and an empty signature.
func algNone(t *testing.T, header map[string]any, c jwt.MapClaims) string {
	return b64(t, header) + "." + b64(t, c) + "."
}

func requireRefused(t *testing.T, v *auth.Verifier, token string) {
	t.Helper()
	sub, err := v.Subject(token)
	if err == nil {
		t.Fatalf("token accepted (sub %q); want it refused", sub)
	}
	if sub != "" {
		t.Fatalf("refused token still yielded sub %q", sub)
	}
	var ue *auth.ErrUnauthenticated
	if !errors.As(err, &ue) {
		t.Fatalf("error %T %v is not an *auth.ErrUnauthenticated", err, err)
	}
	if ue.Reason == "" {
		t.Fatal("refusal has an empty reason")
	}
}

func requireAccepted(t *testing.T, v *auth.Verifier, token, wantSub string) {
	t.Helper()
	sub, err := v.Subject(token)
	if err != nil {
		t.Fatalf("token refused: %v", err)
	}
	if sub != wantSub {
		t.Fatalf("sub = %q, want %q", sub, wantSub)
	}
}

func TestSubject(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	v := verifier(t, auth.Config{})
	sec := func(d time.Duration) int64 { return now.Add(d).Unix() }

	accepted := []struct {
		name  string
		token func(t *testing.T) string
		sub   string
	}{
		{"valid HS256", func(t *testing.T) string { return sign(t, jwt.SigningMethodHS256, secret, claims()) }, "alice"},
		{"exp just inside the leeway", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", sec(-29*time.Second)))
		}, "alice"},
		{"nbf in the future within the leeway", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "nbf", sec(29*time.Second)))
		}, "alice"},
		{"nbf in the past", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "nbf", sec(-time.Hour)))
		}, "alice"},
		{"iss and aud ignored when not configured", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "iss", "whoever", "aud", "anyone"))
		}, "alice"},
		{"sub kept as given", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", "user|42@example.com"))
		}, "user|42@example.com"},
		// Not control characters: letters of any script, and the format
		// characters that scripts and emoji need (a zero-width joiner).
		{"sub with non-ASCII letters and a zero-width joiner", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", "zoë-👩‍💻"))
		}, "zoë-👩‍💻"},
		{"sub of MaxSubjectLen bytes", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", strings.Repeat("é", auth.MaxSubjectLen/2)))
		}, strings.Repeat("é", auth.MaxSubjectLen/2)},
		// RFC 7519 §2: a NumericDate may have a fraction.
		{"exp with a fraction", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", float64(sec(time.Hour))+0.5))
		}, "alice"},
	}
	for _, tc := range accepted {
		t.Run("accepts "+tc.name, func(t *testing.T) {
			t.Parallel()
			requireAccepted(t, v, tc.token(t), tc.sub)
		})
	}

	refused := []struct {
		name  string
		token func(t *testing.T) string
	}{
		{"alg none", func(t *testing.T) string {
			return algNone(t, map[string]any{"alg": "none"}, claims())
		}},
		{"alg none with typ", func(t *testing.T) string {
			return algNone(t, map[string]any{"alg": "none", "typ": "JWT"}, claims())
		}},
		{"alg None (case variant)", func(t *testing.T) string {
			return algNone(t, map[string]any{"alg": "None", "typ": "JWT"}, claims())
		}},
		{"alg none with a HS256 signature appended", func(t *testing.T) string {
			good := sign(t, jwt.SigningMethodHS256, secret, claims())
			sig := good[strings.LastIndex(good, ".")+1:]
			return b64(t, map[string]any{"alg": "none"}) + "." + b64(t, claims()) + "." + sig
		}},
		{"HS384 with the same secret", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS384, secret, claims())
		}},
		{"HS512 with the same secret", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS512, secret, claims())
		}},
		{"RS256", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodRS256, rsaKey, claims())
		}},
		{"HS256 signed with another secret", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, otherSecret, claims())
		}},
		{"HS256 with a tampered payload", func(t *testing.T) string {
			good := sign(t, jwt.SigningMethodHS256, secret, claims())
			parts := strings.Split(good, ".")
			parts[1] = b64(t, with(claims(), "sub", "mallory"))
			return strings.Join(parts, ".")
		}},
		{"HS256 with the signature stripped", func(t *testing.T) string {
			good := sign(t, jwt.SigningMethodHS256, secret, claims())
			return good[:strings.LastIndex(good, ".")+1]
		}},
		{"expired an hour ago", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", sec(-time.Hour)))
		}},
		{"exp just outside the leeway", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", sec(-31*time.Second)))
		}},
		{"no exp", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", nil))
		}},
		{"exp not a number", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", "tomorrow"))
		}},
		// RFC 7519's NumericDate is a JSON number; jwt/v5 alone takes
		// these.
		{"exp a number in a string", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", fmt.Sprint(sec(time.Hour))))
		}},
		{"nbf a number in a string", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "nbf", fmt.Sprint(sec(-time.Hour))))
		}},
		{"iat a number in a string", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "iat", fmt.Sprint(sec(0))))
		}},
		{"exp in a string, the key in capitals", func(t *testing.T) string {
			// encoding/json matches keys whatever their case, jwt/v5 too.
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", nil, "EXP", fmt.Sprint(sec(time.Hour))))
		}},
		{"exp null", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", json.RawMessage("null")))
		}},
		{"nbf null", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "nbf", json.RawMessage("null")))
		}},
		{"exp true", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", true))
		}},
		{"nbf beyond the leeway", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "nbf", sec(31*time.Second)))
		}},
		{"nbf an hour ahead", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "nbf", sec(time.Hour)))
		}},
		{"no sub", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", nil))
		}},
		{"empty sub", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", ""))
		}},
		{"whitespace sub", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", " \t\n "))
		}},
		{"sub not a string", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", 42))
		}},
		// PostgreSQL cannot store a NUL; the other control characters
		// are refused by choice (checkSubject).
		{"sub over MaxSubjectLen bytes", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", strings.Repeat("é", auth.MaxSubjectLen/2)+"x"))
		}},
		{"sub with a NUL", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", "alice\x00"))
		}},
		{"sub a NUL alone", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", "\x00"))
		}},
		{"sub with a newline inside", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", "alice\nbob"))
		}},
		{"sub with an escape sequence", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", "alice\x1b[2J"))
		}},
		{"sub with DEL", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", "alice\x7f"))
		}},
		{"sub with a C1 control (NEL)", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "sub", "alice\u0085"))
		}},
		{"empty string", func(t *testing.T) string { return "" }},
		{"garbage", func(t *testing.T) string { return "not a token" }},
		{"three dots of garbage", func(t *testing.T) string { return "a.b.c" }},
		{"base64 of non-JSON", func(t *testing.T) string {
			e := base64.RawURLEncoding.EncodeToString
			return e([]byte("{{{")) + "." + e([]byte("nope")) + "." + e([]byte("sig"))
		}},
		{"two parts", func(t *testing.T) string {
			good := sign(t, jwt.SigningMethodHS256, secret, claims())
			return good[:strings.LastIndex(good, ".")]
		}},
		{"a validly signed 1 MB token", func(t *testing.T) string {
			// Signed with the right secret and otherwise valid: only a
			// size cap refuses it, before any decoding work.
			return sign(t, jwt.SigningMethodHS256, secret, with(claims(), "pad", strings.Repeat("x", 1<<20)))
		}},
		{"1 MB of garbage", func(t *testing.T) string { return strings.Repeat("A", 1<<20) }},
	}
	for _, tc := range refused {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			t.Parallel()
			requireRefused(t, v, tc.token(t))
		})
	}
}

func TestSubjectIssuerAudience(t *testing.T) {
	t.Parallel()
	v := verifier(t, auth.Config{Issuer: "https://issuer.example", Audience: "roster-api"})
	good := with(claims(), "iss", "https://issuer.example", "aud", "roster-api")
	cases := []struct {
		name   string
		claims jwt.MapClaims
		ok     bool
	}{
		{"right iss and aud", good, true},
		{"aud as a list holding it", with(good, "aud", []string{"other", "roster-api"}), true},
		{"wrong iss", with(good, "iss", "https://evil.example"), false},
		{"iss case variant", with(good, "iss", "https://ISSUER.example"), false},
		{"missing iss", with(good, "iss", nil), false},
		{"wrong aud", with(good, "aud", "other-api"), false},
		{"aud list without it", with(good, "aud", []string{"a", "b"}), false},
		{"missing aud", with(good, "aud", nil), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok := sign(t, jwt.SigningMethodHS256, secret, tc.claims)
			if tc.ok {
				requireAccepted(t, v, tok, "alice")
			} else {
				requireRefused(t, v, tok)
			}
		})
	}
}

// TestSubjectReasons: the 401 message tells a developer what is wrong with
// the token (it reaches the client as the error message).
func TestSubjectReasons(t *testing.T) {
	t.Parallel()
	v := verifier(t, auth.Config{Issuer: "iss-x", Audience: "aud-y"})
	good := with(claims(), "iss", "iss-x", "aud", "aud-y")
	cases := []struct {
		name   string
		claims jwt.MapClaims
		want   string // the reason must mention this
		not    string // and must not mention this
	}{
		{"no exp", with(good, "exp", nil), "exp", "iss"},
		{"expired", with(good, "exp", now.Add(-time.Hour).Unix()), "expired", ""},
		{"missing iss", with(good, "iss", nil), "iss", "exp"},
		{"missing aud", with(good, "aud", nil), "aud", "exp"},
		{"wrong iss", with(good, "iss", "other"), "issuer", ""},
		{"wrong aud", with(good, "aud", "other"), "audience", ""},
		{"no sub", with(good, "sub", nil), "sub", ""},
		{"exp in a string", with(good, "exp", fmt.Sprint(now.Add(time.Hour).Unix())), "exp is not a number", ""},
		{"nbf in a string", with(good, "nbf", fmt.Sprint(now.Unix())), "nbf is not a number", ""},
		{"iat in a string", with(good, "iat", fmt.Sprint(now.Unix())), "iat is not a number", ""},
		{"NUL in sub", with(good, "sub", "a\x00b"), "sub holds a NUL character", ""},
		{"escape in sub", with(good, "sub", "a\x1bb"), "sub holds a control character (U+001B)", ""},
		{"long sub", with(good, "sub", strings.Repeat("a", auth.MaxSubjectLen+1)), "sub is longer than 1024 bytes", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Subject(sign(t, jwt.SigningMethodHS256, secret, tc.claims))
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || tc.not != "" && strings.Contains(msg, tc.not) {
				t.Fatalf("reason %q; want it to mention %q and not %q", msg, tc.want, tc.not)
			}
		})
	}
}

// TestIssue checks that the server's own tokens pass its verifier, issuer
// and audience included, and expire with their ttl.
func TestIssue(t *testing.T) {
	t.Parallel()
	cfg := auth.Config{Secret: secret, Issuer: "iss-x", Audience: "aud-y", Now: fixedClock}
	v := verifier(t, cfg)
	tok, err := auth.Issue(cfg, "bob", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	requireAccepted(t, v, tok, "bob")

	later := cfg
	later.Now = func() time.Time { return now.Add(time.Minute + auth.Leeway + time.Second) }
	lv, err := auth.NewVerifier(later)
	if err != nil {
		t.Fatal(err)
	}
	requireRefused(t, lv, tok)

	// What Subject would refuse is not issued.
	for _, sub := range []string{"  ", "bob\x00", "bob\r\nX-Admin: 1", strings.Repeat("b", auth.MaxSubjectLen+1)} {
		if _, err := auth.Issue(cfg, sub, time.Minute); err == nil {
			t.Fatalf("Issue accepted the sub %q", sub)
		}
	}
	if _, err := auth.Issue(auth.Config{Secret: []byte("short")}, "bob", time.Minute); err == nil {
		t.Fatal("Issue accepted a short secret")
	}
}

func TestNewVerifierSecretLength(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 16, auth.MinSecretLen - 1} {
		if _, err := auth.NewVerifier(auth.Config{Secret: make([]byte, n)}); err == nil {
			t.Errorf("NewVerifier accepted a %d-byte secret", n)
		}
	}
	if auth.MinSecretLen < 32 {
		t.Fatalf("MinSecretLen = %d; HS256 wants at least 32 bytes", auth.MinSecretLen)
	}
	if _, err := auth.NewVerifier(auth.Config{Secret: []byte(strings.Repeat("k", 32))}); err != nil {
		t.Fatalf("NewVerifier refused a 32-byte secret: %v", err)
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		header []string // nil: no Authorization header
		want   string   // "" means refused
	}{
		{"Bearer", []string{"Bearer abc.def.ghi"}, "abc.def.ghi"},
		{"lowercase scheme", []string{"bearer abc.def.ghi"}, "abc.def.ghi"},
		{"uppercase scheme", []string{"BEARER abc.def.ghi"}, "abc.def.ghi"},
		{"mixed-case scheme", []string{"bEaReR abc.def.ghi"}, "abc.def.ghi"},
		{"extra spaces around the token", []string{"Bearer   abc.def.ghi  "}, "abc.def.ghi"},
		{"missing header", nil, ""},
		{"empty header", []string{""}, ""},
		{"scheme alone", []string{"Bearer"}, ""},
		{"scheme and blank token", []string{"Bearer    "}, ""},
		{"Basic scheme", []string{"Basic YWxhZGRpbjpvcGVuc2VzYW1l"}, ""},
		{"Token scheme", []string{"Token abc.def.ghi"}, ""},
		{"scheme prefix only", []string{"Bearerabc.def.ghi"}, ""},
		{"bare token", []string{"abc.def.ghi"}, ""},
		// Authorization is not a list: two headers are refused, even
		// when they agree.
		{"two Bearer headers", []string{"Bearer abc.def.ghi", "Bearer xyz.uvw.rst"}, ""},
		{"the same Bearer header twice", []string{"Bearer abc.def.ghi", "Bearer abc.def.ghi"}, ""},
		{"an empty header, then a Bearer one", []string{"", "Bearer abc.def.ghi"}, ""},
		{"Basic, then Bearer", []string{"Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer abc.def.ghi"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			for _, h := range tc.header {
				r.Header.Add("Authorization", h)
			}
			got, err := auth.BearerToken(r)
			if tc.want == "" {
				var ue *auth.ErrUnauthenticated
				if err == nil || !errors.As(err, &ue) {
					t.Fatalf("BearerToken = %q, %v; want an *auth.ErrUnauthenticated", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("BearerToken = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestMiddleware checks that a refused request never reaches the handler
// and gets the contract's 401, and that an accepted one carries its subject.
func TestMiddleware(t *testing.T) {
	t.Parallel()
	v := verifier(t, auth.Config{})
	good := sign(t, jwt.SigningMethodHS256, secret, claims())
	cases := []struct {
		name   string
		header string
		ok     bool
	}{
		{"valid", "Bearer " + good, true},
		{"missing", "", false},
		{"malformed", "Bearer nope", false},
		{"other secret", "Bearer " + sign(t, jwt.SigningMethodHS256, otherSecret, claims()), false},
		{"expired", "Bearer " + sign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", now.Add(-time.Hour).Unix())), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			called, gotSub := false, ""
			h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				gotSub, _ = auth.Subject(r.Context())
			}))
			r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if tc.ok {
				if !called || gotSub != "alice" || w.Code != http.StatusOK {
					t.Fatalf("valid token: called %v, sub %q, status %d", called, gotSub, w.Code)
				}
				return
			}
			if called {
				t.Fatal("the handler ran for a refused request")
			}
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", w.Code)
			}
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("WWW-Authenticate = %q", w.Header().Get("WWW-Authenticate"))
			}
			var body struct {
				Errors []struct {
					Message    string         `json:"message"`
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body is not JSON: %s", w.Body)
			}
			if len(body.Errors) != 1 || body.Errors[0].Message == "" || body.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
				t.Fatalf("body %s", w.Body)
			}
		})
	}
}

func TestSubjectFromContext(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, ok := auth.Subject(r.Context()); ok {
		t.Fatal("a bare context has a subject")
	}
	if _, ok := auth.Subject(auth.WithSubject(r.Context(), "")); ok {
		t.Fatal("an empty subject counts as authenticated")
	}
	if sub, ok := auth.Subject(auth.WithSubject(r.Context(), "carol")); !ok || sub != "carol" {
		t.Fatalf("Subject = %q, %v", sub, ok)
	}
}

// TestMegabyteOfDots checks that `Bearer` followed by a megabyte of dots is
// refused before any decoding: a handful of allocations, not one per dot.
func TestMegabyteOfDots(t *testing.T) {
	v, err := auth.NewVerifier(auth.Config{Secret: []byte(strings.Repeat("d", 32))})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("Authorization", "Bearer "+strings.Repeat(".", 1<<20))
	allocs := testing.AllocsPerRun(20, func() {
		tok, err := auth.BearerToken(req)
		if err == nil {
			_, err = v.Subject(tok)
		}
		if err == nil {
			t.Fatal("a megabyte of dots was accepted")
		}
	})
	if allocs > 10 {
		t.Errorf("%v allocations to refuse a megabyte of dots, want a handful", allocs)
	}
}
