package sqlstore

import "strings"

// SQLiteDSN returns the data source name with which to open the SQLite
// file at path through modernc.org/sqlite (driver name "sqlite"):
//
//	file:PATH?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)
//
// Each pragma is set on every connection of the pool: a writer waits up to
// five seconds for the write lock instead of failing at once, readers and
// the one writer do not block each other (write-ahead log), a commit does
// not wait for the disk except at checkpoints (safe in WAL mode: a crash
// may lose the last commits, never corrupt the file), and foreign keys are
// enforced. The characters of path that a URI gives a meaning to are
// escaped.
func SQLiteDSN(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path) +
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)" +
		"&_pragma=journal_size_limit(67108864)&_pragma=mmap_size(268435456)&_txlock=immediate"
}
