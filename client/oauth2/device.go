package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/grantry/grantry"
)

// DefaultDeviceInterval is the polling interval of a device flow whose
// server names none (RFC 8628 §3.2).
const DefaultDeviceInterval = 5 * time.Second

// slowDownStep is how much the interval grows with each slow_down
// (RFC 8628 §3.5).
const slowDownStep = 5 * time.Second

// maxDeviceInterval bounds the interval, however often the server says
// slow_down or the network times out.
const maxDeviceInterval = 5 * time.Minute

// Errors of the device flow. PollDeviceToken wraps the server's *Error
// with them, so that errors.Is and errors.As both work.
var (
	// ErrDeviceResponse means the device authorization response is not
	// a valid RFC 8628 §3.2 response.
	ErrDeviceResponse = errors.New("oauth2: malformed device authorization response")
	// ErrDeviceDenied means the user denied the authorization
	// (access_denied, RFC 8628 §3.5).
	ErrDeviceDenied = errors.New("oauth2: the user denied the device authorization")
	// ErrDeviceExpired means the device code expired before the user
	// approved (expired_token, RFC 8628 §3.5); start again.
	ErrDeviceExpired = errors.New("oauth2: the device code expired")
)

// DeviceAuth is the answer of the device authorization endpoint
// (RFC 8628 §3.2): show the user UserCode and VerificationURI (or
// VerificationURIComplete, as a link or QR code), then PollDeviceToken.
type DeviceAuth struct {
	DeviceCode              string
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string // "" when the server gives none
	// ExpiresAt is when the codes expire, by Config.Now.
	ExpiresAt time.Time
	// Interval is the least time between polls: the server's, or
	// DefaultDeviceInterval.
	Interval time.Duration
}

// DeviceAuthorization asks the device authorization endpoint for a device
// code and a user code (RFC 8628 §3.1) for the configured scopes, with
// the client's authentication (client_id alone for a public client). An
// error answer is an [*Error].
func (c *Client) DeviceAuthorization(ctx context.Context, params ...Param) (*DeviceAuth, error) {
	if c.cfg.DeviceAuthorizationEndpoint == "" {
		return nil, fmt.Errorf("%w: device authorization endpoint", ErrNoEndpoint)
	}
	form := url.Values{}
	c.addScope(form)
	applyParams(form, params)
	sent := c.now()
	resp, err := c.post(ctx, c.cfg.DeviceAuthorizationEndpoint, form, nil)
	if err != nil {
		return nil, err
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, parseErrorResponse(resp.StatusCode, resp.Header, body)
	}
	return parseDeviceAuth(body, sent)
}

// deviceResponse is the JSON of a device authorization response.
type deviceResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURL         string `json:"verification_url"` // an older draft's name, still sent by some servers
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                *int64 `json:"interval"`
}

// parseDeviceAuth parses the body of a 200 answer: device_code, user_code,
// verification_uri and a positive expires_in are required; interval, when
// given, is a number of seconds that is not negative.
func parseDeviceAuth(body []byte, now time.Time) (*DeviceAuth, error) {
	var r deviceResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDeviceResponse, err)
	}
	if r.VerificationURI == "" {
		r.VerificationURI = r.VerificationURL
	}
	switch {
	case r.DeviceCode == "" || r.UserCode == "" || r.VerificationURI == "":
		return nil, fmt.Errorf("%w: device_code, user_code and verification_uri are required", ErrDeviceResponse)
	case r.ExpiresIn <= 0 || r.ExpiresIn > int64(24*time.Hour/time.Second):
		return nil, fmt.Errorf("%w: expires_in %d", ErrDeviceResponse, r.ExpiresIn)
	case r.Interval != nil && (*r.Interval < 0 || *r.Interval > int64(maxDeviceInterval/time.Second)):
		return nil, fmt.Errorf("%w: interval %d", ErrDeviceResponse, *r.Interval)
	}
	da := &DeviceAuth{
		DeviceCode: r.DeviceCode, UserCode: r.UserCode,
		VerificationURI: r.VerificationURI, VerificationURIComplete: r.VerificationURIComplete,
		ExpiresAt: now.Add(time.Duration(r.ExpiresIn) * time.Second),
		Interval:  DefaultDeviceInterval,
	}
	if r.Interval != nil && *r.Interval > 0 {
		da.Interval = time.Duration(*r.Interval) * time.Second
	}
	return da, nil
}

// PollDeviceToken polls the token endpoint with the device code until the
// user decides (RFC 8628 §3.4, §3.5), and makes the token the client's.
// It waits da.Interval before each poll; slow_down adds five seconds to
// the interval for this and every later poll, and a timed-out request
// doubles it. It ends with ctx; with an error wrapping ErrDeviceDenied
// when the user denied; and with one wrapping ErrDeviceExpired when the
// code expired, said by the server or by the clock past da.ExpiresAt.
// Any other error answer ends it as an [*Error].
func (c *Client) PollDeviceToken(ctx context.Context, da *DeviceAuth, params ...Param) (*Token, error) {
	interval := da.Interval
	if interval <= 0 {
		interval = DefaultDeviceInterval
	}
	for {
		if err := c.wait(ctx, interval); err != nil {
			return nil, err
		}
		if !da.ExpiresAt.IsZero() && !c.now().Before(da.ExpiresAt) {
			return nil, ErrDeviceExpired
		}
		form := url.Values{"grant_type": {string(grantry.GrantDeviceCode)}, "device_code": {da.DeviceCode}}
		tok, err := c.requestToken(ctx, form, params, nil, nil)
		if err == nil {
			c.store(tok, false)
			return tok, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		next, err := nextInterval(interval, err)
		if err != nil {
			return nil, err
		}
		interval = min(next, maxDeviceInterval)
	}
}

// nextInterval says what a failed poll means: poll again after the
// returned interval, or stop with the returned error.
func nextInterval(interval time.Duration, err error) (time.Duration, error) {
	var e *Error
	var ne net.Error
	switch {
	case errors.As(err, &e) && e.Code == grantry.ErrAuthorizationPending:
		return interval, nil
	case errors.As(err, &e) && e.Code == grantry.ErrSlowDown:
		return interval + slowDownStep, nil
	case errors.As(err, &e) && e.Code == grantry.ErrAccessDenied:
		return 0, fmt.Errorf("%w: %w", ErrDeviceDenied, err)
	case errors.As(err, &e) && e.Code == grantry.ErrExpiredToken:
		return 0, fmt.Errorf("%w: %w", ErrDeviceExpired, err)
	case errors.As(err, &ne) && ne.Timeout():
		return 2 * interval, nil // RFC 8628 §3.5: back off on timeouts
	}
	return 0, err
}

// wait waits d or until ctx is done; tests replace it with waitFor.
func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if c.waitFor != nil {
		return c.waitFor(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
