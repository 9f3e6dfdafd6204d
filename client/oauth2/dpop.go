package oauth2

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/dpop"
)

// DPoP (RFC 9449): with Config.DPoPKey, the client proves possession of
// the key in every token request, so that the server binds its tokens to
// the key, and sends a token of type DPoP to resources with a proof for
// each request. A server's last DPoP-Nonce is kept, per origin, for the
// next proofs to it; a request refused with use_dpop_nonce is sent once
// more with the nonce given.

// nonceKey is the origin a DPoP nonce belongs to.
func nonceKey(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

func (c *Client) nonceFor(u *url.URL) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nonces[nonceKey(u)]
}

// noteNonce keeps the DPoP-Nonce of a response, and reports whether it
// gave one.
func (c *Client) noteNonce(u *url.URL, resp *http.Response) bool {
	n := resp.Header.Get(dpop.NonceHeader)
	if n == "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nonces == nil {
		c.nonces = make(map[string]string)
	}
	c.nonces[nonceKey(u)] = n
	return true
}

// prove sets the DPoP header of a request to u, with the hash of
// accessToken when it is not empty.
func (c *Client) prove(h http.Header, method string, u *url.URL, accessToken string) error {
	p, err := dpop.Sign(c.cfg.DPoPKey, dpop.ProofClaims{Method: method, URI: u.String(), IssuedAt: c.now(),
		AccessToken: accessToken, Nonce: c.nonceFor(u)})
	if err != nil {
		return err
	}
	h.Set("DPoP", p)
	return nil
}

// asksForNonce reports whether a token endpoint response is a
// use_dpop_nonce error with a nonce (RFC 9449 §8). The body is read and
// put back.
func asksForNonce(resp *http.Response) bool {
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get(dpop.NonceHeader) == "" {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	var e struct {
		Error string `json:"error"`
	}
	return json.Unmarshal(body, &e) == nil && e.Error == string(grantry.ErrUseDPoPNonce)
}

// postToken posts a token request, with a DPoP proof when the client has
// a key, once more with the server's nonce when it asks for one.
func (c *Client) postToken(ctx context.Context, form url.Values, hook func(*EndpointRequest) error) (*http.Response, error) {
	return c.postProved(ctx, c.cfg.TokenEndpoint, form, hook)
}

// postProved posts form to endpoint as postToken does: the token endpoint,
// or the pushed authorization request endpoint, where a proof binds the
// code to the key (RFC 9449 §10.1).
func (c *Client) postProved(ctx context.Context, endpoint string, form url.Values, hook func(*EndpointRequest) error) (*http.Response, error) {
	if c.cfg.DPoPKey == nil {
		return c.post(ctx, endpoint, form, hook)
	}
	withProof := func(er *EndpointRequest) error {
		if hook != nil {
			if err := hook(er); err != nil {
				return err
			}
		}
		return c.prove(er.Header, http.MethodPost, er.URL, "")
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.post(ctx, endpoint, cloneForm(form), withProof)
		if err != nil {
			return nil, err
		}
		fresh := c.noteNonce(resp.Request.URL, resp)
		if attempt > 0 || !fresh || !asksForNonce(resp) {
			return resp, nil
		}
		resp.Body.Close()
	}
}

func cloneForm(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// isDPoP reports whether the token is bound to a DPoP key.
func (t *Token) isDPoP() bool { return strings.EqualFold(t.TokenType, grantry.TokenTypeDPoP) }

// placeDPoP puts a DPoP token in r with a proof (RFC 9449 §7.1).
func (c *Client) placeDPoP(r *http.Request, tok *Token) error {
	if c.cfg.DPoPKey == nil {
		return ErrUnsupportedTokenType
	}
	r.Header.Set("Authorization", grantry.TokenTypeDPoP+" "+tok.AccessToken)
	return c.prove(r.Header, r.Method, r.URL, tok.AccessToken)
}

// asksForResourceNonce reports whether a resource answered
// use_dpop_nonce with a nonce (RFC 9449 §9).
func asksForResourceNonce(resp *http.Response) bool {
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get(dpop.NonceHeader) == "" {
		return false
	}
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if hasScheme(v, grantry.TokenTypeDPoP) && strings.Contains(v, `error="use_dpop_nonce"`) {
			return true
		}
	}
	return false
}

func hasScheme(v, scheme string) bool {
	return len(v) > len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) && v[len(scheme)] == ' '
}

// sendProtected sends a protected request through send, once more with a
// fresh proof when a DPoP resource asks for a nonce and the request can be
// sent again.
func (c *Client) sendProtected(ctx context.Context, req *http.Request, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	r, err := c.authorize(ctx, req)
	if err != nil {
		return nil, err
	}
	resp, err := send(r)
	if err != nil || r.Header.Get("DPoP") == "" {
		return resp, err
	}
	if !c.noteNonce(req.URL, resp) || !asksForResourceNonce(resp) || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return resp, nil
	}
	again := req.Clone(ctx)
	if req.GetBody != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	resp.Body.Close()
	if r, err = c.authorize(ctx, again); err != nil {
		return nil, err
	}
	return send(r)
}
