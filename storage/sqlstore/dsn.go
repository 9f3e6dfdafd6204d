package sqlstore

import "strings"

// SQLiteDSN returns the data source name with which to open the SQLite
// file at path through modernc.org/sqlite (driver name "sqlite"):
//
//	file:PATH?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=journal_size_limit(67108864)&_pragma=mmap_size(268435456)&_txlock=immediate
//
// Each pragma is set on every connection of the pool: a writer waits up to
// five seconds for the write lock instead of failing at once, readers and
// the one writer do not block each other (write-ahead log), foreign keys
// are enforced, the log file is cut back to 64 MB when it starts over,
// readers map up to 256 MB of the file instead of copying pages, and a
// transaction begun by database/sql takes the write lock at once.
//
// synchronous=NORMAL: in WAL mode a commit writes the log but does not
// wait for the disk (fsync) except at checkpoints. A commit is in the
// operating system's cache once it returns, so it survives the process
// being killed (kill -9, a crash, an out-of-memory kill): a token the
// server answered is there when it restarts. A power loss or a kernel
// crash may lose the last commits before a checkpoint, never corrupt the
// file. synchronous=FULL would fsync at every commit, for that case too,
// at the cost of one disk flush per group commit; open with your own DSN
// to choose it. The characters of path that a URI gives a meaning to are
// escaped.
func SQLiteDSN(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path) +
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)" +
		"&_pragma=journal_size_limit(67108864)&_pragma=mmap_size(268435456)&_txlock=immediate"
}
