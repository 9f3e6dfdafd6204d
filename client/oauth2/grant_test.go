package oauth2

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
)

func TestExchange(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		verifier string
		wantErr  grantry.ErrorCode
	}{
		{name: "S256", method: PKCES256},
		{name: "plain", method: PKCEPlain},
		{name: "wrong verifier", method: PKCES256, verifier: "wrong-verifier-wrong-verifier-wrong-verifier", wantErr: grantry.ErrInvalidGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			cfg := srv.config()
			cfg.PKCEMethod = tt.method
			c := newClient(t, cfg)
			ar, err := c.AuthorizationURL()
			if err != nil {
				t.Fatal(err)
			}
			srv.addCode("code-1", CodeChallenge(tt.method, ar.CodeVerifier), tt.method)
			verifier := ar.CodeVerifier
			if tt.verifier != "" {
				verifier = tt.verifier
			}
			tok, err := c.Exchange(bg, "code-1", verifier)
			if tt.wantErr != "" {
				var oe *Error
				if !errors.As(err, &oe) || oe.Code != tt.wantErr || oe.StatusCode != http.StatusBadRequest {
					t.Fatalf("error = %v, want %s with HTTP 400", err, tt.wantErr)
				}
				if _, err := c.Token(bg); !errors.Is(err, ErrNoToken) {
					t.Errorf("after a failed exchange Token error = %v, want ErrNoToken", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			f := srv.form()
			if f.Get("grant_type") != "authorization_code" || f.Get("redirect_uri") != "https://client.test/cb" || f.Get("code_verifier") != verifier {
				t.Errorf("form = %v", f)
			}
			got, _ := c.Token(bg)
			if got != tok || tok.RefreshToken == "" || tok.Scope != "profile" {
				t.Errorf("client token = %+v, want the exchanged token %+v with a refresh token and scope", got, tok)
			}
		})
	}
}

func TestGrants(t *testing.T) {
	tests := []struct {
		name     string
		run      func(c *Client) (*Token, error)
		wantForm map[string]string
	}{
		{
			name:     "client credentials",
			run:      func(c *Client) (*Token, error) { return c.ClientCredentials(bg) },
			wantForm: map[string]string{"grant_type": "client_credentials", "scope": "read write"},
		},
		{
			name:     "password",
			run:      func(c *Client) (*Token, error) { return c.Password(bg, "alice", "pa ss") },
			wantForm: map[string]string{"grant_type": "password", "username": "alice", "password": "pa ss", "scope": "read write"},
		},
		{
			name:     "password with param",
			run:      func(c *Client) (*Token, error) { return c.Password(bg, "alice", "x", SetParam("scope", "read")) },
			wantForm: map[string]string{"grant_type": "password", "scope": "read"},
		},
		{
			name: "extension grant",
			run: func(c *Client) (*Token, error) {
				return c.FetchToken(bg, "urn:test:grant", SetParam("assertion", "a.b.c"))
			},
			wantForm: map[string]string{"grant_type": "urn:test:grant", "assertion": "a.b.c", "scope": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			cfg := srv.config()
			cfg.Scopes = []string{"read", "write"}
			c := newClient(t, cfg)
			tok, err := tt.run(c)
			if err != nil {
				t.Fatalf("grant: %v", err)
			}
			f := srv.form()
			for name, want := range tt.wantForm {
				if got := f.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if got := srv.header().Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q, want application/json", got)
			}
			if got := srv.header().Get("Content-Type"); got != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type = %q, want application/x-www-form-urlencoded", got)
			}
			if cur, _ := c.Token(bg); cur != tok {
				t.Error("the client does not hold the new token")
			}
		})
	}
}

func TestTokenExpiryCountsFromRequest(t *testing.T) {
	srv := newAuthServer(t)
	clk := authtest.NewClock(time.Now())
	cfg := srv.config()
	cfg.Now = clk.Now
	srv.expiresIn = 120
	tok, err := newClient(t, cfg).ClientCredentials(bg)
	if err != nil {
		t.Fatal(err)
	}
	if want := clk.Now().Add(120 * time.Second); !tok.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantCode   grantry.ErrorCode
		wantStatus int
		wantDesc   string
		wantURI    string
		wantHeader string
		wantBody   string
		wantErr    error
	}{
		{
			name: "invalid grant",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "code expired", "error_uri": "https://as.test/doc"})
			},
			wantCode: grantry.ErrInvalidGrant, wantStatus: 400, wantDesc: "code expired", wantURI: "https://as.test/doc",
		},
		{
			name:     "invalid client with challenge",
			handler:  func(w http.ResponseWriter, r *http.Request) { oauthError(w, 401, "invalid_client", "bad secret") },
			wantCode: grantry.ErrInvalidClient, wantStatus: 401, wantDesc: "bad secret", wantHeader: `Basic realm="test"`,
		},
		{
			name: "html error page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(502)
				w.Write([]byte("<html>bad gateway</html>"))
			},
			wantStatus: 502, wantBody: "<html>bad gateway</html>",
		},
		{
			name: "error with 200",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]string{"error": "bad_verification_code"})
			},
			wantCode: "bad_verification_code", wantStatus: 200,
		},
		{
			name: "error code not a string",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(400)
				w.Write([]byte(`{"error":42}`))
			},
			wantStatus: 400, wantBody: `{"error":42}`,
		},
		{
			name: "response too large",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"access_token":"` + strings.Repeat("a", maxResponseBytes) + `"}`))
			},
			wantErr: errResponseTooLarge,
		},
		{
			name:    "not json",
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("access_token=x&token_type=bearer")) },
			wantErr: ErrTokenResponse,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			srv.override = tt.handler
			_, err := newClient(t, srv.config()).ClientCredentials(bg)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("error = %v, want *Error", err)
			}
			if oe.Code != tt.wantCode || oe.StatusCode != tt.wantStatus || oe.Description != tt.wantDesc || oe.URI != tt.wantURI {
				t.Errorf("error = %+v, want code %q status %d description %q uri %q", oe, tt.wantCode, tt.wantStatus, tt.wantDesc, tt.wantURI)
			}
			if tt.wantCode != "" && !errors.Is(err, tt.wantCode) {
				t.Errorf("errors.Is(%v, %q) = false, want true", err, tt.wantCode)
			}
			if got := oe.Header.Get("WWW-Authenticate"); tt.wantHeader != "" && got != tt.wantHeader {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantHeader)
			}
			if string(oe.Body) != tt.wantBody {
				t.Errorf("Body = %q, want %q", oe.Body, tt.wantBody)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Code: "invalid_grant", Description: "expired", StatusCode: 400}, "oauth2: invalid_grant: expired (HTTP 400)"},
		{&Error{Code: "access_denied"}, "oauth2: access_denied"},
		{&Error{StatusCode: 502}, "oauth2: server error (HTTP 502)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorIs(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"same code", &Error{Code: grantry.ErrInvalidGrant, Description: "expired"}, grantry.ErrInvalidGrant, true},
		{"wrapped", fmt.Errorf("refresh: %w", &Error{Code: grantry.ErrInvalidGrant}), grantry.ErrInvalidGrant, true},
		{"other code", &Error{Code: grantry.ErrInvalidClient}, grantry.ErrInvalidGrant, false},
		{"extension code", &Error{Code: "bad_verification_code"}, grantry.ErrorCode("bad_verification_code"), true},
		{"no code", &Error{StatusCode: 502}, grantry.ErrorCode(""), false},
		{"not a code", &Error{Code: grantry.ErrInvalidGrant}, ErrNoToken, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tt.err, tt.target, got, tt.want)
			}
		})
	}
}

func TestNoTokenEndpoint(t *testing.T) {
	c := newClient(t, Config{ClientID: "c1"})
	if _, err := c.ClientCredentials(bg); !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("error = %v, want ErrNoEndpoint", err)
	}
}

func TestTransportFailure(t *testing.T) {
	srv := newAuthServer(t)
	cfg := srv.config()
	srv.Close()
	if _, err := newClient(t, cfg).ClientCredentials(bg); err == nil || !strings.HasPrefix(err.Error(), "oauth2: ") {
		t.Errorf("error = %v, want a transport error", err)
	}
}
