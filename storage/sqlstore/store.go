package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/grantry/grantry/storage"
)

// Dialect names the SQL database behind a *sql.DB.
type Dialect int

// The supported dialects.
const (
	// SQLite is SQLite 3.37 or later, as the modernc.org/sqlite driver
	// provides it.
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL 12 or later, as the pgx stdlib driver
	// provides it.
	Postgres
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// Store keeps clients, authorization codes and tokens in a SQL database.
// It implements storage.ClientRegistry, storage.CodeStore,
// storage.TokenStore, storage.Purger, storage.SigningKeyStore,
// storage.SessionStore, storage.LogoutQueue and storage.ReplayCache, and
// is safe for concurrent use.
type Store struct {
	// Now returns the current time, by which the replay cache decides
	// that a JWT ID expired; nil means time.Now. Set it before the store
	// is used.
	Now func() time.Time

	db      *sql.DB
	d       Dialect
	cache   stmtCache // SQLite's prepared statements
	batch   batcher   // SQLite's group commit of tokens and codes
	pgBatch pgBatcher // PostgreSQL's (pgbatch.go)
	clients clientCache
}

// Interface checks.
var (
	_ storage.ClientRegistry  = (*Store)(nil)
	_ storage.CodeStore       = (*Store)(nil)
	_ storage.TokenStore      = (*Store)(nil)
	_ storage.Purger          = (*Store)(nil)
	_ storage.SigningKeyStore = (*Store)(nil)
	_ storage.SessionStore    = (*Store)(nil)
	_ storage.LogoutQueue     = (*Store)(nil)
	_ storage.ReplayCache     = (*Store)(nil)
)

// New returns a store over db, which must be a database of dialect d whose
// schema is migrated (see Migrate). It does no I/O. It panics on an unknown
// dialect, a programming error.
func New(db *sql.DB, d Dialect) *Store {
	if d != SQLite && d != Postgres {
		panic("sqlstore: unknown dialect " + d.String())
	}
	return &Store{db: db, d: d}
}

// Open returns a store over db after migrating its schema to the latest
// version.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	s := New(db, d)
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// DB returns the database the store uses.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.d }
