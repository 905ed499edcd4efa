// Package auth checks the bearer tokens of SPEC §3 and issues them.
package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// MinSecretLen is the shortest JWT_SECRET accepted (HS256 wants 256 bits).
const MinSecretLen = 32

// Leeway is the clock skew allowed on exp and nbf.
const Leeway = 30 * time.Second

// maxTokenLen bounds what is handed to the JWT parser: a real token is far
// shorter, and a huge header must be refused before any decoding work.
const maxTokenLen = 8 << 10

// Default JWKS refresh pacing (Config.JWKSRefreshInterval and
// Config.JWKSUnknownKIDInterval when zero).
const (
	DefaultJWKSRefreshInterval    = time.Hour
	DefaultJWKSUnknownKIDInterval = time.Minute
)

// Config is how tokens are checked and issued.
type Config struct {
	// Secret is the HS256 key (JWT_SECRET); empty: HS256 is refused.
	Secret []byte
	// PublicKeyFile is a PEM public key (JWT_PUBLIC_KEY_FILE): RSA for
	// RS256, ECDSA P-256 for ES256 or Ed25519 for EdDSA.
	PublicKeyFile string
	// JWKSURL is a JWK Set endpoint (JWT_JWKS_URL) for RS256, ES256 and
	// EdDSA tokens, chosen by their kid.
	JWKSURL string
	// JWKSRefreshInterval is how often the JWK Set is fetched in the
	// background; JWKSUnknownKIDInterval is the least time between two
	// fetches caused by tokens with a kid not in the set (key rotation).
	// Zero means the defaults above.
	JWKSRefreshInterval    time.Duration
	JWKSUnknownKIDInterval time.Duration
	// JWKSClient fetches the JWK Set; nil means a client with a 10 s timeout.
	JWKSClient *http.Client

	Issuer   string // checked when set
	Audience string // checked when set
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
}

// Verifier checks bearer tokens.
type Verifier struct {
	cfg       Config
	parser    *jwt.Parser
	publicKey any             // from PublicKeyFile: *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	jwks      keyfunc.Keyfunc // from JWKSURL
	cancel    context.CancelFunc
}

// NewVerifier returns a Verifier for cfg. With a JWKS URL it starts a
// background refresh that Close stops.
func NewVerifier(cfg Config) (*Verifier, error) {
	asymmetric := cfg.PublicKeyFile != "" || cfg.JWKSURL != ""
	if len(cfg.Secret) < MinSecretLen && (len(cfg.Secret) > 0 || !asymmetric) {
		return nil, fmt.Errorf("JWT secret must be at least %d bytes", MinSecretLen)
	}
	if cfg.PublicKeyFile != "" && cfg.JWKSURL != "" {
		return nil, errors.New("set either a JWT public key file or a JWKS URL, not both")
	}
	v := &Verifier{cfg: cfg, cancel: func() {}}
	// Only the configured algorithms: every other one, none included, is
	// refused by the parser before any key is looked at.
	var methods []string
	if len(cfg.Secret) > 0 {
		methods = append(methods, jwt.SigningMethodHS256.Alg())
	}
	if cfg.PublicKeyFile != "" {
		key, alg, err := readPublicKey(cfg.PublicKeyFile)
		if err != nil {
			return nil, err
		}
		v.publicKey = key
		methods = append(methods, alg)
	}
	if cfg.JWKSURL != "" {
		if err := v.startJWKS(); err != nil {
			return nil, err
		}
		methods = append(methods, jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg(), jwt.SigningMethodEdDSA.Alg())
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
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
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// Close stops the JWKS background refresh, if any.
func (v *Verifier) Close() { v.cancel() }

// readPublicKey reads a PEM public key and tells the one algorithm it is for.
func readPublicKey(path string) (any, string, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("JWT public key: %w", err)
	}
	if k, err := jwt.ParseRSAPublicKeyFromPEM(pem); err == nil {
		if k.N.BitLen() < 2048 {
			return nil, "", fmt.Errorf("JWT public key %s: RSA keys must be at least 2048 bits", path)
		}
		return k, jwt.SigningMethodRS256.Alg(), nil
	}
	if k, err := jwt.ParseECPublicKeyFromPEM(pem); err == nil {
		if k.Curve != elliptic.P256() {
			return nil, "", fmt.Errorf("JWT public key %s: ECDSA keys must be on P-256 (ES256)", path)
		}
		return k, jwt.SigningMethodES256.Alg(), nil
	}
	if k, err := jwt.ParseEdPublicKeyFromPEM(pem); err == nil {
		return k, jwt.SigningMethodEdDSA.Alg(), nil
	}
	return nil, "", fmt.Errorf("JWT public key %s: not a PEM RSA, ECDSA P-256 or Ed25519 public key", path)
}

// startJWKS starts fetching the JWK Set: now, every refresh interval, and
// on a token with an unknown kid at most once per unknown-kid interval
// (tokens past that limit are refused at once, not queued).
func (v *Verifier) startJWKS() error {
	refresh := v.cfg.JWKSRefreshInterval
	if refresh <= 0 {
		refresh = DefaultJWKSRefreshInterval
	}
	unknown := v.cfg.JWKSUnknownKIDInterval
	if unknown <= 0 {
		unknown = DefaultJWKSUnknownKIDInterval
	}
	client := v.cfg.JWKSClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithCancel(context.Background())
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{v.cfg.JWKSURL}, keyfunc.Override{
		Client:          client,
		HTTPTimeout:     client.Timeout,
		RefreshInterval: refresh,
		// One token in the bucket: the first unknown kid refreshes at
		// once, the next only after the interval.
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknown), 1),
		// jwkset bounds both the wait for the limiter and the refresh
		// itself by this one deadline. The limiter refuses at once a wait
		// longer than the deadline (the next refresh is a whole interval
		// away), so a rate-limited unknown kid still fails fast, while an
		// allowed refresh gets the HTTP client's full timeout; a tiny
		// value here made refreshes fail on a busy machine.
		RateLimitWaitMax: refreshWait(client.Timeout, unknown),
	})
	if err != nil {
		cancel()
		return fmt.Errorf("JWKS %s: %w", v.cfg.JWKSURL, err)
	}
	v.jwks, v.cancel = kf, cancel
	return nil
}

// refreshWait is the deadline of an unknown-kid refresh: the HTTP client's
// timeout (10 s when it has none), and under half the unknown-kid interval
// so that a rate-limited kid is refused rather than queued.
func refreshWait(clientTimeout, unknownInterval time.Duration) time.Duration {
	if clientTimeout <= 0 {
		clientTimeout = 10 * time.Second
	}
	return min(clientTimeout, unknownInterval/2)
}

// keyFor is the jwt.Keyfunc: the key for the token's alg, and only a key
// of the type that alg needs (an HS256 token never gets a public key as
// its secret).
func (v *Verifier) keyFor(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if alg == jwt.SigningMethodHS256.Alg() {
		if len(v.cfg.Secret) == 0 {
			return nil, errors.New("HS256 is not accepted")
		}
		return v.cfg.Secret, nil
	}
	var key any
	switch {
	case v.publicKey != nil:
		key = v.publicKey
	case v.jwks != nil:
		k, err := v.jwks.Keyfunc(t)
		if err != nil {
			return nil, err
		}
		if set, ok := k.(jwt.VerificationKeySet); ok {
			// No kid: try only the keys of the token's type.
			var keys []jwt.VerificationKey
			for _, k := range set.Keys {
				if keyMatches(alg, k) {
					keys = append(keys, k)
				}
			}
			if len(keys) == 0 {
				return nil, fmt.Errorf("no %s key", alg)
			}
			return jwt.VerificationKeySet{Keys: keys}, nil
		}
		key = k
	default:
		return nil, fmt.Errorf("%s is not accepted", alg)
	}
	if !keyMatches(alg, key) {
		return nil, fmt.Errorf("the key for this token is not a %s key", alg)
	}
	return key, nil
}

// keyMatches tells whether key is of the type alg verifies with.
func keyMatches(alg string, key any) bool {
	switch alg {
	case jwt.SigningMethodRS256.Alg():
		_, ok := key.(*rsa.PublicKey)
		return ok
	case jwt.SigningMethodES256.Alg():
		k, ok := key.(*ecdsa.PublicKey)
		return ok && k.Curve == elliptic.P256()
	case jwt.SigningMethodEdDSA.Alg():
		_, ok := key.(ed25519.PublicKey)
		return ok
	}
	return false
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
	claims := new(claims)
	_, err := v.parser.ParseWithClaims(token, claims, v.keyFor)
	var refused *ErrUnauthenticated
	switch {
	case errors.As(err, &refused):
		// Our own reading of the claims refused them (claims.go).
		return "", refused
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
	// jwt/v5 does not require sub, nor look at what it holds.
	if err := checkSubject(claims.Subject); err != nil {
		return "", err
	}
	return claims.Subject, nil
}

// Issue signs a token for sub valid for ttl, with the configured issuer and
// audience.
func Issue(cfg Config, sub string, ttl time.Duration) (string, error) {
	if err := checkSubject(sub); err != nil {
		// The rule that Subject applies: a token it would refuse is not issued.
		return "", fmt.Errorf("issue token: %w", err)
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
// header; the scheme is case-insensitive (RFC 7235). A request with two
// Authorization headers is refused, whatever they hold: Authorization is
// not a list (RFC 9110 §5.3), and serving the first while a proxy or a log
// looked at the other is how credentials get confused.
func BearerToken(r *http.Request) (string, error) {
	if n := len(r.Header.Values("Authorization")); n > 1 {
		return "", unauthenticated(fmt.Sprintf("send one Authorization header, not %d", n))
	}
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
			writeUnauthenticated(w, r, err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(WithSubject(r.Context(), sub)))
	})
}
