package authtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/pkce"
)

// rfcVerifier is the code verifier of RFC 7636 Appendix B.
const rfcVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// post sends a form to one of the server's endpoints as client c and
// returns the status and the JSON body, if any.
func post(t *testing.T, srv *authtest.Server, endpoint string, c authtest.Client, form url.Values) (int, map[string]any) {
	t.Helper()
	switch c.AuthMethod {
	case grantry.AuthClientSecretPost:
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	case grantry.AuthNone:
		form.Set("client_id", c.ID)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.AuthMethod == grantry.AuthClientSecretBasic {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	res, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%s answered %d with %q: %v", endpoint, res.StatusCode, body, err)
		}
	}
	return res.StatusCode, m
}

// authURL is a code request of client c with PKCE (RFC 7636 Appendix B),
// edited by name/value pairs; an empty value deletes the parameter.
func authURL(srv *authtest.Server, c authtest.Client, pairs ...string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.ID},
		"redirect_uri":          {c.RedirectURIs[0]},
		"scope":                 {"read write"},
		"state":                 {"st-1"},
		"code_challenge":        {pkce.Challenge(pkce.MethodS256, rfcVerifier)},
		"code_challenge_method": {pkce.MethodS256},
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			q.Del(pairs[i])
		} else {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return srv.Endpoints().Authorization + "?" + q.Encode()
}

// redeem exchanges a code of client c with a code verifier, if any.
func redeem(t *testing.T, srv *authtest.Server, c authtest.Client, code, verifier string) (int, map[string]any) {
	t.Helper()
	form := url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {code},
		"redirect_uri": {c.RedirectURIs[0]},
	}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	return post(t, srv, srv.Endpoints().Token, c, form)
}

// authorize follows a code request and fails the test unless the answer
// is a redirect.
func authorize(t *testing.T, srv *authtest.Server, rawURL string) url.Values {
	t.Helper()
	q, err := srv.Authorize(t.Context(), rawURL)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	return q
}

// issue is IssueToken that fails the test on an error.
func issue(t *testing.T, srv *authtest.Server, clientID, subject string, scope ...string) *grantry.TokenResponse {
	t.Helper()
	tok, err := srv.IssueToken(t.Context(), clientID, subject, scope...)
	if err != nil {
		t.Fatalf("IssueToken(%q, %q, %q): %v", clientID, subject, scope, err)
	}
	return tok
}

// active reports whether the server's validator finds the access token
// active, and its subject.
func active(t *testing.T, srv *authtest.Server, access string) (bool, string) {
	t.Helper()
	info, err := srv.Validator().ValidateToken(t.Context(), access)
	if err != nil {
		t.Fatalf("ValidateToken: %v", err)
	}
	return info.Active, info.Subject
}

func errorCode(m map[string]any) string {
	s, _ := m["error"].(string)
	return s
}

func str(m map[string]any, name string) string {
	s, _ := m[name].(string)
	return s
}
