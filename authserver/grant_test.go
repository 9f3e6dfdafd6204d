package authserver_test

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/implicit"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// lockout is a third-party extension: it refuses tokens for locked
// accounts and adds a parameter to every token response.
type lockout struct{ locked string }

func (l lockout) Hooks() authserver.Hooks {
	return authserver.Hooks{
		ValidateToken: func(_ context.Context, _ *authserver.TokenRequest, iss *authserver.Issue) error {
			if iss.Subject == l.locked {
				return grantry.NewError(grantry.ErrInvalidGrant, "the account is locked")
			}
			return nil
		},
		TokenResponse: func(_ context.Context, _ *authserver.TokenRequest, tok *storage.Token, resp *grantry.TokenResponse) error {
			resp.Set("subject", tok.Subject)
			resp.Set("access_token", "replaced") // a standard parameter is never replaced
			return nil
		},
	}
}

// A grant with its own grant_type, registered through the public
// interfaces only, with an extension hooked into it.
func TestCustomGrant(t *testing.T) {
	tests := []struct {
		name    string
		client  string
		form    url.Values
		status  int
		err     string
		subject string
	}{
		{name: "success", client: "tk1", form: url.Values{"ticket": {"T-1"}, "scope": {"read"}}, status: 200, subject: "alice"},
		{name: "missing ticket", client: "tk1", form: url.Values{"scope": {"read"}}, status: 400, err: "invalid_request"},
		{name: "unknown ticket", client: "tk1", form: url.Values{"ticket": {"T-404"}}, status: 400, err: "invalid_grant"},
		{name: "scope beyond the client's", client: "tk1", form: url.Values{"ticket": {"T-1"}, "scope": {"write"}}, status: 400, err: "invalid_scope"},
		{name: "client without the grant type", client: "c1", form: url.Values{"ticket": {"T-1"}}, status: 400, err: "unauthorized_client"},
		{name: "extension refuses the subject", client: "tk1", form: url.Values{"ticket": {"T-2"}}, status: 400, err: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.srv.RegisterGrant(TicketGrant{Tickets: map[string]string{"T-1": "alice", "T-2": "mallory"}})
			f.srv.RegisterExtension(lockout{locked: "mallory"})
			v := withParams(tt.form, "grant_type", string(ticketGrantType))
			res := f.token(t, asClient(tokenRequest(v), tt.client))
			if tt.err != "" {
				checkJSONError(t, res, tt.status, tt.err)
				return
			}
			body := jsonBody(t, res)
			tok := mustToken(t, res)
			if tok.ExpiresIn != 600 || tok.RefreshToken != "" || tok.Scope != "read" {
				t.Errorf("token: got expires_in %d, refresh %q, scope %q; want 600, none, read", tok.ExpiresIn, tok.RefreshToken, tok.Scope)
			}
			if body["subject"] != tt.subject {
				t.Errorf("subject added by the extension: got %v, want %q", body["subject"], tt.subject)
			}
			if tok.AccessToken == "replaced" {
				t.Errorf("access_token: replaced by an extension's extra parameter")
			}
			stored, err := f.store.TokenByAccess(t.Context(), secret.Digest(tok.AccessToken))
			if err != nil {
				t.Fatalf("TokenByAccess: %v", err)
			}
			if stored.GrantType != ticketGrantType || stored.Subject != tt.subject || stored.ClientID != "tk1" {
				t.Errorf("stored token: got %s for %s of %s, want %s for %s of tk1", stored.GrantType, stored.Subject, stored.ClientID, ticketGrantType, tt.subject)
			}
			if !stored.ExpiresAt.Equal(fixStart.Add(10 * time.Minute)) {
				t.Errorf("ExpiresAt: got %v, want %v", stored.ExpiresAt, fixStart.Add(10*time.Minute))
			}
		})
	}
}

// noHooks is an extension without a hook.
type noHooks struct{}

func (noHooks) Hooks() authserver.Hooks { return authserver.Hooks{} }

// Registration panics on programming errors found at start-up.
func TestRegisterGrantPanics(t *testing.T) {
	tests := []struct {
		name     string
		register func(srv *authserver.Server)
	}{
		{name: "extension without hooks", register: func(srv *authserver.Server) { srv.RegisterExtension(noHooks{}) }},
		{name: "grant type twice", register: func(srv *authserver.Server) {
			srv.RegisterGrant(TicketGrant{})
			srv.RegisterGrant(TicketGrant{})
		}},
		{name: "response type twice", register: func(srv *authserver.Server) {
			srv.RegisterResponseType(implicit.New())
			srv.RegisterResponseType(implicit.New())
		}},
		{name: "endpoint twice", register: func(srv *authserver.Server) {
			srv.Mount(nameOnly("custom"))
			srv.Mount(nameOnly("custom"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := memstore.New()
			srv, err := authserver.New(authserver.Config{Clients: store, Tokens: store})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if recover() == nil {
					t.Errorf("got no panic, want one")
				}
			}()
			tt.register(srv)
		})
	}
}

func TestRegisteredTypes(t *testing.T) {
	f := newFixture(t)
	gotGT := f.srv.GrantTypes()
	slices.Sort(gotGT)
	wantGT := []grantry.GrantType{"authorization_code", "client_credentials", "password", "refresh_token"}
	if !slices.Equal(gotGT, wantGT) {
		t.Errorf("GrantTypes: got %v, want %v", gotGT, wantGT)
	}
	gotRT := f.srv.ResponseTypes()
	slices.Sort(gotRT)
	if want := []grantry.ResponseType{"code", "token"}; !slices.Equal(gotRT, want) {
		t.Errorf("ResponseTypes: got %v, want %v", gotRT, want)
	}
}

func TestNewConfig(t *testing.T) {
	store := memstore.New()
	tests := []struct {
		name    string
		cfg     authserver.Config
		wantErr bool
	}{
		{name: "minimal", cfg: authserver.Config{Clients: store, Tokens: store}},
		{name: "no client store", cfg: authserver.Config{Tokens: store}, wantErr: true},
		{name: "no token store", cfg: authserver.Config{Clients: store}, wantErr: true},
		{name: "https issuer", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "https://as.example/tenant"}},
		{name: "http issuer", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "http://as.example"}, wantErr: true},
		{name: "http issuer on loopback", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "http://127.0.0.1:8080"}},
		{name: "http issuer, insecure allowed", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "http://as.example", InsecureAllowHTTP: true}},
		{name: "issuer with a query", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "https://as.example?x=1"}, wantErr: true},
		{name: "issuer with a fragment", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "https://as.example#x"}, wantErr: true},
		{name: "issuer with an empty query", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "https://as.example?"}, wantErr: true},
		{name: "issuer with user information", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "https://u@as.example"}, wantErr: true},
		{name: "http issuer on localhost", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "http://localhost:8080"}},
		{name: "relative issuer", cfg: authserver.Config{Clients: store, Tokens: store, Issuer: "as.example"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authserver.New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Errorf("New: got error %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// InsecureAllowHTTP lets a non-loopback http redirect URI through; it is
// off by default (see TestAuthorizationEndpoint).
func TestInsecureAllowHTTPRedirect(t *testing.T) {
	f := newFixture(t, func(s *fixtureSetup) { s.Config.InsecureAllowHTTP = true })
	res := f.authorize(t, rawQuery("response_type", "code", "client_id", "http1", "redirect_uri", "http://client.test/cb", "state", "s"), approve)
	rd := parseRedirect(t, res)
	if rd.base != "http://client.test/cb" || rd.params.Get("code") == "" {
		t.Errorf("redirect: got %s %v, want http://client.test/cb with a code", rd.base, rd.params)
	}
}

// Config.ExpiresIn overrides the lifetime of one grant type.
func TestExpiresInOverride(t *testing.T) {
	f := newFixture(t, func(s *fixtureSetup) {
		s.Config.ExpiresIn = map[grantry.GrantType]time.Duration{grantry.GrantClientCredentials: 90 * time.Second}
	})
	tok := mustToken(t, f.token(t, asClient(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "cc1")))
	if tok.ExpiresIn != 90 {
		t.Errorf("expires_in: got %d, want 90", tok.ExpiresIn)
	}
	// Other grant types keep their defaults.
	pw := mustToken(t, f.token(t, asClient(tokenRequest(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"wonderland"}}), "pw1")))
	if pw.ExpiresIn != 864000 {
		t.Errorf("expires_in of the password grant: got %d, want 864000", pw.ExpiresIn)
	}
}

// nameOnly is an endpoint that answers nothing.
type nameOnly string

func (n nameOnly) Name() string                    { return string(n) }
func (nameOnly) AuthMethods() []grantry.AuthMethod { return nil }
func (nameOnly) Respond(context.Context, *authserver.EndpointRequest) ([]byte, error) {
	return nil, nil
}
