package oauth1

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// RequestTemporaryCredentials obtains temporary credentials (RFC 5849
// §2.1): a POST to Endpoint.TemporaryCredentialsURL signed with the client
// credentials alone and carrying oauth_callback (c.Callback, or "oob").
//
// The response must be 200 with a form-encoded body holding oauth_token,
// oauth_token_secret and oauth_callback_confirmed=true; anything else is a
// *ResponseError.
// A redirect to another scheme, host or port is not followed, and comes
// back as a *ResponseError with its status.
func (c *Config) RequestTemporaryCredentials(ctx context.Context) (Credentials, error) {
	if c == nil {
		return Credentials{}, ErrNilConfig
	}
	if err := checkCallback(c.callback()); err != nil {
		return Credentials{}, err
	}
	req, err := newCredentialsRequest(ctx, c.Endpoint.TemporaryCredentialsURL)
	if err != nil {
		return Credentials{}, err
	}
	extra := []param{{"oauth_callback", c.callback()}}
	if err := c.sign(req, "", "", extra); err != nil {
		return Credentials{}, err
	}
	return c.doCredentials(req, "temporary credentials", !c.InsecureSkipCallbackConfirmed)
}

// checkCallback accepts "oob" or an absolute URI (RFC 5849 §2.1).
func checkCallback(cb string) error {
	if cb == "oob" {
		return nil
	}
	u, err := url.Parse(cb)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("%w: %q", ErrInvalidCallback, cb)
	}
	return nil
}

// newCredentialsRequest builds the POST of §2.1 and §2.3. The servers may
// advertise another method; POST is the one the RFC names and all known
// servers accept.
func newCredentialsRequest(ctx context.Context, endpoint string) (*http.Request, error) {
	if endpoint == "" {
		return nil, ErrMissingEndpoint
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	return req, nil
}
