package client

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/grantry/grantry/client/oauth2"
)

const (
	// renewalMemory is how long a renewal's result answers requests that
	// still carry the token it replaced: they were sent before the
	// update-token function stored the new one.
	renewalMemory = 30 * time.Second
	// renewalTimeout bounds a renewal, which does not end with the
	// request that started it: the provider may have rotated the refresh
	// token already, and the new one must not be lost.
	renewalTimeout = 30 * time.Second
)

// renewals makes the requests of one user that carry the same expiring
// token share one renewal. Providers that rotate refresh tokens revoke
// them all when a used one comes back (RFC 9700 §4.14.2), which two
// independent renewals would cause.
type renewals struct {
	mu    sync.Mutex
	calls map[[32]byte]*renewal // by SHA-256 of the refresh token
}

type renewal struct {
	done  chan struct{}
	tok   *oauth2.Token
	err   error
	until time.Time // set once done; the result serves until then
}

// fresh returns tok's OAuth 2.0 token, renewed first with its refresh
// token if it expires within the refresh leeway.
func (a *App) fresh(ctx context.Context, s *oauth2Setup, tok *Token) (*oauth2.Token, error) {
	t := tok.OAuth2
	if !due(s, t) || t.RefreshToken == "" {
		return t, nil // the client returns it, or ErrTokenExpired
	}
	return a.renewals.do(ctx, s.now, t.RefreshToken, func(ctx context.Context) (*oauth2.Token, error) {
		var renewed *oauth2.Token
		cl, err := userClient(a.userConfig(s, tok.Subject, func(nt *oauth2.Token) { renewed = nt }), t)
		if err != nil {
			return nil, err
		}
		_, err = cl.Refresh(ctx)
		return renewed, err // renewed even when the update-token function failed
	})
}

// due reports whether t expires within the refresh leeway, as
// oauth2.Client.Token decides.
func due(s *oauth2Setup, t *oauth2.Token) bool {
	leeway := s.cfg.RefreshLeeway
	if leeway == 0 {
		leeway = oauth2.DefaultRefreshLeeway
	}
	return !t.Expiry.IsZero() && !s.now().Add(max(leeway, 0)).Before(t.Expiry)
}

// now is the time on the clock of the app's OAuth 2.0 client.
func (s *oauth2Setup) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// do runs renew once for concurrent and recent callers with the same
// refresh token. renew may return a token with an error, when the token
// was renewed but not stored: the caller that ran it gets the error, the
// others the token, which is kept for later callers too. A renewal without
// a token is not kept.
func (g *renewals) do(ctx context.Context, now func() time.Time, refreshToken string,
	renew func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	key := sha256.Sum256([]byte(refreshToken))
	g.mu.Lock()
	g.forget(now())
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		select {
		case <-c.done:
			if c.tok != nil {
				return c.tok, nil
			}
			return nil, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if g.calls == nil {
		g.calls = map[[32]byte]*renewal{}
	}
	c := &renewal{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()

	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), renewalTimeout)
	c.tok, c.err = renew(rctx)
	cancel()
	g.mu.Lock()
	c.until = now().Add(renewalMemory)
	if c.tok == nil {
		delete(g.calls, key)
	}
	g.mu.Unlock()
	close(c.done)
	return c.tok, c.err
}

// forget drops the results that have served their time. g.mu is held.
func (g *renewals) forget(now time.Time) {
	for k, c := range g.calls {
		if !c.until.IsZero() && now.After(c.until) {
			delete(g.calls, k)
		}
	}
}
