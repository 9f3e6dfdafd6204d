package daemon

import "runtime/debug"

// serveGCPercent is the GOGC of grantry serve when the environment sets
// none. Its live heap is small (about 1 MB under load: SQLite keeps its
// pages outside the Go heap), so that at Go's default of 100 the heap's
// goal is its floor of 4 MB and the collector ran about 70 times a second
// at 24,000 tokens/s. At 400 it runs about 14 times a second, for about
// 12 MB more of resident memory, and the token rate rose 5–10%.
const serveGCPercent = 400

// tuneGC sets GOGC to serveGCPercent unless the environment sets GOGC, and
// reports whether it did.
func tuneGC(env getenv) bool {
	if v, ok := env("GOGC"); ok && v != "" {
		return false
	}
	debug.SetGCPercent(serveGCPercent)
	return true
}
