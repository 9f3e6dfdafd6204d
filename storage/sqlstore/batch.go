package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// Group commit. On SQLite, one write transaction runs at a time and most of
// its cost is the commit, not the row. The writes that the token and
// authorize endpoints make at every request (store a token, store or
// consume a code) therefore go through one queue: whichever caller finds
// no batch running starts a goroutine that takes every write queued so far,
// runs them in one transaction and commits, and goes on while writes come
// (under load it lets a few more gather first; see take). Each caller
// returns only once the transaction holding its write has committed, so a write
// reported done is as durable as any other commit. A write that fails on
// its own (a taken key, no row) fails alone: SQLite undoes the one
// statement and the transaction goes on. Any other failure rolls the batch
// back, and its writes are run again one transaction each, so that no
// write fails for another's fault.
//
// The leader also bounds the write-ahead log (see checkpoint).

// batchOp is one write of a batch. run executes it in the batch's
// transaction; the error it returns is the write's own.
type batchOp struct {
	run func(ctx context.Context, b *batchTx) error
	outcome
}

// outcome is how a queued write ends: err is set before done is closed,
// when the write's batch has ended.
type outcome struct {
	err  error
	done chan struct{}
}

// fail sets the write's error.
func (o *outcome) fail(err error) { o.err = err }

// wait returns the write's error once its batch has ended. When ctx ends
// first, it returns ctx.Err(), and the write may or may not be committed.
func (o *outcome) wait(ctx context.Context) error {
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// batcher is the queue of writes waiting for a batch.
type batcher struct {
	mu      sync.Mutex
	pending []*batchOp
	running bool          // a goroutine is running batches
	idle    bool          // it waits for writes (see linger)
	wake    chan struct{} // wakes it, buffered 1

	lastCheckpoint time.Time // only the running goroutine uses it
}

// maxBatch bounds the writes of one transaction.
const maxBatch = 256

// batchTx is the transaction of a batch, running the store's prepared
// statements.
type batchTx struct {
	s  *Store
	tx *sql.Tx
}

// batchQueries are the queries of batched writes, prepared before the
// first batch: preparing takes a connection of the pool, which inside the
// transaction may be the last one.
var batchQueries = []string{insertToken, insertFamilyHead, insertPlainHead, insertCode, consumeCode, selectCode}

// stmt returns the transaction's use of the prepared statement of query,
// or nil when query is not prepared.
func (b *batchTx) stmt(ctx context.Context, query string) *sql.Stmt {
	c := &b.s.cache
	c.mu.RLock()
	st := c.stmts[query]
	c.mu.RUnlock()
	if st == nil {
		return nil
	}
	return b.tx.StmtContext(ctx, st)
}

func (b *batchTx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := b.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return b.tx.ExecContext(ctx, query, args...)
}

func (b *batchTx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := b.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return b.tx.QueryRowContext(ctx, query, args...)
}

// write runs fn in a batched transaction and returns its error once that
// transaction has ended. When ctx ends first, write returns ctx.Err(), and
// the write may or may not be committed.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, b *batchTx) error) error {
	op := &batchOp{run: fn, outcome: outcome{done: make(chan struct{})}}
	w := &s.batch
	w.mu.Lock()
	w.pending = append(w.pending, op)
	switch {
	case !w.running:
		w.running = true
		if w.wake == nil {
			w.wake = make(chan struct{}, 1)
		}
		go s.drain(context.WithoutCancel(ctx))
	case w.idle:
		w.idle = false
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	w.mu.Unlock()
	return op.wait(ctx)
}

// drain runs batches while writes are queued, and ends once none has come
// for writerLinger (see take). It runs to its end whatever
// becomes of the context of the write that started it. The batches run on
// one connection, kept for a second at most: SQLite empties a
// connection's page cache when another connection has written, so the
// writer's cache stays warm only if it is always the same connection.
func (s *Store) drain(ctx context.Context) {
	for _, q := range batchQueries {
		_, _ = s.stmt(ctx, q) // a failure shows in the batch
	}
	var conn *sql.Conn
	defer func() { s.releaseWriter(ctx, conn) }()
	linger := time.NewTimer(writerLinger)
	defer linger.Stop()
	var batch []*batchOp
	for {
		if batch = s.take(linger, len(batch)); batch == nil {
			return
		}
		if conn == nil {
			conn = s.writerConn(ctx) // nil on failure: the batch then fails on a connection of its own
		}
		s.runBatch(ctx, conn, batch)
		for _, op := range batch {
			close(op.done)
		}
		if s.checkpoint(ctx, conn) && conn != nil {
			// Give the connection back now and then, lest a small pool
			// starve its readers.
			s.releaseWriter(ctx, conn)
			conn = nil
		}
	}
}

// gatherBelow and gatherYields shape batches under load: when fewer than
// gatherBelow writes are queued after a batch of several, the writer
// yields its thread up to gatherYields times first, so that the requests
// on their way add their writes to the batch. Each commit costs about as
// much as several writes, so that fewer, larger batches leave more of the
// processor to the requests. A lone write (the last batch had one) is run
// at once.
const (
	gatherBelow  = 16
	gatherYields = 4
)

// take returns the next batch, after a batch of last writes, or nil when
// the writer is to end (it is then no longer running).
func (s *Store) take(linger *time.Timer, last int) []*batchOp {
	w := &s.batch
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 && !s.linger(linger) {
		w.running = false
		w.pending = nil
		return nil
	}
	for i := 0; i < gatherYields && len(w.pending) < gatherBelow && last > 1; i++ {
		w.mu.Unlock()
		runtime.Gosched()
		w.mu.Lock()
	}
	n := min(len(w.pending), maxBatch)
	batch := w.pending[:n:n]
	w.pending = w.pending[n:]
	return batch
}

// writerLinger is how long the writer waits for the next write once the
// queue is empty before it gives its connection back and ends: under load
// the queue runs empty between batches many times a second, and starting
// the writer over each time (a goroutine, the connection and its pragma)
// costs more than the batch.
const writerLinger = 2 * time.Millisecond

// linger waits, with w.mu held and the queue empty, up to writerLinger
// for a write, and reports whether one came; w.mu is held again when it
// returns.
func (s *Store) linger(t *time.Timer) bool {
	w := &s.batch
	w.idle = true
	w.mu.Unlock()
	t.Reset(writerLinger)
	select {
	case <-w.wake:
	case <-t.C:
	}
	w.mu.Lock()
	w.idle = false
	select { // a wake sent after the timer fired
	case <-w.wake:
	default:
	}
	return len(w.pending) > 0
}

// writerAutoCheckpoint is the wal_autocheckpoint, in pages, of the
// writer's connection while it runs batches. SQLite's default, 1000, runs
// a checkpoint (and an fsync) in the commit that crosses it, stalling the
// writer, and copies hot pages back again and again; ten times fewer
// checkpoints copy each page fewer times, and the checkpoint of each
// second (see checkpoint) keeps the log from growing past about 40 MB.
const writerAutoCheckpoint = 10000

// writerConn takes the connection the batches run on, or returns nil.
func (s *Store) writerConn(ctx context.Context) *sql.Conn {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = "+strconv.Itoa(writerAutoCheckpoint)); err != nil {
		_ = conn.Close()
		return nil
	}
	return conn
}

// releaseWriter gives the writer's connection back to the pool, with
// SQLite's default automatic checkpoints again.
func (s *Store) releaseWriter(ctx context.Context, conn *sql.Conn) {
	if conn == nil {
		return
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 1000"); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = conn.Close()
}

// runBatch runs the writes of batch in one transaction and sets the error
// of each (see runSplit).
func (s *Store) runBatch(ctx context.Context, conn *sql.Conn, batch []*batchOp) {
	runSplit(ctx, batch, func(batch []*batchOp) error { return s.runTx(ctx, conn, batch) })
}

// runSplit runs batch with run, tried again while its failure is one to
// retry. When the batch as a whole fails, each write of a batch of several
// is run again alone, so that no write fails for another's fault; the
// failure of a write alone is its own.
func runSplit[Op interface{ fail(error) }](ctx context.Context, batch []Op, run func([]Op) error) {
	err := retry(ctx, func() error { return run(batch) })
	if err == nil {
		return
	}
	if len(batch) == 1 {
		batch[0].fail(err)
		return
	}
	for _, op := range batch {
		runSplit(ctx, []Op{op}, run)
	}
}

// runTx runs batch in one transaction. The error it returns is the
// transaction's; each write's own is kept in its op.
func (s *Store) runTx(ctx context.Context, conn *sql.Conn, batch []*batchOp) error {
	var (
		tx  *sql.Tx
		err error
	)
	if conn != nil {
		tx, err = conn.BeginTx(ctx, nil)
	} else {
		tx, err = s.db.BeginTx(ctx, nil)
	}
	if err != nil {
		return err
	}
	b := &batchTx{s: s, tx: tx}
	for _, op := range batch {
		op.err = op.run(ctx, b)
		if op.err != nil && !ownError(op.err) {
			_ = tx.Rollback()
			return op.err
		}
	}
	return tx.Commit()
}

// ownError reports an error that concerns one statement alone, after
// which the transaction goes on: no row, or a taken key (SQLite undoes the
// failing statement only).
func ownError(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || isUnique(err)
}

// checkpointEvery is how often the writer copies the write-ahead log back
// into the database and starts it over.
const checkpointEvery = time.Second

// checkpoint bounds the write-ahead log. SQLite's automatic checkpoints
// copy pages back into the database but start the log over only when no
// reader is using it, which under steady load never happens: the log then
// grows without end (hundreds of megabytes in a minute). Once a second the
// writer asks for a RESTART checkpoint, which waits (up to the busy
// timeout) for the readers of the log to finish, so that the next commit
// writes from its start; journal_size_limit (see SQLiteDSN) then cuts the
// file back. A checkpoint that fails is tried again a second later.
// It reports whether it ran.
func (s *Store) checkpoint(ctx context.Context, conn *sql.Conn) bool {
	w := &s.batch
	now := time.Now()
	if now.Sub(w.lastCheckpoint) < checkpointEvery {
		return false
	}
	w.lastCheckpoint = now
	const restart = "PRAGMA wal_checkpoint(RESTART)"
	if conn != nil {
		_, _ = conn.ExecContext(ctx, restart)
	} else {
		_, _ = s.db.ExecContext(ctx, restart)
	}
	return true
}
