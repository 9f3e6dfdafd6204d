package authserver

import (
	"context"
	"errors"
	"sync"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// ErrNoClientKeys is returned by ClientKeys.For for a client that
// registered neither jwks nor jwks_uri.
var ErrNoClientKeys = errors.New("authserver: the client registered no keys")

// ClientKeys resolves the public keys a client signs with: its registered
// JWK Set (jwks), or the one published at its jwks_uri, fetched and
// cached by keyset.Remote (RFC 7591 §2). Client assertions (RFC 7523
// §2.2) and request objects (RFC 9101 §6.2) are verified with them.
//
// One Remote is kept per jwks_uri, so that clients sharing a URI share a
// cache, and a changed jwks_uri takes effect at once. A ClientKeys is safe
// for concurrent use; its zero value is not usable: call NewClientKeys.
type ClientKeys struct {
	cfg keyset.RemoteConfig

	mu      sync.Mutex
	remotes map[string]*keyset.Remote
	parsed  map[string]*keyset.JWKS // by the registered document
}

// maxCachedClientKeys bounds each of the caches of ClientKeys; past it
// the cache starts afresh.
const maxCachedClientKeys = 4096

// NewClientKeys returns a resolver whose remote caches use cfg.
func NewClientKeys(cfg keyset.RemoteConfig) *ClientKeys {
	return &ClientKeys{cfg: cfg, remotes: map[string]*keyset.Remote{}, parsed: map[string]*keyset.JWKS{}}
}

// For returns the key source of c, or ErrNoClientKeys, or an error when
// its registered document or URI is invalid.
func (k *ClientKeys) For(_ context.Context, c *storage.Client) (keyset.KeySource, error) {
	switch {
	case c.JWKS != "":
		return k.document(c.JWKS)
	case c.JWKSURI != "":
		return k.remote(c.JWKSURI)
	}
	return nil, ErrNoClientKeys
}

func (k *ClientKeys) document(doc string) (*keyset.JWKS, error) {
	k.mu.Lock()
	set, ok := k.parsed[doc]
	k.mu.Unlock()
	if ok {
		return set, nil
	}
	set, err := keyset.ParseJWKS([]byte(doc))
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.parsed) >= maxCachedClientKeys {
		clear(k.parsed)
	}
	k.parsed[doc] = set
	return set, nil
}

func (k *ClientKeys) remote(uri string) (*keyset.Remote, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if r, ok := k.remotes[uri]; ok {
		return r, nil
	}
	r, err := keyset.NewRemote(uri, k.cfg)
	if err != nil {
		return nil, err
	}
	if len(k.remotes) >= maxCachedClientKeys {
		clear(k.remotes)
	}
	k.remotes[uri] = r
	return r, nil
}
