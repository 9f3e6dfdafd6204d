package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/grantry/grantry/storage"
)

// Group commit on PostgreSQL. Every token and authorization-code write of
// the token and authorize endpoints costs PostgreSQL a round trip, a
// transaction and a commit, whose share of the work is the larger one. The
// writes therefore go through one queue, as on SQLite (see write): the
// caller that finds fewer than pgInFlight batches running starts a
// goroutine that takes every write queued so far (at most maxBatch) and
// sends their statements to PostgreSQL at once, in one pgx batch: one
// round trip and one commit for all of them. Each caller returns only
// once its batch's commit is acknowledged.
//
// The batch is a pipeline ending in a single Sync, which PostgreSQL runs
// as one implicit transaction: it commits at the Sync, and any statement
// that fails rolls back the whole of it. The statements are therefore
// written not to fail on a write's own account: an insert whose keys are
// taken does nothing (ON CONFLICT DO NOTHING) and reports it by changing
// no row, and a consumption that finds no unused code is followed by the
// read that tells a used code from an unknown one. A batch that fails
// anyway (a broken connection, a deadlock, a trigger's error) is run again
// when the failure is transient (retry), and otherwise each of its writes
// is run again in a batch of its own, so that no write fails for
// another's fault.
//
// Each statement of a batch still reads what was committed when it began
// (READ COMMITTED), so a family lock taken by one statement covers the
// statements that follow it in the batch, exactly as in the transaction
// of CreateToken. pgx prepares each statement once per connection and
// keeps it (its default QueryExecModeCacheStatement, which the stdlib
// driver keeps), so a batch binds and executes statements already parsed.

// Conflict-free forms of the batched inserts.
const (
	insertTokenOrNothing      = insertToken + ` ON CONFLICT DO NOTHING`
	insertFamilyHeadOrNothing = insertFamilyHead + ` ON CONFLICT DO NOTHING`
	insertGuardedOrNothing    = insertGuarded + ` ON CONFLICT DO NOTHING`
	insertCodeOrNothing       = insertCode + ` ON CONFLICT DO NOTHING`
)

// pgOp is one write of a PostgreSQL batch. queue adds its statements to
// the batch; read reads their results, in order, and returns the error of
// a statement that failed, which fails the batch. The write's own outcome
// (a taken key, no such code) is read's to keep, not to return.
type pgOp struct {
	queue func(b *pgx.Batch)
	read  func(br pgx.BatchResults) error
	outcome
}

// pgBatcher is the queue of writes waiting for a PostgreSQL batch.
type pgBatcher struct {
	mu      sync.Mutex
	pending []*pgOp
	running int // goroutines running batches, at most pgInFlight
}

// pgInFlight bounds the batches sent and not yet committed, a quarter of
// the 32 connections of grantry serve's pool. Much of a batch's time is
// the wait for its commit to reach the disk and for its turn on a busy
// machine; while one batch waits, the writes queued meanwhile go in
// another, and PostgreSQL flushes the log of concurrent commits together.
// More batches in flight are smaller ones, each costing PostgreSQL a
// commit: on a 2-core machine shared with other work, 16 gave 1.15–1.4
// times the tokens per second of 4 under heavy load, and 8 gave 1.1–1.4
// times those of 16 under lighter load, for less CPU per token.
const pgInFlight = 8

// pgWrite queues op and returns its error once its batch has ended. When
// ctx ends first, it returns ctx.Err(), and the write may or may not be
// committed.
func (s *Store) pgWrite(ctx context.Context, op *pgOp) error {
	op.done = make(chan struct{})
	w := &s.pgBatch
	w.mu.Lock()
	w.pending = append(w.pending, op)
	if w.running < pgInFlight {
		w.running++
		go s.pgDrain(context.WithoutCancel(ctx))
	}
	w.mu.Unlock()
	return op.wait(ctx)
}

// pgDrain runs batches while writes are queued. It runs to its end
// whatever becomes of the context of the write that started it.
func (s *Store) pgDrain(ctx context.Context) {
	w := &s.pgBatch
	for {
		w.mu.Lock()
		n := min(len(w.pending), maxBatch)
		if n == 0 {
			w.running--
			if w.running == 0 {
				w.pending = nil
			}
			w.mu.Unlock()
			return
		}
		batch := w.pending[:n:n]
		w.pending = w.pending[n:]
		w.mu.Unlock()
		s.pgRunBatch(ctx, batch)
		for _, op := range batch {
			close(op.done)
		}
	}
}

// pgRunBatch runs the writes of batch in one transaction and sets the
// error of each (see runSplit).
func (s *Store) pgRunBatch(ctx context.Context, batch []*pgOp) {
	runSplit(ctx, batch, func(batch []*pgOp) error { return s.pgSend(ctx, batch) })
}

// pgSend sends batch as one pgx batch and reads its results. The error it
// returns is the batch's: nil once its transaction has committed. It runs
// on a connection of the pool, which pgx closes when a failure leaves it
// out of step with the server; the pool then drops it.
func (s *Store) pgSend(ctx context.Context, batch []*pgOp) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		dc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return errors.New("sqlstore: a PostgreSQL batch needs the pgx stdlib driver")
		}
		b := &pgx.Batch{}
		for _, op := range batch {
			op.queue(b)
		}
		br := dc.Conn().SendBatch(ctx, b)
		var err error
		for _, op := range batch {
			op.err = nil
			if err = op.read(br); err != nil {
				break
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// usesBatch reports whether the store's writes of tokens and codes go
// through the PostgreSQL group commit: on PostgreSQL through the pgx
// stdlib driver.
func (s *Store) usesBatch() bool {
	if s.d != Postgres {
		return false
	}
	_, ok := s.db.Driver().(*stdlib.Driver)
	return ok
}

// pgCreateToken is CreateToken in the PostgreSQL group commit: the insert
// of the token, after the shared lock of its family when it joins a family
// begun before it, without the look at the revoked families when it
// begins its own. Keys taken already leave the insert without a row.
func (s *Store) pgCreateToken(ctx context.Context, t *storage.Token, args []any) error {
	head := t.FamilyID == t.ID
	locks := t.FamilyID != "" && !head
	query := insertTokenOrNothing
	switch {
	case guarded(t):
		query = insertGuardedOrNothing
	case head:
		query = insertFamilyHeadOrNothing
	}
	var taken bool
	err := s.pgWrite(ctx, &pgOp{
		queue: func(b *pgx.Batch) {
			if locks {
				b.Queue(lockFamilyShared, t.FamilyID)
			}
			b.Queue(query, args...)
		},
		read: func(br pgx.BatchResults) error {
			if locks {
				if _, err := br.Exec(); err != nil {
					return err
				}
			}
			tag, err := br.Exec()
			taken = err == nil && tag.RowsAffected() == 0
			return err
		},
	})
	if err == nil && taken {
		return storage.ErrExists
	}
	return wrap("create token", err)
}

// pgCreateCode is CreateAuthorizationCode in the PostgreSQL group commit.
func (s *Store) pgCreateCode(ctx context.Context, args []any) error {
	var taken bool
	err := s.pgWrite(ctx, &pgOp{
		queue: func(b *pgx.Batch) { b.Queue(insertCodeOrNothing, args...) },
		read: func(br pgx.BatchResults) error {
			tag, err := br.Exec()
			taken = err == nil && tag.RowsAffected() == 0
			return err
		},
	})
	if err == nil && taken {
		return storage.ErrExists
	}
	return wrap("create authorization code", err)
}

// pgConsumeCode is ConsumeAuthorizationCode in the PostgreSQL group
// commit: the conditional UPDATE, then the read of the code, which tells a
// code used before from an unknown one when the UPDATE changed no row.
func (s *Store) pgConsumeCode(ctx context.Context, hash, clientID string, now time.Time) (*storage.AuthorizationCode, error) {
	var (
		code *storage.AuthorizationCode
		used bool
	)
	err := s.pgWrite(ctx, &pgOp{
		queue: func(b *pgx.Batch) {
			b.Queue(consumeCode, micros(now), hash, clientID)
			b.Queue(selectCode, hash, clientID)
		},
		read: func(br pgx.BatchResults) error {
			code, used = nil, false
			var err error
			code, err = scanCode(br.QueryRow())
			if err == nil {
				_, err = br.Exec() // the read, not needed
				return err
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			code, err = scanCode(br.QueryRow())
			used = err == nil
			if errors.Is(err, sql.ErrNoRows) {
				return nil // an unknown code: code stays nil
			}
			return err
		},
	})
	return consumed(code, used, err)
}
