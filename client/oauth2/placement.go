package oauth2

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/grantry/grantry/internal/origin"
)

// Placement is where a protected request carries a bearer token (RFC 6750
// §2).
type Placement int

// Token placements.
const (
	TokenInHeader Placement = iota // Authorization: Bearer header (RFC 6750 §2.1)
	TokenInBody                    // access_token form body parameter (RFC 6750 §2.2)
	TokenInURI                     // access_token query parameter (RFC 6750 §2.3)
)

// Do sends req to a protected resource with the client's token, renewed
// first if needed, placed as configured. req itself is not modified,
// though its body is consumed.
//
// Do follows a redirect only to the scheme, host and port of req. A
// redirect elsewhere is not followed and its response is returned: the
// token would go along with it, in a header net/http keeps for subdomains,
// a query or a form body sent again after a 307 or 308 (RFC 6750 §5.3).
// Other redirects are left to the configured client's CheckRedirect. When
// sending fails, the URL in the returned *url.Error does not show the
// token: its access_token value is redacted, and with a ProtectedRequest
// hook, which may have added credentials of its own, every query value.
func (c *Client) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	resp, err := c.sendProtected(ctx, req, origin.Client(c.httpClient()).Do)
	if err != nil {
		return nil, origin.RedactURLError(err, c.secretParam)
	}
	return resp, nil
}

// secretParam reports whether a query parameter of a protected request
// may hold a credential.
func (c *Client) secretParam(name string) bool {
	return name == "access_token" || c.cfg.Hooks.ProtectedRequest != nil
}

// Transport returns a round tripper that sends each request with the
// client's token, renewed first if needed, over the transport of the
// configured HTTP client. Renewals use the request's context.
//
// When an http.Client follows a redirect, the token goes only to the
// scheme, host and port of the first request of the chain. A request to
// any other is sent as it is, without the token and without the
// ProtectedRequest hook, so that a redirect cannot hand the token to
// another host (RFC 6750 §5.3).
func (c *Client) Transport() http.RoundTripper {
	return &transport{c: c}
}

// AuthorizedClient returns an HTTP client like the configured one whose
// requests carry the client's token, through [Client.Transport]: a
// redirect to another scheme, host or port is followed without it.
func (c *Client) AuthorizedClient() *http.Client {
	hc := *c.httpClient()
	hc.Transport = c.Transport()
	return &hc
}

type transport struct{ c *Client }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.c.httpClient().Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if !origin.Same(origin.First(req).URL, req.URL) {
		return base.RoundTrip(req)
	}
	resp, err := t.c.sendProtected(req.Context(), req, base.RoundTrip)
	if err != nil && resp == nil && req.Body != nil {
		req.Body.Close()
	}
	return resp, err
}

// authorize returns a copy of req that carries the token.
func (c *Client) authorize(ctx context.Context, req *http.Request) (*http.Request, error) {
	tok, err := c.Token(ctx)
	if err != nil {
		return nil, err
	}
	r := req.Clone(ctx)
	hook := c.cfg.Hooks.ProtectedRequest
	switch {
	case tok.isDPoP() && c.cfg.DPoPKey != nil:
		if err := c.placeDPoP(r, tok); err != nil {
			return nil, err
		}
	case tok.isBearer():
		if err := placeToken(r, tok.AccessToken, c.cfg.TokenPlacement); err != nil {
			return nil, err
		}
	case hook == nil:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedTokenType, tok.TokenType)
	}
	if hook != nil {
		if err := hook(r, tok); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// placeToken puts a bearer token in r (RFC 6750 §2).
func placeToken(r *http.Request, token string, p Placement) error {
	param := "access_token=" + url.QueryEscape(token)
	switch p {
	case TokenInBody:
		return appendToBody(r, param)
	case TokenInURI:
		r.URL.RawQuery = joinParams(r.URL.RawQuery, param)
		r.Header.Set("Cache-Control", "no-store") // RFC 6750 §2.3
		return nil
	}
	r.Header.Set("Authorization", "Bearer "+token)
	return nil
}

// appendToBody adds a parameter to a form-encoded body, which RFC 6750
// §2.2 requires, on a method whose body has a meaning.
func appendToBody(r *http.Request, param string) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == "" {
		return fmt.Errorf("oauth2: cannot send the token in the body of a %s request", r.Method)
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || ct != "application/x-www-form-urlencoded" {
			return fmt.Errorf("oauth2: cannot send the token in a %q body", r.Header.Get("Content-Type"))
		}
		if body, err = io.ReadAll(r.Body); err != nil {
			return fmt.Errorf("oauth2: reading request body: %w", err)
		}
		r.Body.Close()
	}
	body = []byte(joinParams(string(body), param))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return nil
}

func joinParams(existing, param string) string {
	if existing == "" {
		return param
	}
	return existing + "&" + param
}
