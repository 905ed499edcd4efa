// Package auth checks the bearer tokens of SPEC §3 and issues them.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MinSecretLen is the shortest JWT_SECRET accepted (HS256 wants 256 bits).
const MinSecretLen = 32

// Leeway is the clock skew allowed on exp and nbf.
const Leeway = 30 * time.Second

// maxTokenLen bounds what is handed to the JWT parser: a real token is far
// shorter, and a huge header must be refused before any decoding work.
const maxTokenLen = 8 << 10

// Config is how tokens are checked and issued.
type Config struct {
	Secret   []byte
	Issuer   string // checked when set
	Audience string // checked when set
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
}

// Verifier checks bearer tokens.
type Verifier struct {
	cfg    Config
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg Config) (*Verifier, error) {
	if len(cfg.Secret) < MinSecretLen {
		return nil, fmt.Errorf("JWT secret must be at least %d bytes", MinSecretLen)
	}
	opts := []jwt.ParserOption{
		// HS256 only: every other algorithm, none included, is refused.
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		// jwt/v5 checks exp only when present unless told it is required.
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(Leeway),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	if cfg.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(cfg.Now))
	}
	return &Verifier{cfg: cfg, parser: jwt.NewParser(opts...)}, nil
}

// ErrUnauthenticated is why a request was refused; its message is safe to show.
type ErrUnauthenticated struct{ Reason string }

func (e *ErrUnauthenticated) Error() string { return e.Reason }

func unauthenticated(reason string) error { return &ErrUnauthenticated{Reason: reason} }

// Subject checks a token and returns its subject.
func (v *Verifier) Subject(token string) (string, error) {
	if len(token) > maxTokenLen {
		return "", unauthenticated("bearer token is too long")
	}
	claims := new(jwt.RegisteredClaims)
	_, err := v.parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) {
		return v.cfg.Secret, nil
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", unauthenticated("token has expired")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing) && claims.ExpiresAt == nil:
		return "", unauthenticated("token has no exp claim")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		// A configured iss or aud the token lacks.
		return "", unauthenticated("token lacks the iss or aud claim this server requires")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "", unauthenticated("token is not valid yet")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "", unauthenticated("token has the wrong issuer")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "", unauthenticated("token has the wrong audience")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "", unauthenticated("token signature or algorithm is not accepted")
	case err != nil:
		return "", unauthenticated("token is malformed")
	}
	// jwt/v5 does not require sub; an empty subject would own nothing
	// and everything at once.
	if strings.TrimSpace(claims.Subject) == "" {
		return "", unauthenticated("token has no sub claim")
	}
	return claims.Subject, nil
}

// Issue signs a token for sub valid for ttl, with the configured issuer and
// audience.
func Issue(cfg Config, sub string, ttl time.Duration) (string, error) {
	if strings.TrimSpace(sub) == "" {
		return "", errors.New("issue token: sub must not be blank")
	}
	if len(cfg.Secret) < MinSecretLen {
		return "", fmt.Errorf("issue token: secret must be at least %d bytes", MinSecretLen)
	}
	now := time.Now()
	if cfg.Now != nil {
		now = cfg.Now()
	}
	claims := jwt.RegisteredClaims{
		Subject:   sub,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		Issuer:    cfg.Issuer,
	}
	if cfg.Audience != "" {
		claims.Audience = jwt.ClaimStrings{cfg.Audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(cfg.Secret)
}

type subjectKey struct{}

// WithSubject returns ctx carrying the authenticated subject.
func WithSubject(ctx context.Context, sub string) context.Context {
	return context.WithValue(ctx, subjectKey{}, sub)
}

// Subject returns the authenticated subject of ctx.
func Subject(ctx context.Context) (string, bool) {
	sub, ok := ctx.Value(subjectKey{}).(string)
	return sub, ok && sub != ""
}

// BearerToken extracts the token of an `Authorization: Bearer <token>`
// header; the scheme is case-insensitive (RFC 7235).
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", unauthenticated("missing Authorization: Bearer token")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", unauthenticated("Authorization header must be Bearer <token>")
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", unauthenticated("missing Authorization: Bearer token")
	}
	return token, nil
}

// Middleware lets a request through only with a valid token, its subject in
// the context; otherwise it answers 401 with the contract's body and runs
// nothing.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := BearerToken(r)
		sub := ""
		if err == nil {
			sub, err = v.Subject(token)
		}
		if err != nil {
			writeUnauthenticated(w, err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(WithSubject(r.Context(), sub)))
	})
}
