package client

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// RegistryConfig holds what the apps of a Registry share. Its zero value
// is usable.
type RegistryConfig struct {
	// StateStore keeps login states between the redirect and the
	// callback. Default: a CookieStore with a random key, which serves a
	// single process until it restarts; give a CookieStore made with a
	// key of your own when callbacks may reach another process.
	StateStore StateStore
	// StateLifetime bounds the time a login may take. Default
	// DefaultStateLifetime.
	StateLifetime time.Duration

	// FetchToken returns the token of the user behind r for the app
	// named name, for API calls made on behalf of r. It returns nil and
	// no error when the user has none.
	FetchToken func(ctx context.Context, name string, r *http.Request) (*Token, error)
	// UpdateToken is called when an OAuth 2.0 token was renewed, with the
	// new token and the refresh token used, so it can replace the stored
	// one. Its error is returned by the call that caused the renewal.
	UpdateToken func(ctx context.Context, name string, tok *Token, oldRefreshToken string) error

	// HTTPClient sends the requests of every app that has none of its
	// own. Default http.DefaultClient.
	HTTPClient *http.Client
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// Registry is a set of remote apps, each known by a name, that users log
// in with. It is safe for concurrent use.
type Registry struct {
	cfg   RegistryConfig
	mu    sync.RWMutex
	apps  map[string]*App
	store StateStore
}

// NewRegistry returns an empty registry.
func NewRegistry(cfg RegistryConfig) *Registry {
	if cfg.StateLifetime <= 0 {
		cfg.StateLifetime = DefaultStateLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	store := cfg.StateStore
	if store == nil {
		store = newRandomCookieStore()
	}
	return &Registry{cfg: cfg, apps: map[string]*App{}, store: store}
}

// Register adds the app name, registered at its provider as cfg says, an
// [OAuth2] or an [OAuth1], and returns it. The name is made of ASCII
// letters, digits, '-', '_' and '.', at most 64 of them, and is used once.
// Nothing is sent: the provider's metadata, when configured, is read at
// the app's first use.
func (g *Registry) Register(name string, cfg Config) (*App, error) {
	if !validName(name) {
		return nil, fmt.Errorf("%w: name %q", ErrAppConfig, name)
	}
	if cfg == nil {
		return nil, fmt.Errorf("%w: %s: no configuration", ErrAppConfig, name)
	}
	a, err := cfg.newApp(g, name)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, dup := g.apps[name]; dup {
		return nil, fmt.Errorf("%w: %q is already registered", ErrAppConfig, name)
	}
	g.apps[name] = a
	return a, nil
}

// App returns the app registered as name, or nil.
func (g *Registry) App(name string) *App {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.apps[name]
}

// validName reports whether name can name an app, and a cookie.
func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}
