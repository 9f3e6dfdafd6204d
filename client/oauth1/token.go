package oauth1

import (
	"context"
	"fmt"
)

// RequestTokenCredentials exchanges temporary credentials and the
// verification code for token credentials (RFC 5849 §2.3): a POST to
// Endpoint.TokenURL signed with the client and temporary credentials and
// carrying oauth_verifier.
//
// The response must be 200 with a form-encoded body holding oauth_token
// and oauth_token_secret; other parameters (a user id, a screen name) are
// kept in Credentials.Extra. Anything else is a *ResponseError.
// A redirect to another scheme, host or port is not followed, and comes
// back as a *ResponseError with its status.
func (c *Config) RequestTokenCredentials(ctx context.Context, temp Credentials, verifier string) (Credentials, error) {
	if c == nil {
		return Credentials{}, ErrNilConfig
	}
	if temp.Token == "" {
		return Credentials{}, fmt.Errorf("%w: temporary oauth_token", ErrMissingParameter)
	}
	if verifier == "" {
		return Credentials{}, fmt.Errorf("%w: oauth_verifier", ErrMissingParameter)
	}
	req, err := newCredentialsRequest(ctx, c.Endpoint.TokenURL)
	if err != nil {
		return Credentials{}, err
	}
	extra := []param{{"oauth_verifier", verifier}}
	if err := c.sign(req, temp.Token, temp.Secret, extra); err != nil {
		return Credentials{}, err
	}
	return c.doCredentials(req, "token credentials", false)
}
