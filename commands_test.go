package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/auth"
	"roster/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// run parses args for a command as main does and runs it.
func runCommand(t *testing.T, cfg config, name string, args ...string) error {
	t.Helper()
	cmd, ok := commandByName(name)
	if !ok {
		t.Fatalf("no command %q", name)
	}
	fs := cmd.flags(&cfg)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cmd.run(cfg, fs)
}

func TestSeedDemo(t *testing.T) {
	sub := "seed-" + uuid.NewString()
	cfg := config{DatabaseURL: dbtest.URL(), DataDir: t.TempDir()}
	if err := runCommand(t, cfg, "seed", "--demo", "--sub", sub); err != nil {
		t.Fatal(err)
	}
	rows, err := dbtest.DB(t).QueryContext(context.Background(), `SELECT c.channel, count(*), count(DISTINCT p.status),
		count(*) FILTER (WHERE p.custom_fields ->> 'industry' IS NOT NULL), (c.stats->>'total')::int
		FROM campaigns c JOIN prospects p ON p.campaign_id = c.id WHERE c.owner = ? GROUP BY c.id ORDER BY 1`, sub)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var channels []string
	for rows.Next() {
		var ch string
		var n, statuses, custom, total int
		if err := rows.Scan(&ch, &n, &statuses, &custom, &total); err != nil {
			t.Fatal(err)
		}
		channels = append(channels, ch)
		if n != demoSize || total != demoSize || statuses != 10 || custom != demoSize {
			t.Errorf("%s campaign: %d prospects, stats total %d, %d statuses, %d with custom fields", ch, n, total, statuses, custom)
		}
	}
	if len(channels) != 2 || channels[0] != "email" || channels[1] != "linkedin" {
		t.Fatalf("campaigns seeded: %v", channels)
	}
	if err := runCommand(t, cfg, "seed"); err == nil {
		t.Error("seed without --demo did not fail")
	}
}

func TestTokenCommandSignsWithTheDevSecret(t *testing.T) {
	cfg := config{DataDir: t.TempDir()}
	ac, dev, err := authConfig(cfg)
	if err != nil || !dev {
		t.Fatalf("dev mode %v, %v", dev, err)
	}
	// The same DATA_DIR gives the same secret: a token printed by the
	// command is accepted by a server started later.
	ac2, _, err := authConfig(cfg)
	if err != nil || string(ac2.Secret) != string(ac.Secret) {
		t.Fatalf("dev secret not kept across runs: %v", err)
	}
	v, err := auth.NewVerifier(ac2)
	if err != nil {
		t.Fatal(err)
	}
	good, err := auth.Issue(ac, "alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if sub, err := v.Subject(good); err != nil || sub != "alice" {
		t.Fatalf("token refused: %v", err)
	}
	if err := runCommand(t, cfg, "token"); err == nil {
		t.Error("token without --sub did not fail")
	}
	if _, _, err := authConfig(config{JWTSecret: "short"}); err == nil {
		t.Error("a JWT_SECRET under 32 bytes was accepted")
	}
}

func TestAuthConfigAsymmetricIsNotDevMode(t *testing.T) {
	for _, cfg := range []config{
		{DataDir: t.TempDir(), JWTKeyFile: "key.pem"},
		{DataDir: t.TempDir(), JWTJWKSURL: "http://127.0.0.1:1/jwks"},
	} {
		ac, dev, err := authConfig(cfg)
		if err != nil || dev || len(ac.Secret) != 0 {
			t.Errorf("%+v: dev %v, secret %d bytes, err %v; want no dev mode and no secret", cfg, dev, len(ac.Secret), err)
		}
		if entries, _ := os.ReadDir(cfg.DataDir); len(entries) != 0 {
			t.Errorf("%+v: a dev secret was written", cfg)
		}
	}
	if _, _, err := authConfig(config{JWTKeyFile: "k.pem", JWTJWKSURL: "http://127.0.0.1:1/jwks"}); err == nil {
		t.Error("both JWT_PUBLIC_KEY_FILE and JWT_JWKS_URL were accepted")
	}
}
