package embedded

// SetVersionedRoot points FindBinDir's /usr/lib/postgresql step at dir and
// returns a function restoring it.
func SetVersionedRoot(dir string) (restore func()) {
	old := versionedRoot
	versionedRoot = dir
	return func() { versionedRoot = old }
}
