package sqlstore

import (
	"slices"
	"sync"
	"time"

	"github.com/grantry/grantry/storage"
)

// ClientCache is the configuration of the store's cache of clients, which
// spares the token endpoint a query at every request. The zero value
// caches nothing.
//
// The store forgets a client as soon as it changes or deletes it itself;
// a change made by another process (another grantry serve on the same
// PostgreSQL database, or a command-line tool on the same SQLite file) is
// seen once the cached copy is older than TTL. Keep TTL short: it is how
// long a deleted client, or a client's replaced secret, may still be
// accepted by the other processes.
type ClientCache struct {
	// TTL is how long a client read from the database is served from
	// memory; zero or less turns the cache off.
	TTL time.Duration
	// MaxEntries bounds the clients kept; zero means 10,000. When full,
	// the cache is emptied.
	MaxEntries int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// clientCache holds copies of clients, each with the time it was read.
type clientCache struct {
	mu      sync.Mutex
	cfg     ClientCache
	entries map[string]cachedClient
	gen     uint64 // counts the changes this store made
}

type cachedClient struct {
	c      *storage.Client
	expire time.Time
}

// CacheClients turns on the cache of clients (see ClientCache), or off with
// a zero TTL. Call it before the store is used.
func (s *Store) CacheClients(cfg ClientCache) {
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 10000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s.clients.mu.Lock()
	s.clients.cfg = cfg
	s.clients.entries = nil
	s.clients.mu.Unlock()
}

// get returns a copy of the cached client, or nil.
func (c *clientCache) get(id string) *storage.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.TTL <= 0 {
		return nil
	}
	e, ok := c.entries[id]
	if !ok || !c.cfg.Now().Before(e.expire) {
		return nil
	}
	return cloneClient(e.c)
}

// put keeps a copy of cl, whose read began at started, in generation gen
// (see begin). A client this store changed since is not kept: the read may
// have returned it as it was before.
func (c *clientCache) put(cl *storage.Client, started time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.TTL <= 0 || gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= c.cfg.MaxEntries {
		c.entries = make(map[string]cachedClient)
	}
	c.entries[cl.ID] = cachedClient{c: cloneClient(cl), expire: started.Add(c.cfg.TTL)}
}

// begin returns the time and generation of a read about to begin, or
// ok false when the cache is off.
func (c *clientCache) begin() (now time.Time, gen uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.TTL <= 0 {
		return time.Time{}, 0, false
	}
	return c.cfg.Now(), c.gen, true
}

// forget drops the client id, which this store is changing or deleting,
// and starts a new generation. It is called once the change is done,
// whether or not it succeeded.
func (c *clientCache) forget(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.gen++
	c.mu.Unlock()
}

// cloneClient copies cl deeply enough that a caller changing the copy's
// slices leaves the cached one as it was.
func cloneClient(cl *storage.Client) *storage.Client {
	c := *cl
	c.RedirectURIs = slices.Clone(cl.RedirectURIs)
	c.GrantTypes = slices.Clone(cl.GrantTypes)
	c.ResponseTypes = slices.Clone(cl.ResponseTypes)
	c.Scope = slices.Clone(cl.Scope)
	c.PostLogoutRedirectURIs = slices.Clone(cl.PostLogoutRedirectURIs)
	c.Contacts = slices.Clone(cl.Contacts)
	return &c
}
