package oidc

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

// authorize plays the provider's authorization endpoint: it issues a code
// for the request's nonce and returns the redirect's query.
func (o *op) authorize(t *testing.T, ar *AuthRequest, extra ...string) url.Values {
	t.Helper()
	u, err := url.Parse(ar.URL)
	if err != nil {
		t.Fatal(err)
	}
	o.issueCode("code-1", u.Query().Get("nonce"))
	q := url.Values{"code": {"code-1"}, "state": {u.Query().Get("state")}}
	for i := 0; i < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

func TestLogin(t *testing.T) {
	o := newOP(t)
	c := o.client(t, nil)
	ar, err := c.AuthorizationURL(oauth2.SetParam("prompt", "login"))
	if err != nil {
		t.Fatalf("AuthorizationURL: %v", err)
	}
	q, _ := url.Parse(ar.URL)
	params := q.Query()
	if params.Get("scope") != "openid" || params.Get("nonce") != ar.Nonce || len(ar.Nonce) != 43 ||
		params.Get("code_challenge_method") != "S256" || params.Get("prompt") != "login" || !strings.HasPrefix(ar.URL, o.URL+"/authorize?") {
		t.Errorf("authorization URL = %s", ar.URL)
	}
	login, err := c.Callback(bg, o.authorize(t, ar), ar)
	if err != nil {
		t.Fatalf("Callback: %v", err)
	}
	if login.IDToken.Subject != "alice" || login.Token.AccessToken != "at-1" || login.IDToken.AccessTokenHash == "" {
		t.Errorf("login = %+v / %+v", login.Token, login.IDToken)
	}
	if v := o.lastForm["code_verifier"]; len(v) != 1 || v[0] != ar.CodeVerifier {
		t.Errorf("code_verifier sent = %v, want %q", v, ar.CodeVerifier)
	}
	u, err := c.UserInfo(bg, login.IDToken)
	if err != nil || u.Email != "alice@example.com" {
		t.Errorf("UserInfo = %+v, %v", u, err)
	}
	if cur, _ := c.OAuth2().Token(bg); cur != login.Token {
		t.Error("the OAuth 2.0 client does not hold the login's token")
	}
}

func TestLoginFailures(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(o *op)
		params   []oauth2.Param
		extra    []string // callback parameters
		tamper   func(q url.Values)
		wantErr  error
		wantCode grantry.ErrorCode // an *oauth2.Error with this code
	}{
		{name: "nonce replayed from another login", setup: func(o *op) {
			o.claims = func(_, at string) map[string]any { return with(o.defaultClaims("stolen", at)) }
		}, wantErr: ErrNonce},
		{name: "at_hash of another token", setup: func(o *op) {
			o.claims = func(n, _ string) map[string]any { return o.defaultClaims(n, "at-other") }
		}, wantErr: ErrAccessTokenHash},
		{name: "no id_token", setup: func(o *op) { o.noIDToken = true }, wantErr: ErrNoIDToken},
		{name: "token for another client", setup: func(o *op) {
			o.claims = func(n, at string) map[string]any { return with(o.defaultClaims(n, at), "aud", "c2") }
		}, wantErr: ErrAudience},
		{name: "expired", setup: func(o *op) {
			o.claims = func(n, at string) map[string]any {
				return with(o.defaultClaims(n, at), "exp", time.Now().Add(-time.Hour).Unix())
			}
		}, wantErr: ErrExpired},
		{name: "max_age exceeded", params: []oauth2.Param{oauth2.SetParam("max_age", "10")}, setup: func(o *op) {
			o.claims = func(n, at string) map[string]any {
				return with(o.defaultClaims(n, at), "auth_time", time.Now().Add(-time.Hour).Unix())
			}
		}, wantErr: ErrAuthTime},
		{name: "state forged", tamper: func(q url.Values) { q.Set("state", "forged") }, wantErr: oauth2.ErrState},
		{name: "mix-up issuer", extra: []string{"iss", "https://other-op.test"}, wantErr: oauth2.ErrIssuer},
		{name: "error response", tamper: func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") }, wantCode: grantry.ErrAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOP(t)
			if tt.setup != nil {
				tt.setup(o)
			}
			c := o.client(t, nil)
			ar, err := c.AuthorizationURL(tt.params...)
			if err != nil {
				t.Fatal(err)
			}
			q := o.authorize(t, ar, tt.extra...)
			if tt.tamper != nil {
				tt.tamper(q)
			}
			_, err = c.Callback(bg, q, ar)
			var oe *oauth2.Error
			if tt.wantCode != "" {
				if !errors.As(err, &oe) || oe.Code != tt.wantCode {
					t.Fatalf("error = %v, want %s", err, tt.wantCode)
				}
			} else if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Callback error = %v, want %v", err, tt.wantErr)
			}
			if _, err := c.OAuth2().Token(bg); !errors.Is(err, oauth2.ErrNoToken) {
				t.Errorf("after a failed login the client holds a token (Token error %v)", err)
			}
		})
	}
}

func TestLoginRequiresIssParameter(t *testing.T) {
	o := newOP(t)
	o.setMeta("authorization_response_iss_parameter_supported", true)
	c := o.client(t, nil)
	ar, _ := c.AuthorizationURL()
	if _, err := c.Callback(bg, o.authorize(t, ar), ar); !errors.Is(err, oauth2.ErrIssuer) {
		t.Errorf("callback without iss: error %v, want ErrIssuer", err)
	}
	ar, _ = c.AuthorizationURL()
	if _, err := c.Callback(bg, o.authorize(t, ar, "iss", o.URL), ar); err != nil {
		t.Errorf("callback with iss: %v", err)
	}
}

func TestClientOptions(t *testing.T) {
	o := newOP(t)
	c := o.client(t, func(cfg *ClientConfig) {
		cfg.OAuth2.Scopes = []string{"email", "openid"}
		cfg.Algorithms = []keyset.Algorithm{keyset.ES256}
		cfg.Leeway = 5 * time.Minute
	})
	ar, _ := c.AuthorizationURL(oauth2.SetParam("max_age", "0"))
	if q, _ := url.Parse(ar.URL); q.Query().Get("scope") != "email openid" {
		t.Errorf("scope = %q, want email openid as configured", q.Query().Get("scope"))
	}
	if ar.AuthAfter.IsZero() || time.Since(ar.AuthAfter) > time.Minute {
		t.Errorf("AuthAfter = %v, want about now for max_age=0", ar.AuthAfter)
	}
	if got := c.Verifier().Algorithms(); len(got) != 1 || got[0] != keyset.ES256 {
		t.Errorf("algorithms = %v, want [ES256]", got)
	}
	if c.Provider().Issuer() != o.URL {
		t.Error("Provider() is not the discovered provider")
	}
	// The provider signs with RS256, which this client does not allow.
	if _, err := c.Callback(bg, o.authorize(t, ar), ar); !errors.Is(err, keyset.ErrAlgorithm) {
		t.Errorf("error = %v, want ErrAlgorithm", err)
	}
	if _, err := c.AuthorizationURL(oauth2.SetParam("max_age", "-1")); err == nil {
		t.Error("negative max_age accepted")
	}
	if _, err := c.Callback(bg, url.Values{}, nil); !errors.Is(err, oauth2.ErrState) {
		t.Errorf("nil request: error %v, want ErrState", err)
	}
	if _, err := c.UserInfo(bg, nil); !errors.Is(err, ErrSubject) {
		t.Errorf("UserInfo(nil): error %v, want ErrSubject", err)
	}
}

// ClientConfig.TrustedAudiences reaches the client's verifier: an ID token
// that also names an API passes only when the client trusts the API.
func TestLoginTrustedAudiences(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		wantErr error
	}{
		{name: "API not trusted", wantErr: ErrAudience},
		{name: "API trusted", trusted: []string{"https://api.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOP(t)
			o.claims = func(n, at string) map[string]any {
				return with(o.defaultClaims(n, at), "aud", []string{"c1", "https://api.test"}, "azp", "c1")
			}
			c := o.client(t, func(cfg *ClientConfig) { cfg.TrustedAudiences = tt.trusted })
			ar, err := c.AuthorizationURL()
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Callback(bg, o.authorize(t, ar), ar)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Callback with trusted audiences %q: got error %v, want %v", tt.trusted, err, tt.wantErr)
			}
		})
	}
}

func TestNewClientRejectsBadConfig(t *testing.T) {
	o := newOP(t)
	_, err := NewClient(o.provider(t), ClientConfig{OAuth2: oauth2.Config{ClientID: "c1", AuthMethod: "bogus"}})
	if err == nil {
		t.Error("NewClient with an unknown auth method succeeded")
	}
}
