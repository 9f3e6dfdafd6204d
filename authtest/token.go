package authtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/secret"
)

// IssueToken obtains a token for a client that AddClient returned, through
// the server's own endpoints, for a test of a resource server. With a
// subject, it runs the authorization code flow with PKCE as that user
// (login_hint), so the current Decision applies; with none, the client
// credentials grant gives the client a token of its own. An empty scope
// requests none.
func (s *Server) IssueToken(ctx context.Context, clientID, subject string, scope ...string) (*grantry.TokenResponse, error) {
	c, ok := s.client(clientID)
	if !ok {
		return nil, fmt.Errorf("authtest: IssueToken: client %q was not registered with AddClient", clientID)
	}
	form := url.Values{"grant_type": {string(grantry.GrantClientCredentials)}}
	if subject != "" {
		var err error
		if form, err = s.codeExchange(ctx, c, subject, scope); err != nil {
			return nil, err
		}
	} else if len(scope) > 0 {
		form.Set("scope", strings.Join(scope, " "))
	}
	return s.postToken(ctx, c, form)
}

// codeExchange asks the authorization endpoint for a code as subject and
// returns the token request that redeems it.
func (s *Server) codeExchange(ctx context.Context, c Client, subject string, scope []string) (url.Values, error) {
	verifier := secret.Token()
	q := url.Values{
		"response_type":         {string(grantry.ResponseCode)},
		"client_id":             {c.ID},
		"redirect_uri":          {first(c.RedirectURIs)},
		"state":                 {"authtest"},
		"login_hint":            {subject},
		"code_challenge":        {pkce.Challenge(pkce.MethodS256, verifier)},
		"code_challenge_method": {pkce.MethodS256},
	}
	if len(scope) > 0 {
		q.Set("scope", strings.Join(scope, " "))
	}
	resp, err := s.Authorize(ctx, s.Endpoints().Authorization+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	if e := resp.Get("error"); e != "" {
		return nil, fmt.Errorf("authtest: the authorization endpoint answered %s: %s", e, resp.Get("error_description"))
	}
	return url.Values{
		"grant_type":    {string(grantry.GrantAuthorizationCode)},
		"code":          {resp.Get("code")},
		"redirect_uri":  {first(c.RedirectURIs)},
		"code_verifier": {verifier},
	}, nil
}

// postToken sends a token request, authenticating as the client does.
func (s *Server) postToken(ctx context.Context, c Client, form url.Values) (*grantry.TokenResponse, error) {
	switch c.AuthMethod {
	case grantry.AuthClientSecretPost:
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	case grantry.AuthNone:
		form.Set("client_id", c.ID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoints().Token, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.AuthMethod == grantry.AuthClientSecretBasic {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret)) // RFC 6749 §2.3.1
	}
	res, err := s.HTTPClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("authtest: the token endpoint answered %s: %s", res.Status, body)
	}
	return parseTokenResponse(body)
}

// parseTokenResponse reads an access token response (RFC 6749 §5.1).
func parseTokenResponse(body []byte) (*grantry.TokenResponse, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("authtest: token response: %w", err)
	}
	str := func(name string) string {
		v, _ := m[name].(string)
		delete(m, name)
		return v
	}
	t := &grantry.TokenResponse{AccessToken: str("access_token"), TokenType: str("token_type"), RefreshToken: str("refresh_token")}
	if n, ok := m["expires_in"].(float64); ok {
		t.ExpiresIn = int64(n)
	}
	delete(m, "expires_in")
	sc, err := grantry.ParseScope(str("scope"))
	if err != nil {
		return nil, fmt.Errorf("authtest: token response: %w", err)
	}
	t.Scope = sc
	if len(m) > 0 {
		t.Extra = m
	}
	return t, nil
}
