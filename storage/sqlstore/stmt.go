package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the prepared statements of the queries the store runs
// most, so that SQLite parses and plans each once per connection instead
// of at every call. database/sql prepares a *sql.Stmt again on each
// connection it meets, once, and forgets the connections it closes. The
// keys are the package's constant queries: the cache is bounded by them.
//
// PostgreSQL needs none of this: the pgx driver caches the statements it
// prepares on each connection itself.
type stmtCache struct {
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// stmt returns the prepared statement of query, preparing it on first use.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c := &s.cache
	c.mu.RLock()
	st, ok := c.stmts[query]
	c.mu.RUnlock()
	if ok {
		return st, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.stmts == nil {
		c.stmts = make(map[string]*sql.Stmt)
	}
	c.stmts[query] = st
	return st, nil
}

// queryRow runs query, which returns at most one row, through its
// prepared statement on SQLite.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s.d == SQLite {
		if st, err := s.stmt(ctx, query); err == nil {
			return st.QueryRowContext(ctx, args...)
		}
		// The same query unprepared reports why it cannot run.
	}
	return s.db.QueryRowContext(ctx, query, args...)
}

// exec runs query through its prepared statement on SQLite.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.d == SQLite {
		st, err := s.stmt(ctx, query)
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return s.db.ExecContext(ctx, query, args...)
}
