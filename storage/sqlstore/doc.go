// Package sqlstore is the database/sql backend of package storage, for
// SQLite (the embedded default: one file, nothing to install) and
// PostgreSQL (for many server processes sharing one database).
//
// The caller opens the *sql.DB with the driver of its choice and names the
// dialect; the package imports no driver:
//
//	import _ "modernc.org/sqlite"
//	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN("/var/lib/grantry/grantry.db"))
//	db.SetMaxOpenConns(8) // one writer at a time; a few readers
//	db.SetMaxIdleConns(8) // kept open: a new connection prepares again
//	store, err := sqlstore.Open(ctx, db, sqlstore.SQLite)
//
//	import _ "github.com/jackc/pgx/v5/stdlib"
//	db, err := sql.Open("pgx", "postgres://grantry@db.internal/grantry")
//	db.SetMaxOpenConns(20) // below the server's max_connections
//	store, err := sqlstore.Open(ctx, db, sqlstore.Postgres)
//
// For SQLite use the DSN SQLiteDSN returns: write-ahead log, a busy
// timeout, synchronous=NORMAL (durable against a killed process, see
// SQLiteDSN) and foreign keys, set on every connection. Keep the
// connections open (SetMaxIdleConns as high as SetMaxOpenConns): each new
// one parses the schema and prepares its statements again.
//
// # Speed on SQLite
//
// SQLite runs one write transaction at a time, and most of its cost is the
// commit. The writes made at every token or authorization request
// (CreateToken, CreateAuthorizationCode, ConsumeAuthorizationCode) are
// therefore group-committed: concurrent calls are run in one transaction
// on one connection, and each returns only once that transaction has
// committed, so that what is reported stored is stored. The statements
// run most are prepared once per connection. The write-ahead log is
// bounded: the writer asks for a checkpoint that starts it over once a
// second. CacheClients keeps the clients the token endpoint reads at
// every request. The tokens table is kept in the order of the token ID
// (WITHOUT ROWID) and indexed by expiry and by the family of the tokens
// that join one. A hash with its token's own ID in front (secret.Digest
// of a token from secret.TokenWithID, as the authorization server issues
// them) is found by the primary key; the other access and refresh hashes
// are in unique indexes of their own. A token whose ID sorts by time
// (secret.OrderedID, as the authorization server makes them) is thus
// written at the end of the table and of the expiry index, and into no
// other index.
//
// # Schema
//
// The schema is created and upgraded by versioned migrations embedded in
// the package, one set per dialect, recorded in the table
// schema_migrations. Open applies them; New does not, for a deployment
// that runs Migrate once, apart. Migrate is safe to run again and from
// several processes at once.
//
// # Atomicity
//
// ConsumeAuthorizationCode is one conditional UPDATE ... RETURNING, so of
// concurrent redemptions of one code exactly one wins. RotateRefreshToken
// is one transaction whose conditional UPDATE (revoked is still false)
// picks the one winner and stores the next token; a loser's transaction
// changes nothing, and the reuse then revokes the family with RevokeFamily,
// a transaction of its own. Every write of several rows is one transaction.
// A revoked family stays revoked: RevokeFamily marks it and revokes its
// tokens, and a token stored in it later is stored revoked. On PostgreSQL a
// per-family advisory lock, shared by the transactions that store a token
// and exclusive for RevokeFamily, orders them so that no token escapes
// both. Concurrent writes of tokens and codes are committed together, a
// group commit: on SQLite in one transaction on one connection, on
// PostgreSQL (through pgx's stdlib driver) in one pgx batch, one
// transaction and one round trip. Each call returns once the transaction
// holding its write has committed, and a write refused on its own account
// (a taken key, a used code) fails alone. On SQLite, transactions begin
// IMMEDIATE and writers queue on the busy timeout, once: a write still locked out after it fails with
// storage.ErrUnavailable. A transient conflict (SQLite stale snapshot or
// locked table, PostgreSQL serialization failure or deadlock) is retried a
// few times with a randomised pause.
//
// # Secrets at rest
//
// Codes and tokens are stored under the SHA-256 digests the storage
// records carry, never in the clear, and a client's SecretHash must be a
// hash made by secret.HashSecret or secret.HashPassword: anything else is
// refused with ErrPlainSecret. A copy of the database yields no usable
// credential. A secret.Cache, set as authserver.Config.SecretCache, spares
// the token endpoint the argon2id verification of an imported secret at
// every request.
//
// # Failures
//
// Errors that say the database cannot be reached — refused or broken
// connections, timeouts, a server shutting down, a SQLite database still
// locked after the busy timeout — wrap storage.ErrUnavailable, which the
// authorization server answers with 503 temporarily_unavailable, logging
// the cause. database/sql replaces broken connections, so the store
// recovers by itself once the database is back. Driver errors never reach
// a response; they are kept as the cause for the log.
//
// Times are stored as microseconds since the Unix epoch, in integer
// columns that compare alike in both dialects.
package sqlstore
