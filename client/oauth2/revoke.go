package oauth2

import (
	"context"
	"fmt"
	"io"
	"net/url"
)

// Revoke asks the revocation endpoint to revoke token (RFC 7009 §2.1).
// hint, which may be empty, is grantry.HintAccessToken or
// grantry.HintRefreshToken. A 200
// response means the token is revoked or was invalid anyway (RFC 7009
// §2.2); any other is returned as an [*Error].
func (c *Client) Revoke(ctx context.Context, token, hint string) error {
	if c.cfg.RevocationEndpoint == "" {
		return fmt.Errorf("%w: revocation endpoint", ErrNoEndpoint)
	}
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	resp, err := c.post(ctx, c.cfg.RevocationEndpoint, form, c.cfg.Hooks.RevokeRequest)
	if err != nil {
		return err
	}
	if resp.StatusCode == 200 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
		resp.Body.Close()
		return nil
	}
	body, err := readBody(resp)
	if err != nil {
		return err
	}
	return parseErrorResponse(resp.StatusCode, resp.Header, body)
}
