package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"roster/httpapi"
)

// command is one subcommand of the CLI.
type command struct {
	name, args, summary string
	// env lists the environment variables the command reads.
	env []string
	// define adds the command's own flags; the common ones mirror env.
	define func(fs *flag.FlagSet, cfg *config)
	run    func(cfg config, fs *flag.FlagSet) error
}

var dbEnv = []string{"DATABASE_URL", "DB_MAX_CONNS", "DATA_DIR", "PG_BIN", "LOG_FORMAT"}
var authEnv = []string{"JWT_SECRET", "JWT_PUBLIC_KEY_FILE", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"}
var httpEnv = []string{"GRAPHQL_INTROSPECTION", "CORS_ORIGINS", "CORS_ALLOWED_HEADERS", "RATE_LIMIT_RPS", "RATE_LIMIT_BURST"}
var importEnv = []string{"IMPORT_MAX_BYTES", "IMPORT_MAX_ROWS", "IMPORT_WORKERS", "IMPORT_CHUNK_ROWS"}

var commands = []command{
	{
		name: "serve", summary: "serve the API (the default command)",
		env: append(append(append(append([]string{"ADDR"}, dbEnv...), authEnv...), httpEnv...), importEnv...),
		define: func(fs *flag.FlagSet, cfg *config) {
			fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (ADDR)")
			fs.StringVar(&cfg.CORSHeaders, "cors-allowed-headers", cfg.CORSHeaders,
				"request headers, comma-separated, that the pages of CORS_ORIGINS may send besides the ones always allowed\n("+
					strings.Join(httpapi.DefaultCORSHeaders, ", ")+"):\nadded to those, never replacing them (CORS_ALLOWED_HEADERS)")
		},
		run: serve,
	},
	{name: "migrate", summary: "apply the database migrations and exit", env: dbEnv, run: migrate},
	{
		name: "token", args: "--sub NAME [--ttl 24h]", summary: "print a bearer token for a subject",
		env: append([]string{"DATA_DIR"}, authEnv...),
		define: func(fs *flag.FlagSet, _ *config) {
			fs.String("sub", "", "the token's subject: who owns the campaigns it creates (required)")
			fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
		},
		run: token,
	},
	{
		name: "seed", args: "--demo [--sub dev]", summary: "create demo campaigns with realistic prospects",
		env: dbEnv,
		define: func(fs *flag.FlagSet, _ *config) {
			fs.Bool("demo", false, "create one EMAIL and one LINKEDIN campaign with 10,000 prospects each (required)")
			fs.String("sub", devSubject, "the subject that owns them (the dev token's by default)")
			fs.String("csv", "", "where to write a sample CSV file of leads to import (default DATA_DIR/demo-leads.csv)")
		},
		run: seed,
	},
	{
		name: "import", args: "--campaign ID --file leads.csv [--map \"Work Email=email\"] [--url URL] [--token T]",
		summary: "import a CSV file into a campaign through the API, with a progress bar",
		env:     append([]string{"ADDR", "DATA_DIR"}, authEnv...),
		define: func(fs *flag.FlagSet, _ *config) {
			fs.String("campaign", "", "the DRAFT campaign's id (required)")
			fs.String("file", "", "the CSV file (required)")
			fs.Var(new(mapFlags), "map", "a column's mapping, \"Header=field\" (a field, custom:KEY or ignore); repeat for more")
			fs.String("url", "", "the server's base URL (default http://ADDR)")
			fs.String("token", "", "a bearer token (default: one signed with the configured secret for --sub)")
			fs.String("sub", devSubject, "the subject of the token signed when --token is not given")
		},
		run: importCommand,
	},
	{name: "version", summary: "print the build's version", run: version},
}

func commandByName(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// flags builds the command's flag set; --help lists its flags and the
// environment variables it reads.
func (c command) flags(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	if c.define != nil {
		c.define(fs, cfg)
	}
	if len(c.env) > 0 {
		fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "embedded database and dev secret (DATA_DIR)")
	}
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: roster %s %s\n\n%s.\n", c.name, c.args, capitalize(c.summary))
		if hasFlags(fs) {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
		if len(c.env) > 0 {
			fmt.Fprintf(w, "\nenvironment: %s (see README.md)\n", strings.Join(c.env, ", "))
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: roster [command] [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n`roster COMMAND --help` lists a command's flags and the environment variables it reads.")
}

func version(_ config, _ *flag.FlagSet) error {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Println("roster (no build information)")
		return nil
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		rev = "unknown revision"
	}
	if settings["vcs.modified"] == "true" {
		rev += " (modified)"
	}
	fmt.Fprintf(os.Stdout, "roster %s %s, built with %s\n", info.Main.Version, rev, info.GoVersion)
	return nil
}
