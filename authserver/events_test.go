package authserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var evNow = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// evRecorder records the events a server fires.
type evRecorder struct {
	authenticated []string // "client method endpoint"
	issued        []*storage.Token
	failed        []string // "path code"
}

func (r *evRecorder) events() authserver.Events {
	return authserver.Events{
		ClientAuthenticated: func(_ context.Context, c *storage.Client, m grantry.AuthMethod, endpoint string) {
			r.authenticated = append(r.authenticated, c.ID+" "+string(m)+" "+endpoint)
		},
		TokenIssued: func(_ context.Context, tok *storage.Token) {
			c := *tok
			r.issued = append(r.issued, &c)
		},
		Failed: func(req *http.Request, e *grantry.Error) {
			r.failed = append(r.failed, req.URL.Path+" "+string(e.Code))
		},
	}
}

// evServer is a server with the client credentials and password grants
// and the clients cc (basic) and pp (post, may refresh).
func evServer(t *testing.T, tokens storage.TokenStore, events authserver.Events) (*authserver.Server, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	for _, c := range []*storage.Client{
		{ID: "cc", SecretHash: secret.HashSecret("cc-secret"), Scope: grantry.Scope{"read"},
			GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials}},
		{ID: "pp", SecretHash: secret.HashSecret("pp-secret"), AuthMethod: grantry.AuthClientSecretPost, Scope: grantry.Scope{"read"},
			GrantTypes: []grantry.GrantType{grantry.GrantPassword, grantry.GrantRefreshToken}},
	} {
		if err := store.CreateClient(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	if tokens == nil {
		tokens = store
	}
	srv, err := authserver.New(authserver.Config{
		Issuer: "https://as.test", Clients: store, Tokens: tokens, Events: events,
		Now: func() time.Time { return evNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	srv.RegisterGrant(password.New(evUsers{}, password.Config{AuthMethods: []grantry.AuthMethod{grantry.AuthClientSecretPost}}))
	return srv, store
}

type evUsers struct{}

func (evUsers) AuthenticateUser(_ context.Context, name, pw string) (string, error) {
	if name == "alice" && pw == "pw" {
		return "user-alice", nil
	}
	return "", password.ErrInvalidCredentials
}

func evToken(t *testing.T, srv *authserver.Server, form url.Values, basicID, basicSecret string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(basicID, basicSecret)
	}
	rec := httptest.NewRecorder()
	srv.ServeToken(rec, req)
	var body map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec.Code, body
}

// TestEventClientAuthenticated: called after each successful client
// authentication, with the client, method and endpoint; never after a
// failed one.
func TestEventClientAuthenticated(t *testing.T) {
	tests := []struct {
		name       string
		form       url.Values
		id, secret string
		wantStatus int
		want       []string
	}{
		{"basic at the token endpoint", url.Values{"grant_type": {"client_credentials"}}, "cc", "cc-secret", 200,
			[]string{"cc client_secret_basic token"}},
		{"post at the token endpoint", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"pw"},
			"client_id": {"pp"}, "client_secret": {"pp-secret"}}, "", "", 200, []string{"pp client_secret_post token"}},
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}}, "cc", "wrong", 401, nil},
		{"method the client did not register", url.Values{"grant_type": {"client_credentials"}}, "pp", "pp-secret", 401, nil},
		{"authenticated, then the grant fails", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"bad"},
			"client_id": {"pp"}, "client_secret": {"pp-secret"}}, "", "", 400, []string{"pp client_secret_post token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &evRecorder{}
			srv, _ := evServer(t, nil, rec.events())
			status, body := evToken(t, srv, tt.form, tt.id, tt.secret)
			if status != tt.wantStatus {
				t.Fatalf("status: got %d (%v), want %d", status, body, tt.wantStatus)
			}
			if !slices.Equal(rec.authenticated, tt.want) {
				t.Errorf("ClientAuthenticated calls: got %q, want %q", rec.authenticated, tt.want)
			}
		})
	}
}

// TestEventClientAuthenticatedOtherEndpoint: the endpoint name given to
// AuthenticateClient is passed on.
func TestEventClientAuthenticatedOtherEndpoint(t *testing.T) {
	rec := &evRecorder{}
	srv, _ := evServer(t, nil, rec.events())
	r := httptest.NewRequest(http.MethodPost, "/revoke", nil)
	r.SetBasicAuth("cc", "cc-secret")
	req := &authserver.ClientAuthRequest{HTTP: r, Params: authserver.Params{}, Endpoint: grantry.EndpointRevocation}
	if _, _, err := srv.AuthenticateClient(context.Background(), req, []grantry.AuthMethod{grantry.AuthClientSecretBasic}); err != nil {
		t.Fatalf("AuthenticateClient: %v", err)
	}
	if want := []string{"cc client_secret_basic revocation"}; !slices.Equal(rec.authenticated, want) {
		t.Errorf("got %q, want %q", rec.authenticated, want)
	}
}

// TestEventTokenIssued: called once per stored token, with the record
// that holds the digests of the tokens in the response.
func TestEventTokenIssued(t *testing.T) {
	rec := &evRecorder{}
	srv, store := evServer(t, nil, rec.events())
	status, body := evToken(t, srv, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"pw"},
		"client_id": {"pp"}, "client_secret": {"pp-secret"}, "scope": {"read"}}, "", "")
	if status != http.StatusOK {
		t.Fatalf("status: got %d (%v), want 200", status, body)
	}
	if len(rec.issued) != 1 {
		t.Fatalf("TokenIssued calls: got %d, want 1", len(rec.issued))
	}
	tok := rec.issued[0]
	access, _ := body["access_token"].(string)
	refreshTok, _ := body["refresh_token"].(string)
	if tok.AccessHash != secret.Digest(access) || tok.RefreshHash != secret.Digest(refreshTok) || refreshTok == "" {
		t.Errorf("record digests do not match the response's tokens: %+v", tok)
	}
	if tok.ClientID != "pp" || tok.Subject != "user-alice" || tok.GrantType != grantry.GrantPassword || !tok.IssuedAt.Equal(evNow) {
		t.Errorf("record: got %+v, want client pp, subject user-alice, grant password, issued at %v", tok, evNow)
	}
	if stored, err := store.TokenByAccess(context.Background(), tok.AccessHash); err != nil || stored.ID != tok.ID {
		t.Errorf("the reported token is not in the store: %v, %v", stored, err)
	}

	status, _ = evToken(t, srv, url.Values{"grant_type": {"client_credentials"}}, "cc", "wrong")
	if status != http.StatusUnauthorized || len(rec.issued) != 1 {
		t.Errorf("failed request: got status %d and %d TokenIssued calls, want 401 and still 1", status, len(rec.issued))
	}
}

// evFailingTokens refuses to store tokens.
type evFailingTokens struct{ *memstore.Store }

func (evFailingTokens) CreateToken(context.Context, *storage.Token) error {
	return errors.Join(storage.ErrUnavailable, errors.New("disk full"))
}

func TestEventTokenIssuedNotCalledWhenStoringFails(t *testing.T) {
	rec := &evRecorder{}
	srv, _ := evServer(t, evFailingTokens{memstore.New()}, rec.events())
	status, _ := evToken(t, srv, url.Values{"grant_type": {"client_credentials"}}, "cc", "cc-secret")
	if status != http.StatusServiceUnavailable {
		t.Errorf("status: got %d, want 503", status)
	}
	if len(rec.issued) != 0 {
		t.Errorf("TokenIssued calls: got %d, want 0", len(rec.issued))
	}
}

// TestEventFailed: called once for every failed request the server
// answers, with the error as it is rendered; never for a success.
func TestEventFailed(t *testing.T) {
	tests := []struct {
		name       string
		form       url.Values
		id, secret string
		wantStatus int
		want       []string
	}{
		{"success", url.Values{"grant_type": {"client_credentials"}}, "cc", "cc-secret", 200, nil},
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}}, "cc", "wrong", 401, []string{"/token invalid_client"}},
		{"unknown grant type", url.Values{"grant_type": {"foo"}}, "cc", "cc-secret", 400, []string{"/token unsupported_grant_type"}},
		{"wrong password", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"bad"},
			"client_id": {"pp"}, "client_secret": {"pp-secret"}}, "", "", 400, []string{"/token invalid_grant"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &evRecorder{}
			srv, _ := evServer(t, nil, rec.events())
			status, body := evToken(t, srv, tt.form, tt.id, tt.secret)
			if status != tt.wantStatus {
				t.Fatalf("status: got %d (%v), want %d", status, body, tt.wantStatus)
			}
			if !slices.Equal(rec.failed, tt.want) {
				t.Errorf("Failed calls: got %q, want %q", rec.failed, tt.want)
			}
		})
	}
}

// TestEventFailedStoreOutage: the error passed on carries the cause that
// is logged and never sent.
func TestEventFailedStoreOutage(t *testing.T) {
	var got *grantry.Error
	events := authserver.Events{Failed: func(_ *http.Request, e *grantry.Error) { got = e }}
	srv, _ := evServer(t, evFailingTokens{memstore.New()}, events)
	status, body := evToken(t, srv, url.Values{"grant_type": {"client_credentials"}}, "cc", "cc-secret")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status: got %d (%v), want 503", status, body)
	}
	if got == nil || got.Code != grantry.ErrTemporarilyUnavailable || !errors.Is(got.Cause, storage.ErrUnavailable) {
		t.Errorf("Failed error: got %+v, want temporarily_unavailable caused by storage.ErrUnavailable", got)
	}
}
