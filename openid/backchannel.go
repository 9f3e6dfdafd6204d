package openid

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// logoutEvent is the event a logout token carries (Back-Channel Logout
// 1.0 §2.4).
const logoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutClaims are the claims of a logout token (§2.4): no nonce.
type logoutClaims struct {
	Issuer   string                    `json:"iss"`
	Subject  string                    `json:"sub,omitempty"`
	Audience string                    `json:"aud"`
	IssuedAt int64                     `json:"iat"`
	Expiry   int64                     `json:"exp"`
	JTI      string                    `json:"jti"`
	Events   map[string]map[string]any `json:"events"`
	SID      string                    `json:"sid,omitempty"`
}

// LogoutToken makes the logout token that tells the client the user the
// server knows as user has signed out of session sid (§2.4), typed
// logout+jwt (§2.4.1) and valid for two minutes.
func (p *Provider) LogoutToken(c *storage.Client, user, sid string, now time.Time) (string, error) {
	key, err := p.signingKey(c)
	if err != nil {
		return "", err
	}
	sub, err := p.subject(c, user)
	if err != nil {
		return "", err
	}
	claims := logoutClaims{
		Issuer: p.cfg.Issuer, Subject: sub, Audience: c.ID, IssuedAt: now.Unix(), Expiry: now.Add(2 * time.Minute).Unix(),
		JTI: secret.ID(), Events: map[string]map[string]any{logoutEvent: {}}, SID: sid,
	}
	return key.SignJWT(claims, "logout+jwt")
}

// NotifierConfig configures a Notifier. The zero value is ready to use.
type NotifierConfig struct {
	// Client sends the requests; nil means a client with a 10-second
	// timeout. Redirects are never followed.
	Client *http.Client
	// Attempts is how many times a notification is tried; default 5.
	Attempts int
	// Backoff is the wait before the second attempt, doubled before each
	// next one; default one second.
	Backoff time.Duration
	// Logger receives the notifications that failed; nil means
	// slog.Default().
	Logger *slog.Logger
	// Now returns the current time; default time.Now.
	Now func() time.Time
	// Lease is how long Drain claims a pending logout for: longer than
	// every attempt at telling its clients takes; default ten minutes.
	Lease time.Duration
}

// Notifier tells clients that a user signed out, by Back-Channel Logout
// 1.0: it POSTs a logout token to each client's backchannel_logout_uri,
// in the background, retrying on network errors and 5xx answers, so the
// user never waits on a client. It is safe for concurrent use.
type Notifier struct {
	p   *Provider
	cfg NotifierConfig
	wg  sync.WaitGroup
}

// NewNotifier returns a notifier that signs with p's keys.
func NewNotifier(p *Provider, cfg NotifierConfig) *Notifier {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	c := *cfg.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cfg.Client = &c
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Minute
	}
	return &Notifier{p: p, cfg: cfg}
}

// Notify starts telling each client with a backchannel_logout_uri that
// the user signed out of session sid, and returns at once. A client that
// requires a sid (backchannel_logout_session_required) is skipped when sid
// is "".
func (n *Notifier) Notify(clients []*storage.Client, user, sid string) {
	n.notify(clients, user, sid, nil)
}

// notify is Notify, calling done, when not nil, once every client was
// told or given up on.
func (n *Notifier) notify(clients []*storage.Client, user, sid string, done func()) {
	var all sync.WaitGroup
	for _, c := range clients {
		if c.BackchannelLogoutURI == "" || (c.BackchannelLogoutSessionRequired && sid == "") {
			continue
		}
		n.wg.Add(1)
		all.Add(1)
		go func() {
			defer n.wg.Done()
			defer all.Done()
			n.deliver(c, user, sid)
		}()
	}
	if done != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			all.Wait()
			done()
		}()
	}
}

// Wait waits until every notification has succeeded or given up, or ctx
// ends.
func (n *Notifier) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deliver sends one client its logout token, with retries. Each attempt
// gets a new token, so none is stale when it arrives.
func (n *Notifier) deliver(c *storage.Client, user, sid string) {
	wait := n.cfg.Backoff
	var err error
	for attempt := 1; attempt <= n.cfg.Attempts; attempt++ {
		var retry bool
		if retry, err = n.post(c, user, sid); err == nil || !retry {
			break
		}
		if attempt < n.cfg.Attempts {
			time.Sleep(wait)
			wait *= 2
		}
	}
	if err != nil {
		n.cfg.Logger.Warn("back-channel logout failed", slog.String("client_id", c.ID), slog.Any("error", err))
	}
}

// post makes one attempt: 200 and 204 succeed (§2.8); a network error
// or a 5xx answer may succeed later; any other answer will not.
func (n *Notifier) post(c *storage.Client, user, sid string) (retry bool, err error) {
	tok, err := n.p.LogoutToken(c, user, sid, n.cfg.Now())
	if err != nil {
		return false, err
	}
	body := url.Values{"logout_token": {tok}}.Encode()
	req, err := http.NewRequest(http.MethodPost, c.BackchannelLogoutURI, strings.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := n.cfg.Client.Do(req)
	if err != nil {
		return true, err
	}
	res.Body.Close()
	switch {
	case res.StatusCode == http.StatusOK || res.StatusCode == http.StatusNoContent:
		return false, nil
	case res.StatusCode >= 500:
		return true, fmt.Errorf("status %d", res.StatusCode)
	}
	return false, fmt.Errorf("status %d", res.StatusCode)
}
