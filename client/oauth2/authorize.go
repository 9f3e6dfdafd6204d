package oauth2

import (
	"crypto/subtle"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/grantry/grantry"
)

// AuthRequest is an authorization request (RFC 6749 §4.1.1): the URL to
// send the user agent to, and what the client must keep, bound to the user
// agent, until the response comes back.
type AuthRequest struct {
	URL          string
	State        string
	CodeVerifier string // empty when PKCE is disabled
	// RequestURI and ExpiresAt are set for a pushed request
	// (PushAuthorizationRequest): URL refers to the request by
	// RequestURI, which the server accepts once, until ExpiresAt.
	RequestURI string
	ExpiresAt  time.Time
}

// AuthorizationURL builds an authorization request for the code flow with a
// fresh state of 256 random bits and, unless disabled, a PKCE code
// verifier. params add or replace request parameters; a "state" param
// replaces the generated state.
func (c *Client) AuthorizationURL(params ...Param) (*AuthRequest, error) {
	if c.cfg.AuthorizationEndpoint == "" {
		return nil, fmt.Errorf("%w: authorization endpoint", ErrNoEndpoint)
	}
	u, err := url.Parse(c.cfg.AuthorizationEndpoint)
	if err != nil {
		return nil, fmt.Errorf("oauth2: %w", err)
	}
	q := u.Query() // RFC 6749 §3.1: the endpoint's own query is kept
	ar, err := c.authorizationParams(q, params)
	if err != nil {
		return nil, err
	}
	u.RawQuery = q.Encode()
	ar.URL = u.String()
	return ar, nil
}

// authorizationParams sets in q the parameters of an authorization
// request: response type, client, redirect URI, scope, a fresh state and
// PKCE, then params.
func (c *Client) authorizationParams(q url.Values, params []Param) (*AuthRequest, error) {
	state, err := randomString(32)
	if err != nil {
		return nil, err
	}
	q.Set("response_type", string(grantry.ResponseCode))
	q.Set("client_id", c.cfg.ClientID)
	if c.cfg.RedirectURL != "" {
		q.Set("redirect_uri", c.cfg.RedirectURL)
	}
	if len(c.cfg.Scopes) > 0 {
		q.Set("scope", strings.Join(c.cfg.Scopes, " "))
	}
	q.Set("state", state)
	ar := &AuthRequest{}
	if err := c.addPKCE(q, ar); err != nil {
		return nil, err
	}
	applyParams(q, params)
	ar.State = q.Get("state")
	return ar, nil
}

// addPKCE adds code_challenge and code_challenge_method (RFC 7636 §4.3).
func (c *Client) addPKCE(q url.Values, ar *AuthRequest) error {
	if c.cfg.InsecureDisablePKCE {
		return nil
	}
	verifier, err := NewCodeVerifier()
	if err != nil {
		return err
	}
	method := c.cfg.PKCEMethod
	if method == "" {
		method = PKCES256
	}
	ar.CodeVerifier = verifier
	q.Set("code_challenge", CodeChallenge(method, verifier))
	q.Set("code_challenge_method", method)
	return nil
}

// ParseCallback checks the authorization response received at the
// redirection URI for the request ar and returns the authorization code.
// It checks, in order: that no parameter is repeated; the state (RFC 6749
// §10.12); the iss parameter when the client knows its issuer (RFC 9207
// §2.4); an error response, returned as an [*Error] (RFC 6749 §4.1.2.1);
// and the presence of the code.
func (c *Client) ParseCallback(query url.Values, ar *AuthRequest) (string, error) {
	for name, v := range query {
		if len(v) > 1 {
			return "", fmt.Errorf("%w: parameter %q repeated", ErrCallback, name)
		}
	}
	if ar == nil || ar.State == "" || subtle.ConstantTimeCompare([]byte(query.Get("state")), []byte(ar.State)) != 1 {
		return "", ErrState
	}
	if err := c.checkIssuer(query); err != nil {
		return "", err
	}
	if code := query.Get("error"); code != "" {
		return "", &Error{Code: grantry.ErrorCode(code), Description: query.Get("error_description"), URI: query.Get("error_uri")}
	}
	code := query.Get("code")
	if code == "" {
		return "", fmt.Errorf("%w: no code", ErrCallback)
	}
	return code, nil
}

// checkIssuer applies RFC 9207 §2.4.
func (c *Client) checkIssuer(query url.Values) error {
	if c.cfg.Issuer == "" {
		return nil
	}
	iss, present := query["iss"]
	if !present {
		if c.cfg.RequireIssuer {
			return fmt.Errorf("%w: no iss parameter", ErrIssuer)
		}
		return nil
	}
	if iss[0] != c.cfg.Issuer {
		return fmt.Errorf("%w: got %q", ErrIssuer, iss[0])
	}
	return nil
}
