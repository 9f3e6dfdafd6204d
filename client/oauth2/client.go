package oauth2

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Client is an OAuth 2.0 client: its registration at one
// authorization server and the current token. It is safe for concurrent
// use; at most one renewal of the token runs at a time.
type Client struct {
	cfg  Config
	auth AuthFunc

	mu      sync.Mutex
	tok     *Token
	renewCC bool // the token came from the client credentials grant

	renewing chan struct{} // holds one value while a renewal runs

	// waitFor, when set, replaces the timer PollDeviceToken waits on;
	// the tests' clock.
	waitFor func(ctx context.Context, d time.Duration) error
	nonces  map[string]string // the last DPoP-Nonce of each origin, under mu
}

// New returns a client for cfg. It checks that endpoint URLs use https
// (http is allowed on loopback hosts), that the authentication method is
// known and has what it needs, and that the options are valid.
func New(cfg Config) (*Client, error) {
	auth, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	cfg.Scopes = append([]string(nil), cfg.Scopes...)
	return &Client{cfg: cfg, auth: auth, renewing: make(chan struct{}, 1)}, nil
}

// Config returns a copy of the client's configuration.
func (c *Client) Config() Config {
	cfg := c.cfg
	cfg.Scopes = append([]string(nil), c.cfg.Scopes...)
	return cfg
}

func (c *Client) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}

func (c *Client) httpClient() *http.Client {
	if c.cfg.HTTPClient != nil {
		return c.cfg.HTTPClient
	}
	return http.DefaultClient
}

// SetToken makes tok the client's token, for example one loaded from
// storage. A nil tok forgets the token.
func (c *Client) SetToken(tok *Token) {
	c.mu.Lock()
	c.tok, c.renewCC = tok, false
	c.mu.Unlock()
}

func (c *Client) current() *Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tok
}

func (c *Client) store(tok *Token, fromClientCredentials bool) {
	c.mu.Lock()
	c.tok, c.renewCC = tok, fromClientCredentials
	c.mu.Unlock()
}

// lockRenewal waits for the renewal slot, or for ctx to end. A caller
// whose ctx has ended does not get the slot.
func (c *Client) lockRenewal(ctx context.Context) error {
	select {
	case c.renewing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		c.unlockRenewal()
		return err
	}
	return nil
}

func (c *Client) unlockRenewal() { <-c.renewing }
