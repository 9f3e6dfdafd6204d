package authtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/grantry/grantry/authserver"
)

// SetDecision changes how the authorization endpoint answers from now on;
// nil restores Approve.
func (s *Server) SetDecision(d Decision) {
	if d == nil {
		d = Approve
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decision = d
}

// serveAuthorize is the authorization endpoint: the user is signed in
// already (the login_hint, or Config.Subject) and answers with the
// server's Decision.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	req, err := s.as.ValidateAuthorizationRequest(r)
	if err != nil {
		s.as.WriteError(w, r, err)
		return
	}
	s.mu.RLock()
	decide := s.decision
	s.mu.RUnlock()
	c := decide(req)
	if c != nil && c.Subject == "" {
		signed := *c
		signed.Subject = s.signedIn(req)
		c = &signed
	}
	s.as.Authorize(w, r, req, c)
}

// signedIn returns the user signed in for a request.
func (s *Server) signedIn(req *authserver.AuthorizationRequest) string {
	if hint := req.Get("login_hint"); hint != "" {
		return hint
	}
	return s.subject
}

// Authorize plays the browser: it follows authURL, an authorization request
// such as oauth2.Config.AuthCodeURL makes, up to the authorization
// endpoint's redirect to the client, and returns the parameters of the
// redirect: code, state and iss, or error and error_description, from the
// query and the fragment together. An
// answer that is not a redirect, such as the JSON error of a request whose
// client or redirect URI is not trusted (RFC 6749 §4.1.2.1), is an error.
func (s *Server) Authorize(ctx context.Context, authURL string) (url.Values, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	browser := *s.ts.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := browser.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
		return nil, fmt.Errorf("authtest: the authorization endpoint answered %s: %s", res.Status, body)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("authtest: authorization redirect: %w", err)
	}
	params := loc.Query()
	if loc.Fragment != "" {
		frag, err := url.ParseQuery(loc.Fragment)
		if err != nil {
			return nil, fmt.Errorf("authtest: authorization redirect fragment: %w", err)
		}
		for k, v := range frag {
			params[k] = v
		}
	}
	return params, nil
}
