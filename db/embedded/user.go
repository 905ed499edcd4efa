package embedded

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// account is the unprivileged user the binaries run as when we are root.
type account struct {
	name     string
	uid, gid uint32
}

// credential makes a child process run as a, with no supplementary groups, so
// that only a's uid and primary gid decide what it may access.
func (a *account) credential() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: []uint32{}}}
}

// lookupAccount returns the "postgres" user, or "nobody" when there is none.
func lookupAccount() (*account, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		return accountOf(u)
	}
	return nil, errors.New("running as root, but neither user postgres nor nobody exists to run the server as")
}

func accountOf(u *user.User) (*account, error) {
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", u.Username, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", u.Username, u.Gid, err)
	}
	return &account{name: u.Username, uid: uint32(uid), gid: uint32(gid)}, nil
}

// ownerAccount returns the non-root owner of an existing directory, so that a
// cluster a developer created as themselves keeps running as them under sudo.
// It returns nil when dir does not exist or belongs to root.
func ownerAccount(dir string) *account {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return nil
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid == 0 {
		return nil
	}
	if u, err := user.LookupId(strconv.FormatUint(uint64(st.Uid), 10)); err == nil {
		if a, err := accountOf(u); err == nil {
			return a
		}
	}
	return &account{name: "uid " + strconv.FormatUint(uint64(st.Uid), 10), uid: st.Uid, gid: st.Gid}
}

// traversable reports whether a (without supplementary groups) may search
// every directory from / down to dir, judged by the mode bits. ACLs are not
// consulted; a false "no" only costs a relocation.
func traversable(dir string, a *account) bool {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	for p := real; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return false
		}
		st := fi.Sys().(*syscall.Stat_t)
		bit := fs.FileMode(0o001)
		switch {
		case st.Uid == a.uid:
			bit = 0o100
		case st.Gid == a.gid:
			bit = 0o010
		}
		if fi.Mode().Perm()&bit == 0 {
			return false
		}
		if p == "/" {
			return true
		}
	}
}

// ownDir makes dir exist as a real directory (not a symlink) of mode 0700
// owned by the server's user: a when we are root, else ourselves. A directory
// that already belongs to someone else is taken over only when trusted (it
// lies inside the caller's data dir) or root-owned; in shared places such as
// /tmp a foreign owner is an error, since that user could read our socket.
func ownDir(dir string, a *account, trusted bool) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a directory", dir)
	}
	want := uint32(os.Geteuid())
	if a != nil {
		want = a.uid
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != want {
		if a == nil || !(trusted || uid == 0) {
			return fmt.Errorf("%s is owned by uid %d, not %d: remove it or choose another data dir", dir, uid, want)
		}
		if err := os.Lchown(dir, int(a.uid), int(a.gid)); err != nil {
			return err
		}
	}
	if fi.Mode().Perm() != 0o700 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}

// ownFile makes file exist, owned by a when we are root, so that pg_ctl
// (running as a) can append the server log to it.
func ownFile(file string, a *account) error {
	f, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if a != nil {
		return f.Chown(int(a.uid), int(a.gid))
	}
	return nil
}

// hashName names per-data-dir directories in shared places: the first 12 hex
// digits of sha256 of the absolute data dir.
func hashName(absDataDir string) string {
	sum := sha256.Sum256([]byte(absDataDir))
	return "roster-pg-" + hex.EncodeToString(sum[:])[:12]
}

// maxSocketPath is the longest unix socket path PostgreSQL accepts
// (sizeof(sockaddr_un.sun_path) minus the terminating NUL).
const maxSocketPath = 107

// layout is where a cluster's pieces live.
type layout struct {
	base      string   // holds pg/, run/ and postgres.log; cmd dir and HOME
	pgdata    string   // the cluster (PGDATA)
	socketDir string   // unix socket directory
	logFile   string   // server log (pg_ctl -l)
	relocated bool     // base is not the caller's DataDir
	user      *account // run binaries as this user; nil: as ourselves
}

// plan decides the layout for absDataDir, which must exist. As a normal user
// everything sits in the data dir. As root the server runs as the owner of an
// existing cluster or as postgres/nobody, and the cluster moves to
// /var/tmp/roster-pg-<hash> when that user cannot reach the data dir (e.g. it
// lies under /root, mode 0700). The socket moves to /tmp/roster-pg-<hash> when
// its path would be too long.
func plan(absDataDir string) (*layout, error) {
	l := &layout{base: absDataDir}
	if os.Geteuid() == 0 {
		def, err := lookupAccount()
		if err != nil {
			return nil, err
		}
		l.user = def
		if a := ownerAccount(filepath.Join(absDataDir, "pg")); a != nil {
			l.user = a
		}
		if !traversable(absDataDir, l.user) {
			l.base = filepath.Join("/var/tmp", hashName(absDataDir))
			l.relocated = true
			l.user = def
			if a := ownerAccount(filepath.Join(l.base, "pg")); a != nil {
				l.user = a
			}
			if !traversable(filepath.Dir(l.base), l.user) {
				return nil, fmt.Errorf("user %s can reach neither %s nor /var/tmp", l.user.name, absDataDir)
			}
		}
	}
	l.pgdata = filepath.Join(l.base, "pg")
	l.logFile = filepath.Join(l.base, "postgres.log")
	l.socketDir = filepath.Join(l.base, "run")
	if len(l.socketDir)+len("/.s.PGSQL.5432") > maxSocketPath {
		l.socketDir = filepath.Join("/tmp", hashName(absDataDir))
	}
	return l, nil
}

// prepare creates the layout's directories and log file with the right owner.
func (l *layout) prepare() error {
	if l.relocated {
		if err := ownDir(l.base, l.user, false); err != nil {
			return err
		}
	}
	if err := ownDir(l.pgdata, l.user, true); err != nil {
		return err
	}
	if err := ownDir(l.socketDir, l.user, filepath.Dir(l.socketDir) == l.base); err != nil {
		return err
	}
	return ownFile(l.logFile, l.user)
}
