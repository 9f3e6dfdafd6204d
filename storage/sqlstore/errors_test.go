package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/grantry/grantry/storage"
)

// pgError and sqliteError have the methods by which the drivers' errors
// are recognised.
type pgError string

func (e pgError) Error() string    { return "ERROR: something (SQLSTATE " + string(e) + ")" }
func (e pgError) SQLState() string { return string(e) }

type sqliteError int

func (e sqliteError) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteError) Code() int     { return int(e) }

func TestWrap(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: neither of the storage errors
	}{
		{"no-rows", sql.ErrNoRows, storage.ErrNotFound},
		{"pg-unique", pgError("23505"), storage.ErrExists},
		{"sqlite-unique", sqliteError(sqliteConstraintUnique), storage.ErrExists},
		{"sqlite-primary-key", sqliteError(sqliteConstraintPK), storage.ErrExists},
		{"wrapped-unique", fmt.Errorf("insert: %w", pgError("23505")), storage.ErrExists},
		{"bad-conn", driver.ErrBadConn, storage.ErrUnavailable},
		{"conn-done", sql.ErrConnDone, storage.ErrUnavailable},
		{"deadline", context.DeadlineExceeded, storage.ErrUnavailable},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, storage.ErrUnavailable},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), storage.ErrUnavailable},
		{"pg-connection-failure", pgError("08006"), storage.ErrUnavailable},
		{"pg-too-many-connections", pgError("53300"), storage.ErrUnavailable},
		{"pg-admin-shutdown", pgError("57P01"), storage.ErrUnavailable},
		{"pg-cannot-connect-now", pgError("57P03"), storage.ErrUnavailable},
		{"sqlite-busy", sqliteError(sqliteBusy), storage.ErrUnavailable},
		{"sqlite-busy-snapshot", sqliteError(sqliteBusy | 2<<8), storage.ErrUnavailable},
		{"sqlite-cantopen", sqliteError(sqliteCantOpen), storage.ErrUnavailable},
		{"closed-db", errors.New("sql: database is closed"), storage.ErrUnavailable},
		{"pg-syntax", pgError("42601"), nil},
		{"pg-not-null", pgError("23502"), nil},
		{"sqlite-not-null", sqliteError(1299), nil},
		{"other", errors.New("boom"), nil},
	}
	all := []error{storage.ErrNotFound, storage.ErrExists, storage.ErrUnavailable}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := wrap("op", tc.err)
			for _, e := range all {
				if errors.Is(got, e) != (e == tc.want) {
					t.Errorf("wrap(%v) = %v: errors.Is(%v) got %t, want %t", tc.err, got, e, !(e == tc.want), e == tc.want)
				}
			}
			if tc.want != storage.ErrNotFound && tc.want != storage.ErrExists && !errors.Is(got, tc.err) {
				t.Errorf("wrap(%v) = %v: got the cause lost, want it wrapped", tc.err, got)
			}
		})
	}
	if err := wrap("op", nil); err != nil {
		t.Errorf("wrap(nil): got %v, want nil", err)
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		// The busy timeout of the DSN was waited out already.
		{"sqlite-busy", sqliteError(sqliteBusy), false},
		{"sqlite-busy-timeout", sqliteError(sqliteBusy | 3<<8), false},
		{"wrapped-sqlite-busy", wrap("op", sqliteError(sqliteBusy)), false},
		// A stale snapshot or a locked table: a new transaction may pass.
		{"sqlite-busy-snapshot", sqliteError(sqliteBusySnapshot), true},
		{"wrapped-sqlite-busy-snapshot", wrap("op", sqliteError(sqliteBusySnapshot)), true},
		{"sqlite-locked", sqliteError(sqliteLocked), true},
		{"sqlite-locked-sharedcache", sqliteError(sqliteLocked | 1<<8), true},
		{"sqlite-unique", sqliteError(sqliteConstraintUnique), false},
		{"pg-serialization-failure", pgError("40001"), true},
		{"pg-deadlock", pgError("40P01"), true},
		{"pg-unique", pgError("23505"), false},
		{"bad-conn", driver.ErrBadConn, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryable(tc.err); got != tc.want {
				t.Errorf("retryable(%v): got %t, want %t", tc.err, got, tc.want)
			}
		})
	}
}
