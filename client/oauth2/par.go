package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// ErrPushResponse is wrapped by the error of a malformed answer of the
// pushed authorization request endpoint.
var ErrPushResponse = errors.New("oauth2: malformed pushed authorization response")

// PushAuthorizationRequest pushes an authorization request for the code
// flow to the server (RFC 9126 §2): the parameters AuthorizationURL would
// put in the URL, params included, are posted with the client's
// authentication to Config.PushedAuthorizationRequestEndpoint. The
// returned request's URL carries only client_id and the request_uri the
// server answered (RFC 9126 §4); State and CodeVerifier are kept for
// ParseCallback and Exchange as for AuthorizationURL. An error answer is
// an [*Error].
func (c *Client) PushAuthorizationRequest(ctx context.Context, params ...Param) (*AuthRequest, error) {
	if c.cfg.PushedAuthorizationRequestEndpoint == "" {
		return nil, fmt.Errorf("%w: pushed authorization request endpoint", ErrNoEndpoint)
	}
	if c.cfg.AuthorizationEndpoint == "" {
		return nil, fmt.Errorf("%w: authorization endpoint", ErrNoEndpoint)
	}
	u, err := url.Parse(c.cfg.AuthorizationEndpoint)
	if err != nil {
		return nil, fmt.Errorf("oauth2: %w", err)
	}
	form := url.Values{}
	ar, err := c.authorizationParams(form, params)
	if err != nil {
		return nil, err
	}
	pushed, err := c.push(ctx, form)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("client_id", c.cfg.ClientID)
	q.Set("request_uri", pushed.RequestURI)
	u.RawQuery = q.Encode()
	ar.URL, ar.RequestURI = u.String(), pushed.RequestURI
	ar.ExpiresAt = c.now().Add(time.Duration(pushed.ExpiresIn) * time.Second)
	return ar, nil
}

// push posts form and reads the answer: 201 with the request_uri, or an
// error (RFC 9126 §2.2, §2.3).
func (c *Client) push(ctx context.Context, form url.Values) (*pushResponse, error) {
	resp, err := c.postProved(ctx, c.cfg.PushedAuthorizationRequestEndpoint, form, c.cfg.Hooks.PushRequest)
	if err != nil {
		return nil, err
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, parseErrorResponse(resp.StatusCode, resp.Header, body)
	}
	return parsePushResponse(body)
}

// pushResponse is the answer to a pushed authorization request
// (RFC 9126 §2.2).
type pushResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int64  `json:"expires_in"`
}

// parsePushResponse parses the body of a 201 answer: a JSON object with
// request_uri, a non-empty string, and expires_in, a positive number of
// seconds, both required.
func parsePushResponse(body []byte) (*pushResponse, error) {
	var p pushResponse
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPushResponse, err)
	}
	if p.RequestURI == "" {
		return nil, fmt.Errorf("%w: no request_uri", ErrPushResponse)
	}
	if p.ExpiresIn <= 0 || p.ExpiresIn > int64(24*time.Hour/time.Second) {
		return nil, fmt.Errorf("%w: expires_in %d", ErrPushResponse, p.ExpiresIn)
	}
	return &p, nil
}
