package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/grantry/grantry/storage"
)

// Client is the part of a go-redis client the store uses. *redis.Client,
// *redis.ClusterClient and *redis.Ring have it.
type Client interface {
	redis.Scripter
	SetNX(ctx context.Context, key string, value any, expiration time.Duration) *redis.BoolCmd
}

// DefaultPrefix is put before every key when Config.Prefix is empty.
const DefaultPrefix = "grantry:"

// DefaultRetention is how long past its expiry a code is kept when
// Config.Retention is zero.
const DefaultRetention = time.Hour

// Config configures a Store. The zero value is ready to use.
type Config struct {
	// Prefix is put before every key, so that several applications can
	// share a Redis database; empty means DefaultPrefix.
	Prefix string
	// Retention is how long past its expiry a code is kept, so that a
	// late replay is still recognised as one and can revoke what the code
	// issued; zero means DefaultRetention.
	Retention time.Duration
	// Now returns the current time, from which the time to live of each
	// key is computed; nil means time.Now.
	Now func() time.Time
}

// Store keeps authorization codes and a jti replay cache in Redis. It is
// safe for concurrent use.
type Store struct {
	rdb       Client
	prefix    string
	retention time.Duration
	now       func() time.Time
}

// New returns a store over rdb. It does no I/O.
func New(rdb Client, cfg Config) *Store {
	s := &Store{rdb: rdb, prefix: cfg.Prefix, retention: cfg.Retention, now: cfg.Now}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// ttl returns the time to live of a key whose record expires at exp: at
// least a millisecond, as Redis refuses a key that expires at once.
func (s *Store) ttl(exp time.Time) time.Duration {
	return max(exp.Sub(s.now()), time.Millisecond)
}

// Interface checks.
var (
	_ storage.CodeStore   = (*Store)(nil)
	_ storage.ReplayCache = (*Store)(nil)
)
