package oauth2

import (
	"errors"
	"net/url"
	"testing"

	"github.com/grantry/grantry"
)

func TestCodeChallengeRFC7636(t *testing.T) {
	// RFC 7636 Appendix B.
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	tests := []struct {
		method, want string
	}{
		{PKCES256, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		{PKCEPlain, verifier},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			if got := CodeChallenge(tt.method, verifier); got != tt.want {
				t.Errorf("CodeChallenge = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAuthorizationURL(t *testing.T) {
	base := Config{
		ClientID: "c1", AuthorizationEndpoint: "https://as.test/authorize?tenant=t1",
		RedirectURL: "https://client.test/cb", Scopes: []string{"openid", "email"},
	}
	tests := []struct {
		name       string
		mutate     func(*Config)
		params     []Param
		wantMethod string // "" means no PKCE
		wantQuery  map[string]string
	}{
		{
			name: "defaults", wantMethod: PKCES256,
			wantQuery: map[string]string{"response_type": "code", "client_id": "c1", "redirect_uri": "https://client.test/cb", "scope": "openid email", "tenant": "t1"},
		},
		{name: "plain PKCE", mutate: func(c *Config) { c.PKCEMethod = PKCEPlain }, wantMethod: PKCEPlain},
		{name: "PKCE disabled", mutate: func(c *Config) { c.InsecureDisablePKCE = true }},
		{
			name: "extra params", params: []Param{SetParam("prompt", "consent"), SetParam("scope", "email")}, wantMethod: PKCES256,
			wantQuery: map[string]string{"prompt": "consent", "scope": "email"},
		},
		{name: "own state", params: []Param{SetParam("state", "my-state")}, wantMethod: PKCES256, wantQuery: map[string]string{"state": "my-state"}},
		{name: "no redirect or scope", mutate: func(c *Config) { c.RedirectURL, c.Scopes = "", nil }, wantMethod: PKCES256, wantQuery: map[string]string{"redirect_uri": "", "scope": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			if tt.mutate != nil {
				tt.mutate(&cfg)
			}
			ar, err := newClient(t, cfg).AuthorizationURL(tt.params...)
			if err != nil {
				t.Fatalf("AuthorizationURL: %v", err)
			}
			u, err := url.Parse(ar.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Scheme + "://" + u.Host + u.Path; got != "https://as.test/authorize" {
				t.Errorf("endpoint = %q, want https://as.test/authorize", got)
			}
			q := u.Query()
			for name, want := range tt.wantQuery {
				if got := q.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if q.Get("state") != ar.State || ar.State == "" {
				t.Errorf("state in URL %q, in request %q: want the same, not empty", q.Get("state"), ar.State)
			}
			if _, own := tt.wantQuery["state"]; !own && len(ar.State) != 43 {
				t.Errorf("generated state %q has %d characters, want 43 (256 bits)", ar.State, len(ar.State))
			}
			checkPKCE(t, q, ar, tt.wantMethod)
		})
	}
}

func checkPKCE(t *testing.T, q url.Values, ar *AuthRequest, method string) {
	t.Helper()
	if method == "" {
		if q.Has("code_challenge") || q.Has("code_challenge_method") || ar.CodeVerifier != "" {
			t.Errorf("PKCE sent although disabled: %v, verifier %q", q, ar.CodeVerifier)
		}
		return
	}
	if len(ar.CodeVerifier) != 43 {
		t.Errorf("code verifier %q has %d characters, want 43", ar.CodeVerifier, len(ar.CodeVerifier))
	}
	if got := q.Get("code_challenge_method"); got != method {
		t.Errorf("code_challenge_method = %q, want %q", got, method)
	}
	if got, want := q.Get("code_challenge"), CodeChallenge(method, ar.CodeVerifier); got != want {
		t.Errorf("code_challenge = %q, want %q", got, want)
	}
}

func TestAuthorizationURLFresh(t *testing.T) {
	c := newClient(t, Config{ClientID: "c1", AuthorizationEndpoint: "https://as.test/authorize"})
	a, _ := c.AuthorizationURL()
	b, _ := c.AuthorizationURL()
	if a.State == b.State || a.CodeVerifier == b.CodeVerifier {
		t.Error("two requests share a state or a code verifier")
	}
}

func TestAuthorizationURLNoEndpoint(t *testing.T) {
	_, err := newClient(t, Config{ClientID: "c1"}).AuthorizationURL()
	if !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("error = %v, want ErrNoEndpoint", err)
	}
}

func TestParseCallback(t *testing.T) {
	ar := &AuthRequest{State: "st-123"}
	plain := newClient(t, Config{ClientID: "c1"})
	withIss := newClient(t, Config{ClientID: "c1", Issuer: "https://as.test"})
	strictIss := newClient(t, Config{ClientID: "c1", Issuer: "https://as.test", RequireIssuer: true})
	tests := []struct {
		name      string
		client    *Client
		query     string
		ar        *AuthRequest
		wantCode  string
		wantErr   error
		wantOAuth *Error
	}{
		{name: "code", client: plain, query: "code=abc&state=st-123", ar: ar, wantCode: "abc"},
		{name: "state mismatch", client: plain, query: "code=abc&state=other", ar: ar, wantErr: ErrState},
		{name: "state missing", client: plain, query: "code=abc", ar: ar, wantErr: ErrState},
		{name: "no request", client: plain, query: "code=abc&state=", ar: nil, wantErr: ErrState},
		{name: "empty request state", client: plain, query: "code=abc&state=", ar: &AuthRequest{}, wantErr: ErrState},
		{name: "repeated code", client: plain, query: "code=a&code=b&state=st-123", ar: ar, wantErr: ErrCallback},
		{name: "repeated state", client: plain, query: "code=a&state=st-123&state=st-123", ar: ar, wantErr: ErrCallback},
		{name: "no code", client: plain, query: "state=st-123", ar: ar, wantErr: ErrCallback},
		{
			name: "error response", client: plain, ar: ar,
			query:     "error=access_denied&error_description=user+said+no&error_uri=https%3A%2F%2Fas.test%2Fe&state=st-123",
			wantOAuth: &Error{Code: grantry.ErrAccessDenied, Description: "user said no", URI: "https://as.test/e"},
		},
		{name: "error with wrong state", client: plain, query: "error=access_denied&state=x", ar: ar, wantErr: ErrState},
		{name: "issuer matches", client: withIss, query: "code=abc&state=st-123&iss=https%3A%2F%2Fas.test", ar: ar, wantCode: "abc"},
		{name: "issuer absent allowed", client: withIss, query: "code=abc&state=st-123", ar: ar, wantCode: "abc"},
		{name: "issuer mismatch", client: withIss, query: "code=abc&state=st-123&iss=https%3A%2F%2Fevil.test", ar: ar, wantErr: ErrIssuer},
		{name: "issuer mismatch on error", client: withIss, query: "error=access_denied&state=st-123&iss=https%3A%2F%2Fevil.test", ar: ar, wantErr: ErrIssuer},
		{name: "issuer required", client: strictIss, query: "code=abc&state=st-123", ar: ar, wantErr: ErrIssuer},
		{name: "issuer ignored when unknown", client: plain, query: "code=abc&state=st-123&iss=https%3A%2F%2Fany.test", ar: ar, wantCode: "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			code, err := tt.client.ParseCallback(q, tt.ar)
			switch {
			case tt.wantOAuth != nil:
				var oe *Error
				if !errors.As(err, &oe) {
					t.Fatalf("error = %v, want *Error", err)
				}
				if oe.Code != tt.wantOAuth.Code || oe.Description != tt.wantOAuth.Description || oe.URI != tt.wantOAuth.URI || oe.StatusCode != 0 {
					t.Errorf("error = %+v, want %+v", oe, tt.wantOAuth)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
			default:
				if err != nil || code != tt.wantCode {
					t.Fatalf("ParseCallback = %q, %v; want %q", code, err, tt.wantCode)
				}
			}
		})
	}
}
