package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"math/rand/v2"
	"time"
)

// querier is what a statement runs on: the *sql.DB, a *sql.Tx or a
// *sql.Conn inside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Retries of a transient conflict (retryable): at most maxAttempts runs,
// with a randomised, doubling pause from firstBackoff up to maxBackoff.
const (
	maxAttempts  = 8
	firstBackoff = 2 * time.Millisecond
	maxBackoff   = 200 * time.Millisecond
)

// retry runs fn until it succeeds, fails with an error that is not a
// transient conflict, the context ends, or maxAttempts runs failed.
func retry(ctx context.Context, fn func() error) error {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		pause := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// txFunc is the body of a transaction. A non-nil err rolls the transaction
// back and is returned. Otherwise the transaction commits and result, which
// may be a domain error such as storage.ErrRefreshReused, is returned.
type txFunc func(q querier) (result, err error)

// inTx runs fn in one transaction, again when it meets a transient
// conflict. On SQLite the transaction begins IMMEDIATE, taking the write
// lock at once, so that two transactions never both read and then fail to
// upgrade; on PostgreSQL it is READ COMMITTED and relies on row locks.
func (s *Store) inTx(ctx context.Context, fn txFunc) error {
	var result error
	err := retry(ctx, func() error {
		var err error
		if s.d == SQLite {
			result, err = s.immediateTx(ctx, fn)
		} else {
			result, err = s.stdTx(ctx, fn)
		}
		return err
	})
	if err != nil {
		return err
	}
	return result
}

func (s *Store) stdTx(ctx context.Context, fn txFunc) (error, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	result, err := fn(tx)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return result, tx.Commit()
}

// immediateTx runs fn between BEGIN IMMEDIATE and COMMIT on one
// connection. database/sql's own transactions cannot choose the locking
// mode without a driver-specific DSN parameter.
//
// The driver reports the end of ctx even for a statement that ran to its
// end, so a BEGIN that fails once ctx has ended may have begun the
// transaction: it is ended (abandon), lest the connection go back to the
// pool in the middle of it. COMMIT runs to its end whatever becomes of
// ctx, so that what is reported is what happened.
func (s *Store) immediateTx(ctx context.Context, fn txFunc) (error, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		if ctx.Err() != nil {
			abandon(ctx, conn)
		}
		return nil, err
	}
	result, err := fn(conn)
	if err == nil {
		_, err = conn.ExecContext(context.WithoutCancel(ctx), "COMMIT")
	}
	if err != nil {
		rollback(ctx, conn)
		return nil, err
	}
	return result, nil
}

// abandon ends the transaction that a BEGIN failing once ctx had ended
// may or may not have opened on conn. A deferred BEGIN, which takes no
// lock, fails inside a transaction and opens one otherwise: either way
// there is one to roll back.
func abandon(ctx context.Context, conn *sql.Conn) {
	_, _ = conn.ExecContext(context.WithoutCancel(ctx), "BEGIN")
	rollback(ctx, conn)
}

// rollbackTimeout bounds a ROLLBACK, which runs even once the context of
// the transaction has ended.
const rollbackTimeout = time.Second

// rollback ends the transaction open on conn, even when ctx has ended. A
// connection that cannot roll back is discarded rather than returned to
// the pool in the middle of a transaction.
func rollback(ctx context.Context, conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}
