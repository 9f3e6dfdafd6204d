package daemon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
	"github.com/grantry/grantry/storage/redisstore"
	"github.com/grantry/grantry/storage/sqlstore"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/redis/go-redis/v9"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// backend is the storage the server runs on: everything in the database,
// except authorization codes when Redis keeps them.
type backend struct {
	// warnings are what opening the backend found and mended, for serve
	// to log.
	warnings []string
	clients  storage.ClientRegistry
	codes    storage.CodeStore
	tokens   storage.TokenStore
	users    userFinder
	accounts userAdmin
	consents consentStore
	// sessions keeps the sign-in sessions; every backend has them.
	sessions storage.SessionStore
	// logouts is the outbox the sessions store fills as it ends sessions:
	// the server drains it (Back-Channel Logout).
	logouts storage.LogoutQueue
	// pushed keeps pushed authorization requests (RFC 9126), in Redis
	// when --redis is set.
	pushed storage.PushedRequestStore
	// devices keeps device authorizations (RFC 8628).
	devices storage.DeviceStore
	// purger deletes the expired codes, tokens and sessions of the
	// database; nil when it keeps none.
	purger storage.Purger
	// settings shares values between the processes using one database,
	// such as the session key; nil for a store of one process.
	settings settingStore
	// keys keeps the signing keys, sealed.
	keys storage.SigningKeyStore
	// initialTokens keeps the initial access tokens of protected client
	// registration (RFC 7591 §3).
	initialTokens storage.InitialAccessTokenStore
	// replay remembers the jti of client assertions and JWT bearer
	// grants, and the DPoP proofs seen (RFC 9449 §11.1): in the
	// database, or in Redis with --redis.
	replay storage.ReplayCache
	// kekFile is where the key-encryption key of the signing keys is kept
	// when none is given: next to an SQLite file; "" for other stores.
	kekFile string
	// shared reports whether several processes may use the store.
	shared bool
	// scrub rewrites the database so that values it replaced leave no
	// trace in its files; nil when the store cannot.
	scrub func(ctx context.Context) error
	// checkpoint copies the write-ahead log into the database file and
	// empties it, so that the log does not stay as large as the most it
	// ever held; nil when the store has none.
	checkpoint func(ctx context.Context) error
	ping       func(ctx context.Context) error
	close      func() error
}

// userFinder finds the users who sign in.
type userFinder interface {
	// GetUser returns the user with the given ID, or storage.ErrNotFound.
	GetUser(ctx context.Context, id string) (*storage.User, error)
	// UserByName returns the user with the given Username, compared
	// exactly, or storage.ErrNotFound.
	UserByName(ctx context.Context, username string) (*storage.User, error)
}

// userAdmin is what the user commands do to the users.
type userAdmin interface {
	// CreateUser stores a new user, or returns storage.ErrExists when a
	// user with the same ID or Username is stored already.
	CreateUser(ctx context.Context, u *storage.User) error
	// ListUsers returns every user, ordered by Username.
	ListUsers(ctx context.Context) ([]*storage.User, error)
	// DeleteUser removes a user, or returns storage.ErrNotFound. In the
	// same step its consents, sessions and authorization codes are deleted
	// and its tokens revoked with their families, for the records the
	// store keeps (see apartCodes for the others).
	DeleteUser(ctx context.Context, id string) error
	// SetPasswordHash replaces a user's PasswordHash, or returns
	// storage.ErrNotFound.
	SetPasswordHash(ctx context.Context, id, hash string) error
	// RevokeUserGrants revokes every token issued to the user with its
	// family and deletes the user's authorization codes, revoking their
	// families, in one step, as DeleteUser does, but keeps the user, their
	// consents and sessions; or returns storage.ErrNotFound and changes
	// nothing. A password change calls it, so that what the old password
	// obtained ends.
	RevokeUserGrants(ctx context.Context, id string) error
	// UpdateUserClaims replaces a user's Claims, setting their UpdatedAt
	// to now, or returns storage.ErrNotFound.
	UpdateUserClaims(ctx context.Context, id string, c storage.Claims) error
}

// consentStore remembers the consents users gave, one per user and
// client.
type consentStore interface {
	// GetConsent returns the consent of subject for clientID, or
	// storage.ErrNotFound.
	GetConsent(ctx context.Context, subject, clientID string) (*storage.Consent, error)
	// SaveConsent stores c, replacing any consent of the same Subject and
	// ClientID.
	SaveConsent(ctx context.Context, c *storage.Consent) error
}

// settingStore keeps named values shared by every process of a database.
type settingStore interface {
	// LoadOrStoreSetting returns the stored value of name, storing value
	// first when there is none. Of concurrent callers, all get the value
	// stored first.
	LoadOrStoreSetting(ctx context.Context, name, value string) (string, error)
	// CompareAndSwapSetting replaces the value of name by value when it
	// is old, and reports whether it did.
	CompareAndSwapSetting(ctx context.Context, name, old, value string) (bool, error)
}

// dsnKind tells which backend a DSN names. SQLite's own ":memory:" is
// taken as memory: an in-memory SQLite database lives per connection, so
// a pool of them would be several databases.
func dsnKind(dsn string) string {
	switch {
	case dsn == "memory:", strings.HasPrefix(sqlitePath(dsn), ":memory:"):
		return "memory"
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres"
	}
	return "sqlite"
}

// openStore opens the backend of a command; tests replace it.
var openStore = openBackend

// openBackend opens, and migrates, the storage named by dsn, with Redis
// for codes and tokens when redisURL is set.
func openBackend(ctx context.Context, dsn, redisURL string) (*backend, error) {
	var b *backend
	var err error
	switch dsnKind(dsn) {
	case "memory":
		b = memoryBackend(memstore.New())
	case "postgres":
		b, err = openPostgres(ctx, dsn)
	default:
		b, err = openSQLite(ctx, sqlitePath(dsn))
	}
	if err != nil {
		return nil, err
	}
	if redisURL != "" {
		if err := addRedis(ctx, b, redisURL); err != nil {
			_ = b.close()
			return nil, err
		}
	}
	return b, nil
}

func memoryBackend(s *memstore.Store) *backend {
	return &backend{
		clients: s, codes: s, tokens: s, users: s, accounts: s, consents: s, sessions: s, logouts: s, purger: s, keys: s,
		initialTokens: s, pushed: s, replay: s, devices: s,
		ping:  func(context.Context) error { return nil },
		close: func() error { return nil },
	}
}

// sqlitePath returns the file of an SQLite DSN: a path, sqlite:PATH or
// file:PATH.
func sqlitePath(dsn string) string {
	for _, prefix := range []string{"sqlite:", "file:"} {
		if p, ok := strings.CutPrefix(dsn, prefix); ok {
			return p
		}
	}
	return dsn
}

// openSQLite opens the SQLite file at path, creating and migrating it.
func openSQLite(ctx context.Context, path string) (*backend, error) {
	// The file holds password hashes and tokens' hashes: only its owner
	// may read it. SQLite gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	var warnings []string
	if err == nil {
		err = f.Close()
	} else if errors.Is(err, fs.ErrExist) {
		warnings, err = restrictMode(path)
	}
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	if err != nil {
		return nil, err
	}
	// SQLite has one writer at a time: a few connections serve the readers.
	// They all stay open: a new one parses the schema and prepares its
	// statements again (database/sql keeps only two idle by default).
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	b, err := sqlBackend(ctx, db, sqlstore.SQLite, "sqlite "+path)
	if b != nil {
		b.kekFile = path + ".kek"
		b.warnings = warnings
		b.scrub = func(ctx context.Context) error { return scrubSQLite(ctx, db) }
		b.checkpoint = func(ctx context.Context) error { return checkpointSQLite(ctx, db) }
	}
	return b, err
}

// scrubSQLite rebuilds the database file, where a replaced value may
// linger in free space, and empties the write-ahead log, which may hold
// the pages it was in.
func scrubSQLite(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return checkpointSQLite(ctx, db)
}

// checkpointSQLite copies the write-ahead log into the database and
// truncates it. SQLite's own checkpoints, every 1000 pages, leave the log
// file as large as it ever grew, by a purge of many rows say.
func checkpointSQLite(ctx context.Context, db *sql.DB) error {
	var busy, logPages, done int
	err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done)
	switch {
	case err != nil:
		return fmt.Errorf("checkpoint: %w", err)
	case busy != 0:
		return errors.New("checkpoint: readers or writers kept it from finishing; the next one will")
	}
	return nil
}

// restrictMode makes an existing database file, and its -wal and -shm
// files, readable by their owner only, if others could read or write
// them; it reports each file it changed.
func restrictMode(path string) ([]string, error) {
	var changed []string
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && p != path {
			continue
		}
		if err != nil {
			return changed, err
		}
		if mode := info.Mode().Perm(); mode&0o077 != 0 {
			if err := os.Chmod(p, mode&0o700); err != nil {
				return changed, err
			}
			changed = append(changed, fmt.Sprintf("%s was readable by others (mode %04o): its mode is now %04o", p, mode, mode&0o700))
		}
	}
	return changed, nil
}

// openPostgres connects to PostgreSQL and migrates the schema.
func openPostgres(ctx context.Context, dsn string) (*backend, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	b, err := sqlBackend(ctx, db, sqlstore.Postgres, "postgres")
	if b != nil {
		b.shared = true
	}
	return b, err
}

// clientCacheTTL is how long grantry serve keeps a client read from a SQL
// database.
const clientCacheTTL = time.Second

func sqlBackend(ctx context.Context, db *sql.DB, d sqlstore.Dialect, what string) (*backend, error) {
	s, err := sqlstore.Open(ctx, db, d)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	// The token endpoint reads the client at every request. A change made
	// by this process is seen at once; one made by another (a command on
	// the same SQLite file, another server on the same PostgreSQL) within
	// clientCacheTTL.
	s.CacheClients(sqlstore.ClientCache{TTL: clientCacheTTL})
	b := &backend{
		clients: s, codes: s, tokens: s, users: s, accounts: s, consents: s, sessions: s, logouts: s, purger: s, keys: s,
		shared: true, initialTokens: s, pushed: s, replay: s, devices: s,
		ping:  db.PingContext,
		close: db.Close,
	}
	var acc any = s
	b.settings, _ = acc.(settingStore)
	return b, nil
}

// addRedis moves authorization codes, pushed authorization requests and
// the jti replay cache to Redis, where each expires on its own; clients,
// users and tokens stay in the database, so the codes of a deleted client
// or user are refused when redeemed (apartCodes). Readiness then checks
// Redis too.
func addRedis(ctx context.Context, b *backend, rawURL string) error {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return fmt.Errorf("--redis: %w", err)
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return fmt.Errorf("redis: %w", err)
	}
	rs := redisstore.New(rdb, redisstore.Config{})
	b.codes = apartCodes{CodeStore: rs, clients: b.clients, users: b.users}
	b.pushed = rs
	b.replay = rs
	dbPing, dbClose := b.ping, b.close
	b.ping = func(ctx context.Context) error {
		if err := dbPing(ctx); err != nil {
			return err
		}
		return rdb.Ping(ctx).Err()
	}
	b.close = func() error { return errors.Join(rdb.Close(), dbClose()) }
	return nil
}

// apartCodes are authorization codes kept apart from the clients and
// users they name, as in Redis, where DeleteClient and DeleteUser cannot
// delete them. A code is honoured only while its user exists and its
// client is the one it was issued to: a code created before its client
// was issued to an earlier client of the same ID, deleted since. Across
// processes this relies on their clocks agreeing.
type apartCodes struct {
	storage.CodeStore
	clients storage.ClientStore
	users   userFinder
}

// ConsumeAuthorizationCode consumes the code, then returns
// storage.ErrNotFound for one whose client or user is gone.
func (s apartCodes) ConsumeAuthorizationCode(ctx context.Context, hash, clientID string, now time.Time) (*storage.AuthorizationCode, error) {
	code, err := s.CodeStore.ConsumeAuthorizationCode(ctx, hash, clientID, now)
	if err != nil {
		return code, err
	}
	if err := s.orphaned(ctx, code); err != nil {
		return nil, err
	}
	return code, nil
}

// orphaned returns storage.ErrNotFound when the client the code was issued
// to, or its user, was deleted since.
func (s apartCodes) orphaned(ctx context.Context, code *storage.AuthorizationCode) error {
	c, err := s.clients.GetClient(ctx, code.ClientID)
	if err != nil {
		return err
	}
	if code.CreatedAt.Before(c.CreatedAt) {
		return storage.ErrNotFound
	}
	if code.Subject == "" {
		return nil
	}
	_, err = s.users.GetUser(ctx, code.Subject)
	return err
}

// redactDSN hides the password of a database URL, for logs.
func redactDSN(dsn string) string {
	if dsnKind(dsn) == "sqlite" {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(a DSN that does not parse as a URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "password") {
			q.Set(k, "xxxxx")
		}
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
