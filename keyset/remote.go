package keyset

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/grantry/grantry/internal/origin"
)

// Defaults of [RemoteConfig].
const (
	DefaultTTL             = time.Hour
	DefaultMinTTL          = 5 * time.Minute
	DefaultMaxTTL          = 24 * time.Hour
	DefaultRefetchInterval = 30 * time.Second
	DefaultMaxStale        = time.Hour
	DefaultFetchTimeout    = 10 * time.Second
)

// RemoteConfig configures a [Remote]. Its zero value is usable.
type RemoteConfig struct {
	// Client sends the requests. When nil, a client with a
	// DefaultFetchTimeout timeout is used. Whichever it is, a redirect
	// from https to plain http is not followed.
	Client *http.Client
	// TTL is how long a fetched set is used when the response has no
	// Cache-Control max-age. Default DefaultTTL.
	TTL time.Duration
	// MinTTL and MaxTTL bound the lifetime taken from Cache-Control.
	// Defaults DefaultMinTTL and DefaultMaxTTL.
	MinTTL, MaxTTL time.Duration
	// RefetchInterval is the least time between two fetches caused by
	// unknown key IDs or by failures. Default DefaultRefetchInterval.
	RefetchInterval time.Duration
	// MaxStale is how long past its lifetime an old set is still used while
	// fetching a new one fails. Default DefaultMaxStale; negative disables.
	MaxStale time.Duration
	// FetchTimeout bounds one fetch, whatever the callers' contexts.
	// Default DefaultFetchTimeout.
	FetchTimeout time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// InsecureAllowHTTP allows an http URL on a non-loopback host.
	InsecureAllowHTTP bool
}

var defaultClient = &http.Client{Timeout: DefaultFetchTimeout}

func (c RemoteConfig) withDefaults() RemoteConfig {
	if c.Client == nil {
		c.Client = defaultClient
	}
	c.Client = origin.NoDowngrade(c.Client)
	setDefault(&c.TTL, DefaultTTL)
	setDefault(&c.MinTTL, DefaultMinTTL)
	setDefault(&c.MaxTTL, DefaultMaxTTL)
	setDefault(&c.RefetchInterval, DefaultRefetchInterval)
	setDefault(&c.FetchTimeout, DefaultFetchTimeout)
	if c.MaxStale == 0 {
		c.MaxStale = DefaultMaxStale
	}
	if c.MaxTTL < c.MinTTL {
		c.MaxTTL = c.MinTTL
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Remote is a cache of the JWK Set published at a jwks_uri. It is a
// [KeySource]: a lookup uses the cached set while it is fresh, fetches it
// when it has expired, and fetches it once more when the key ID is unknown,
// at most once per RefetchInterval. Concurrent lookups share one fetch, and
// each waits for it only as long as its own context allows.
//
// A Remote is safe for concurrent use.
type Remote struct {
	url string
	cfg RemoteConfig

	mu      sync.Mutex
	set     *JWKS      // last set fetched, nil before the first success
	expires time.Time  // end of the lifetime of set
	last    time.Time  // start of the last fetch
	err     error      // error of the last fetch, nil after a success
	call    *fetchCall // fetch in progress
}

type fetchCall struct {
	done chan struct{}
	set  *JWKS
	err  error
}

// NewRemote returns a cache of the JWK Set at jwksURL, which must be an
// absolute https URL without user information or fragment, or http on a
// loopback host or with InsecureAllowHTTP. Nothing is fetched yet.
func NewRemote(jwksURL string, cfg RemoteConfig) (*Remote, error) {
	if _, err := origin.ParseSecure(jwksURL, cfg.InsecureAllowHTTP); err != nil {
		return nil, fmt.Errorf("keyset: JWKS URL %q %w", jwksURL, err)
	}
	return &Remote{url: jwksURL, cfg: cfg.withDefaults()}, nil
}

// URL returns the jwks_uri of the cache.
func (r *Remote) URL() string { return r.url }

// Lookup returns the keys with key ID kid, or every key when kid is empty,
// fetching the set as needed.
func (r *Remote) Lookup(ctx context.Context, kid string) ([]PublicKey, error) {
	set, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	if keys := set.find(kid); len(keys) > 0 {
		return keys, nil
	}
	if kid != "" {
		if set, err = r.refetch(ctx); err != nil {
			return nil, err
		}
		if keys := set.find(kid); len(keys) > 0 {
			return keys, nil
		}
	}
	return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
}

// Keys returns the current set, fetching it if it has expired.
func (r *Remote) Keys(ctx context.Context) (*JWKS, error) {
	return r.current(ctx)
}

// Refresh fetches the set now, unless a fetch is already running, in which
// case it waits for that one.
func (r *Remote) Refresh(ctx context.Context) error {
	r.mu.Lock()
	c := r.call
	if c == nil {
		c = r.startLocked(ctx)
	}
	r.mu.Unlock()
	_, err := r.wait(ctx, c)
	return err
}

// current returns a fresh set, or fetches one; while fetching fails it
// returns a stale set within MaxStale, or the error.
func (r *Remote) current(ctx context.Context) (*JWKS, error) {
	r.mu.Lock()
	now := r.cfg.Now()
	if r.set != nil && now.Before(r.expires) {
		set := r.set
		r.mu.Unlock()
		return set, nil
	}
	c := r.call
	if c == nil && r.err != nil && now.Sub(r.last) < r.cfg.RefetchInterval {
		set, err := r.staleLocked(now)
		r.mu.Unlock()
		return set, err
	}
	if c == nil {
		c = r.startLocked(ctx)
	}
	r.mu.Unlock()
	if set, err := r.wait(ctx, c); err == nil || ctx.Err() != nil {
		return set, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.staleLocked(r.cfg.Now())
}

// staleLocked returns the expired set if it is within MaxStale, or the last
// fetch error.
func (r *Remote) staleLocked(now time.Time) (*JWKS, error) {
	if r.set != nil && r.cfg.MaxStale > 0 && now.Before(r.expires.Add(r.cfg.MaxStale)) {
		return r.set, nil
	}
	return nil, r.err
}

// refetch fetches the set again because a key ID was not found, unless the
// last fetch is more recent than RefetchInterval; it then returns the cached
// set as it is.
func (r *Remote) refetch(ctx context.Context) (*JWKS, error) {
	r.mu.Lock()
	c := r.call
	if c == nil && r.cfg.Now().Sub(r.last) < r.cfg.RefetchInterval {
		set := r.set
		r.mu.Unlock()
		return set, nil
	}
	if c == nil {
		c = r.startLocked(ctx)
	}
	r.mu.Unlock()
	return r.wait(ctx, c)
}

// startLocked starts a fetch. It runs detached from the cancellation of ctx
// (but keeps its values) so that one caller giving up does not fail the
// others, and is bounded by FetchTimeout.
func (r *Remote) startLocked(ctx context.Context) *fetchCall {
	c := &fetchCall{done: make(chan struct{})}
	r.call = c
	r.last = r.cfg.Now()
	go r.run(context.WithoutCancel(ctx), c)
	return c
}

func (r *Remote) run(ctx context.Context, c *fetchCall) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.FetchTimeout)
	defer cancel()
	set, ttl, err := r.fetch(ctx)
	r.mu.Lock()
	if err == nil {
		r.set, r.expires, r.err = set, r.cfg.Now().Add(ttl), nil
	} else {
		r.err = err
	}
	r.call = nil
	c.set, c.err = set, err
	r.mu.Unlock()
	close(c.done)
}

func (r *Remote) wait(ctx context.Context, c *fetchCall) (*JWKS, error) {
	select {
	case <-c.done:
		return c.set, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
