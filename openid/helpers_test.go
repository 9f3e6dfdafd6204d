package openid_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// allResponseTypes are the response types an OpenID client of the tests
// may use.
var allResponseTypes = []grantry.ResponseType{
	grantry.ResponseCode, grantry.ResponseIDToken, grantry.ResponseIDTokenToken,
	grantry.ResponseCodeIDToken, grantry.ResponseCodeToken, grantry.ResponseCodeIDTokenToken,
}

// rp is a relying party registered at a test provider.
type rp struct {
	t      *testing.T
	srv    *authtest.Server
	client authtest.Client
}

func newRP(t *testing.T, cfg authtest.Config) *rp {
	t.Helper()
	srv := authtest.NewServer(t, cfg)
	c := srv.AddClient(authtest.Client{ResponseTypes: allResponseTypes})
	return &rp{t: t, srv: srv, client: c}
}

// authURL builds an authorization request of the client with params.
func (p *rp) authURL(params map[string]string) string {
	q := url.Values{"client_id": {p.client.ID}, "redirect_uri": {authtest.DefaultRedirectURI}, "state": {"xyz"}}
	for k, v := range params {
		if v == "" {
			q.Del(k)
			continue
		}
		q.Set(k, v)
	}
	return p.srv.Endpoints().Authorization + "?" + q.Encode()
}

// authorize returns the parameters of the authorization response.
func (p *rp) authorize(params map[string]string) url.Values {
	p.t.Helper()
	got, err := p.srv.Authorize(p.t.Context(), p.authURL(params))
	if err != nil {
		p.t.Fatalf("Authorize: %v", err)
	}
	return got
}

// token posts a token request with the client's credentials and returns
// the JSON response and status.
func (p *rp) token(form url.Values) (map[string]any, int) {
	p.t.Helper()
	req, _ := http.NewRequestWithContext(p.t.Context(), http.MethodPost, p.srv.Endpoints().Token, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(p.client.ID), url.QueryEscape(p.client.Secret))
	return p.do(req)
}

func (p *rp) do(req *http.Request) (map[string]any, int) {
	p.t.Helper()
	res, err := p.srv.HTTPClient().Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			p.t.Fatalf("%s %s: body %q: %v", req.Method, req.URL, body, err)
		}
	}
	return m, res.StatusCode
}

// exchange redeems a code for tokens.
func (p *rp) exchange(code string) map[string]any {
	p.t.Helper()
	resp, status := p.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {authtest.DefaultRedirectURI}})
	if status != http.StatusOK {
		p.t.Fatalf("code exchange: got status %d, %v", status, resp)
	}
	return resp
}

// verify checks an ID token's signature with the provider's keys and
// returns its claims and header.
func (p *rp) verify(idToken string) (map[string]any, keyset.Header) {
	p.t.Helper()
	v, err := keyset.Verify(context.Background(), idToken, p.srv.Keys(), keyset.AsymmetricAlgorithms())
	if err != nil {
		p.t.Fatalf("verifying the ID token: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(v.Payload, &claims); err != nil {
		p.t.Fatalf("ID token claims: %v", err)
	}
	return claims, v.Header
}

func str(v any) string { s, _ := v.(string); return s }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// storedClients returns the stored records of clients.
func storedClients(t *testing.T, p *rp, ids ...string) []*storage.Client {
	t.Helper()
	var out []*storage.Client
	for _, id := range ids {
		c, err := p.srv.Store().GetClient(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}
