package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/grantry/grantry/storage"
)

// The drivers' error types are recognised by their methods, so that the
// package imports no driver: pgx's *pgconn.PgError has SQLState, and
// modernc.org/sqlite's *sqlite.Error has Code.
type (
	sqlStater   interface{ SQLState() string }
	sqliteCoder interface{ Code() int }
)

// SQLite result codes (https://sqlite.org/rescode.html).
const (
	sqliteBusy             = 5
	sqliteBusySnapshot     = sqliteBusy | 2<<8
	sqliteLocked           = 6
	sqliteIOErr            = 10
	sqliteFull             = 13
	sqliteCantOpen         = 14
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

// wrap turns a driver error into what the storage contract promises:
// storage.ErrNotFound for no row, storage.ErrExists for a taken key, and an
// error wrapping storage.ErrUnavailable when the database cannot be
// reached. Every other error is wrapped with the operation's name. The
// driver's error is kept in the chain, for the server's log and for
// errors.As.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return storage.ErrNotFound
	case isUnique(err):
		return storage.ErrExists
	case isUnavailable(err):
		return fmt.Errorf("%w: sqlstore: %s: %w", storage.ErrUnavailable, op, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// isUnique reports a unique or primary key violation.
func isUnique(err error) bool {
	if errors.Is(err, errTaken) {
		return true
	}
	var st sqlStater
	if errors.As(err, &st) {
		return st.SQLState() == "23505" // unique_violation
	}
	var c sqliteCoder
	if errors.As(err, &c) {
		return c.Code() == sqliteConstraintUnique || c.Code() == sqliteConstraintPK
	}
	return false
}

// isUnavailable reports an error that says the database cannot be reached
// or cannot serve now, as opposed to one about the request.
func isUnavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var st sqlStater
	if errors.As(err, &st) {
		return unavailableState(st.SQLState())
	}
	var c sqliteCoder
	if errors.As(err, &c) {
		switch c.Code() & 0xff {
		case sqliteBusy, sqliteLocked, sqliteIOErr, sqliteFull, sqliteCantOpen:
			return true
		}
		return false
	}
	// database/sql's error for a closed *sql.DB is not exported.
	return strings.Contains(err.Error(), "sql: database is closed")
}

// unavailableState reports the PostgreSQL error classes of an unreachable
// or overloaded server (PostgreSQL documentation, Appendix A).
func unavailableState(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"), // connection exception
		strings.HasPrefix(code, "53"),                     // insufficient resources
		strings.HasPrefix(code, "58"),                     // system error
		code == "57P01", code == "57P02", code == "57P03": // shutdown, cannot connect now
		return true
	}
	return false
}

// retryable reports a transient conflict worth running a transaction
// again for: PostgreSQL's serialization failure or deadlock, SQLite's
// locked table, and SQLite's stale snapshot (SQLITE_BUSY_SNAPSHOT), which
// a new transaction does not meet. Any other SQLite busy error comes after
// the busy timeout of the DSN was waited out: waiting again would only
// delay the answer, so it is not retried.
func retryable(err error) bool {
	var c sqliteCoder
	if errors.As(err, &c) {
		return c.Code() == sqliteBusySnapshot || c.Code()&0xff == sqliteLocked
	}
	var st sqlStater
	if errors.As(err, &st) {
		return st.SQLState() == "40001" || st.SQLState() == "40P01"
	}
	return false
}
