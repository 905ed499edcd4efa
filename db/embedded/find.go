package embedded

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoBinaries reports that no directory holding initdb, pg_ctl and postgres
// was found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found " +
	"(looked in PG_BIN, pg_config --bindir, /usr/lib/postgresql/*/bin, PATH): " +
	"install the postgresql package (apt-get install postgresql) or set DATABASE_URL")

// versionedRoot holds one <version>/bin directory per installed major version
// (the Debian/Ubuntu layout). It is a variable so tests can point it elsewhere.
var versionedRoot = "/usr/lib/postgresql"

// requiredBinaries must all be executable in a directory for it to count.
var requiredBinaries = []string{"initdb", "pg_ctl", "postgres"}

// FindBinDir returns the directory of the PostgreSQL server binaries. It tries,
// in order, $PG_BIN, `pg_config --bindir`, the newest
// /usr/lib/postgresql/<version>/bin and the directory of initdb on $PATH,
// returning the first that holds executable initdb, pg_ctl and postgres.
// Debian puts only client wrappers on PATH, hence the earlier steps.
func FindBinDir() (string, error) {
	for _, candidates := range []func() []string{
		func() []string { return []string{os.Getenv("PG_BIN")} },
		pgConfigBinDir,
		versionedBinDirs,
		pathBinDirs,
	} {
		for _, dir := range candidates() {
			if dir != "" && hasBinaries(dir) {
				return dir, nil
			}
		}
	}
	return "", ErrNoBinaries
}

// hasBinaries reports whether dir holds all of requiredBinaries as executable
// regular files (symlinks followed).
func hasBinaries(dir string) bool {
	for _, name := range requiredBinaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// pgConfigBinDir asks pg_config (found on PATH) where the binaries live.
func pgConfigBinDir() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "pg_config", "--bindir").Output()
	if err != nil {
		return nil
	}
	return []string{strings.TrimSpace(string(out))}
}

// versionedBinDirs lists versionedRoot/*/bin, newest version first.
func versionedBinDirs() []string {
	dirs, _ := filepath.Glob(filepath.Join(versionedRoot, "*", "bin"))
	version := func(dir string) []int {
		var v []int
		for part := range strings.SplitSeq(filepath.Base(filepath.Dir(dir)), ".") {
			n, err := strconv.Atoi(part)
			if err != nil {
				return nil // not a version: sorts last
			}
			v = append(v, n)
		}
		return v
	}
	slices.SortStableFunc(dirs, func(a, b string) int {
		return slices.Compare(version(b), version(a))
	})
	return dirs
}

// pathBinDirs returns the directory of initdb found on PATH and, when that is
// a symlink, the directory it resolves to (where postgres usually sits).
func pathBinDirs() []string {
	p, err := exec.LookPath("initdb")
	if err != nil {
		return nil
	}
	dirs := []string{filepath.Dir(p)}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		dirs = append(dirs, filepath.Dir(real))
	}
	return dirs
}
