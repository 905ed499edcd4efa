package auth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"roster/auth"
)

// testKey is a signing key generated in the test, with its algorithm.
type testKey struct {
	alg  string
	kid  string
	priv crypto.Signer
}

func newRSAKey(t *testing.T, kid string) testKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{alg: "RS256", kid: kid, priv: k}
}

func newECKey(t *testing.T, kid string) testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{alg: "ES256", kid: kid, priv: k}
}

func newEdKey(t *testing.T, kid string) testKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{alg: "EdDSA", kid: kid, priv: k}
}

func (k testKey) sign(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(k.alg), c)
	if k.kid != "" {
		tok.Header["kid"] = k.kid
	}
	s, err := tok.SignedString(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pemBytes is the PKIX PEM of k's public key.
func (k testKey) pemBytes(t *testing.T) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func (k testKey) pemFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, k.pemBytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// jwk is k's public key as a JWK (RFC 7517/7518/8037), written by hand so
// the test does not depend on the library it checks.
func (k testKey) jwk() map[string]string {
	b64 := base64.RawURLEncoding.EncodeToString
	m := map[string]string{"kid": k.kid, "use": "sig", "alg": k.alg}
	switch pub := k.priv.Public().(type) {
	case *rsa.PublicKey:
		m["kty"], m["n"], m["e"] = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		x, y := make([]byte, 32), make([]byte, 32)
		pub.X.FillBytes(x)
		pub.Y.FillBytes(y)
		m["kty"], m["crv"], m["x"], m["y"] = "EC", "P-256", b64(x), b64(y)
	case ed25519.PublicKey:
		m["kty"], m["crv"], m["x"] = "OKP", "Ed25519", b64(pub)
	}
	return m
}

func asymVerifier(t *testing.T, cfg auth.Config) *auth.Verifier {
	t.Helper()
	cfg.Now = fixedClock
	v, err := auth.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

func accepted(t *testing.T, v *auth.Verifier, name, tok string) {
	t.Helper()
	if sub, err := v.Subject(tok); err != nil || sub != "alice" {
		t.Errorf("%s: Subject = %q, %v; want alice accepted", name, sub, err)
	}
}

func refused(t *testing.T, v *auth.Verifier, name, tok string) {
	t.Helper()
	if sub, err := v.Subject(tok); err == nil {
		t.Errorf("%s: accepted (sub %q); want refused", name, sub)
	}
}

// hs256Kid signs c with HS256 under key, kid set when given.
func hs256Kid(t *testing.T, key []byte, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPublicKeyFile(t *testing.T) {
	t.Parallel()
	keys := []testKey{newRSAKey(t, ""), newECKey(t, ""), newEdKey(t, "")}
	others := []testKey{newRSAKey(t, ""), newECKey(t, ""), newEdKey(t, "")}
	for i, key := range keys {
		t.Run(key.alg, func(t *testing.T) {
			t.Parallel()
			path := key.pemFile(t)
			for _, withSecret := range []bool{false, true} {
				cfg := auth.Config{PublicKeyFile: path}
				if withSecret {
					cfg.Secret = secret
				}
				v := asymVerifier(t, cfg)
				name := fmt.Sprintf("%s (secret %v)", key.alg, withSecret)

				accepted(t, v, name+" valid", key.sign(t, claims()))
				refused(t, v, name+" signed by another key", others[i].sign(t, claims()))
				for j, other := range others {
					if j != i {
						refused(t, v, name+" "+other.alg+" token", other.sign(t, claims()))
					}
				}
				// Algorithm confusion: the public key's PEM (and its DER)
				// used as an HS256 secret.
				refused(t, v, name+" HS256 with the PEM as secret", hs256Kid(t, key.pemBytes(t), "", claims()))
				der, _ := x509.MarshalPKIXPublicKey(key.priv.Public())
				refused(t, v, name+" HS256 with the DER as secret", hs256Kid(t, der, "", claims()))
				refused(t, v, name+" alg none", none(t, claims()))
				refused(t, v, name+" expired", key.sign(t, with(claims(), "exp", now.Add(-time.Hour).Unix())))
				refused(t, v, name+" no exp", key.sign(t, with(claims(), "exp", nil)))
				refused(t, v, name+" nbf in the future", key.sign(t, with(claims(), "nbf", now.Add(time.Minute).Unix())))
				refused(t, v, name+" empty sub", key.sign(t, with(claims(), "sub", "")))
				// HS256 with the secret is accepted only when one is set.
				hs := hs256Kid(t, secret, "", claims())
				if withSecret {
					accepted(t, v, name+" HS256 with JWT_SECRET", hs)
				} else {
					refused(t, v, name+" HS256 without JWT_SECRET", hs)
				}
			}
		})
	}
}

func none(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPublicKeyFileRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(p384.Public())
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, _ := x509.MarshalPKIXPublicKey(small.Public())
	for name, path := range map[string]string{
		"missing file": filepath.Join(dir, "nope.pem"),
		"not PEM":      write("junk.pem", []byte("not a key")),
		"P-384 key":    write("p384.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		"RSA 1024":     write("rsa1024.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: smallDER})),
	} {
		if v, err := auth.NewVerifier(auth.Config{PublicKeyFile: path}); err == nil {
			v.Close()
			t.Errorf("%s: NewVerifier accepted it", name)
		}
	}
	if v, err := auth.NewVerifier(auth.Config{PublicKeyFile: write("k.pem", newEdKey(t, "").pemBytes(t)), Secret: []byte("short")}); err == nil {
		v.Close()
		t.Error("NewVerifier accepted a short secret beside a key file")
	}
}

// jwksServer serves a JWK Set that the test can rotate, counting fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []testKey
	fetches atomic.Int64
}

func newJWKSServer(t *testing.T, keys ...testKey) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		set := struct {
			Keys []map[string]string `json:"keys"`
		}{Keys: []map[string]string{}}
		for _, k := range s.keys {
			set.Keys = append(set.Keys, k.jwk())
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) rotate(keys ...testKey) {
	s.mu.Lock()
	s.keys = keys
	s.mu.Unlock()
}

// jwksConfig points at s with a long background refresh and unknown-kid
// interval, so that every fetch in the test is one the test caused.
func jwksConfig(s *jwksServer) auth.Config {
	return auth.Config{
		JWKSURL:                s.URL,
		JWKSClient:             s.Client(),
		JWKSRefreshInterval:    time.Hour,
		JWKSUnknownKIDInterval: time.Hour,
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	rsaKey, ecKey, edKey := newRSAKey(t, "rsa-1"), newECKey(t, "ec-1"), newEdKey(t, "ed-1")
	srv := newJWKSServer(t, rsaKey, ecKey, edKey)
	v := asymVerifier(t, jwksConfig(srv))
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("fetches after start = %d, want 1", n)
	}

	for _, k := range []testKey{rsaKey, ecKey, edKey} {
		accepted(t, v, k.alg+" with known kid "+k.kid, k.sign(t, claims()))
		refused(t, v, k.alg+" expired", k.sign(t, with(claims(), "exp", now.Add(-time.Hour).Unix())))
	}
	// A known kid whose key is of another type than the token's alg.
	ecUnderRSAKid := ecKey
	ecUnderRSAKid.kid = rsaKey.kid
	refused(t, v, "ES256 token naming an RSA kid", ecUnderRSAKid.sign(t, claims()))
	// Algorithm confusion: HS256 with the RSA key's PEM or JWK modulus.
	refused(t, v, "HS256 with the RSA PEM as secret", hs256Kid(t, rsaKey.pemBytes(t), rsaKey.kid, claims()))
	refused(t, v, "HS256 with the RSA modulus as secret", hs256Kid(t, rsaKey.priv.Public().(*rsa.PublicKey).N.Bytes(), rsaKey.kid, claims()))
	refused(t, v, "alg none", none(t, claims()))
	// No kid: tried against the set's keys of the token's type only.
	noKid := edKey
	noKid.kid = ""
	accepted(t, v, "EdDSA without kid", noKid.sign(t, claims()))
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("fetches with known kids = %d, want 1", n)
	}

	// Rotation: the server drops rsa-1 for rsa-2; the first token with
	// the new kid makes the verifier fetch the set again.
	rsa2 := newRSAKey(t, "rsa-2")
	srv.rotate(rsa2, ecKey, edKey)
	accepted(t, v, "RS256 with the rotated-in kid", rsa2.sign(t, claims()))
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("fetches after rotation = %d, want 2", n)
	}
	accepted(t, v, "RS256 with the rotated-in kid again", rsa2.sign(t, claims()))
	refused(t, v, "RS256 with the rotated-out kid", rsaKey.sign(t, claims()))
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("fetches after reuse = %d, want 2 (no refetch within the unknown-kid interval)", n)
	}
}

func TestJWKSUnknownKIDFlood(t *testing.T) {
	t.Parallel()
	known := newRSAKey(t, "known")
	srv := newJWKSServer(t, known)
	v := asymVerifier(t, jwksConfig(srv))

	start := time.Now()
	var wg sync.WaitGroup
	var acceptedN atomic.Int64
	for i := 0; i < 200; i++ {
		k := known
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		k.kid = base64.RawURLEncoding.EncodeToString(b)
		tok := k.sign(t, claims())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := v.Subject(tok); err == nil {
				acceptedN.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if n := acceptedN.Load(); n != 0 {
		t.Errorf("%d tokens with unknown kids accepted", n)
	}
	// One fetch at start, at most one more for the whole flood within the
	// unknown-kid interval.
	if n := srv.fetches.Load(); n > 2 {
		t.Errorf("a flood of 200 unknown kids caused %d fetches, want at most 2", n)
	}
	if elapsed > 5*time.Second {
		t.Errorf("the flood took %v; rate-limited kids must be refused without waiting", elapsed)
	}
	accepted(t, v, "known kid after the flood", known.sign(t, claims()))
}

func TestJWKSRefreshInterval(t *testing.T) {
	t.Parallel()
	known := newEdKey(t, "a")
	srv := newJWKSServer(t, known)
	cfg := jwksConfig(srv)
	cfg.JWKSRefreshInterval = 50 * time.Millisecond
	v := asymVerifier(t, cfg)
	next := newEdKey(t, "b")
	srv.rotate(next)
	deadline := time.Now().Add(5 * time.Second)
	for srv.fetches.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.fetches.Load() < 2 {
		t.Fatal("the JWK Set was not refreshed in the background")
	}
	accepted(t, v, "kid rotated in by the background refresh", next.sign(t, claims()))
	// Close stops the background refresh.
	v.Close()
	time.Sleep(100 * time.Millisecond)
	n := srv.fetches.Load()
	time.Sleep(200 * time.Millisecond)
	if m := srv.fetches.Load(); m != n {
		t.Errorf("fetches went on after Close: %d then %d", n, m)
	}
}
