package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/grantry/grantry"
)

// ErrIntrospection means an introspection response is not a valid RFC 7662
// §2.2 response.
var ErrIntrospection = errors.New("oauth2: invalid introspection response")

// Introspect asks the introspection endpoint about token (RFC 7662 §2.1).
// hint, which may be empty, is grantry.HintAccessToken or
// grantry.HintRefreshToken. The answer is read as grantry.TokenInfo reads
// it; one that does not read is an error wrapping ErrIntrospection.
func (c *Client) Introspect(ctx context.Context, token, hint string) (*grantry.TokenInfo, error) {
	if c.cfg.IntrospectionEndpoint == "" {
		return nil, fmt.Errorf("%w: introspection endpoint", ErrNoEndpoint)
	}
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	resp, err := c.post(ctx, c.cfg.IntrospectionEndpoint, form, c.cfg.Hooks.IntrospectRequest)
	if err != nil {
		return nil, err
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, parseErrorResponse(resp.StatusCode, resp.Header, body)
	}
	return parseIntrospection(body)
}

// parseIntrospection reads an introspection response body (RFC 7662 §2.2).
func parseIntrospection(body []byte) (*grantry.TokenInfo, error) {
	var info grantry.TokenInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIntrospection, err)
	}
	return &info, nil
}
