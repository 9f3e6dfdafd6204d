package registration_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/endpoint/registration"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

const jwksDoc = `{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`

func TestRegisterErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want grantry.ErrorCode
	}{
		{"not an object", `[1]`, grantry.ErrInvalidClientMetadata},
		{"not JSON", `{`, grantry.ErrInvalidClientMetadata},
		{"http redirect off loopback", `{"redirect_uris":["http://app.example/cb"]}`, grantry.ErrInvalidRedirectURI},
		{"redirect with fragment", `{"redirect_uris":["https://app.example/cb#x"]}`, grantry.ErrInvalidRedirectURI},
		{"javascript redirect", `{"redirect_uris":["javascript:alert(1)"]}`, grantry.ErrInvalidRedirectURI},
		{"no redirect for the code grant", `{}`, grantry.ErrInvalidRedirectURI},
		{"redirect_uris not an array", `{"redirect_uris":"https://app.example/cb"}`, grantry.ErrInvalidClientMetadata},
		{"scope not a string", `{"redirect_uris":["https://a.example/cb"],"scope":["openid"]}`, grantry.ErrInvalidClientMetadata},
		{"unknown scope", `{"redirect_uris":["https://a.example/cb"],"scope":"openid admin"}`, grantry.ErrInvalidClientMetadata},
		{"unsupported grant", `{"grant_types":["password"]}`, grantry.ErrInvalidClientMetadata},
		{"unsupported response type", `{"redirect_uris":["https://a.example/cb"],"response_types":["code foo"]}`, grantry.ErrInvalidClientMetadata},
		{"code without its grant", `{"redirect_uris":["https://a.example/cb"],"grant_types":["implicit"],"response_types":["code"]}`, grantry.ErrInvalidClientMetadata},
		{"code grant without code", `{"redirect_uris":["https://a.example/cb"],"grant_types":["authorization_code","implicit"],"response_types":["token"]}`, grantry.ErrInvalidClientMetadata},
		{"unsupported auth method", `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"tls_client_auth"}`, grantry.ErrInvalidClientMetadata},
		{"public client credentials", `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"none"}`, grantry.ErrInvalidClientMetadata},
		{"jwks and jwks_uri", `{"grant_types":["client_credentials"],"jwks_uri":"https://a.example/jwks","jwks":` + jwksDoc + `}`, grantry.ErrInvalidClientMetadata},
		{"jwks not an object", `{"grant_types":["client_credentials"],"jwks":"x"}`, grantry.ErrInvalidClientMetadata},
		{"jwks with a private key", `{"grant_types":["client_credentials"],"jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}}`, grantry.ErrInvalidClientMetadata},
		{"empty jwks", `{"grant_types":["client_credentials"],"jwks":{"keys":[]}}`, grantry.ErrInvalidClientMetadata},
		{"http jwks_uri", `{"grant_types":["client_credentials"],"jwks_uri":"http://a.example/jwks"}`, grantry.ErrInvalidClientMetadata},
		{"client_uri not a URL", `{"grant_types":["client_credentials"],"client_uri":"javascript:x"}`, grantry.ErrInvalidClientMetadata},
		{"ID token alg none", `{"redirect_uris":["https://a.example/cb"],"id_token_signed_response_alg":"none"}`, grantry.ErrInvalidClientMetadata},
		{"ID token alg HS256", `{"redirect_uris":["https://a.example/cb"],"id_token_signed_response_alg":"HS256"}`, grantry.ErrInvalidClientMetadata},
		{"unknown subject type", `{"redirect_uris":["https://a.example/cb"],"subject_type":"secret"}`, grantry.ErrInvalidClientMetadata},
		{"pairwise over several hosts", `{"redirect_uris":["https://a.example/cb","https://b.example/cb"],"subject_type":"pairwise"}`, grantry.ErrInvalidClientMetadata},
		{"http sector identifier", `{"redirect_uris":["https://a.example/cb"],"sector_identifier_uri":"http://a.example/s.json"}`, grantry.ErrInvalidClientMetadata},
		{"unreachable sector identifier", `{"redirect_uris":["https://a.example/cb"],"sector_identifier_uri":"https://a.example/s.json"}`, grantry.ErrInvalidClientMetadata},
		{"http back-channel logout", `{"redirect_uris":["https://a.example/cb"],"backchannel_logout_uri":"http://a.example/bc"}`, grantry.ErrInvalidClientMetadata},
		{"post-logout redirect with fragment", `{"redirect_uris":["https://a.example/cb"],"post_logout_redirect_uris":["https://a.example/#x"]}`, grantry.ErrInvalidClientMetadata},
		{"signing alg without JWT method", `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_signing_alg":"ES256"}`, grantry.ErrInvalidClientMetadata},
		{"private_key_jwt without keys", `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt"}`, grantry.ErrInvalidClientMetadata},
		{"boolean as string", `{"redirect_uris":["https://a.example/cb"],"require_pushed_authorization_requests":"true"}`, grantry.ErrInvalidClientMetadata},
		{"statement not a string", `{"software_statement":1}`, grantry.ErrInvalidSoftwareStatement},
		{"statement not a JWT", `{"software_statement":"abc"}`, grantry.ErrInvalidSoftwareStatement},
	}
	f := newFixture(t, func(c *registration.Config) {
		c.AuthMethods = []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthNone, grantry.AuthPrivateKeyJWT}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(t, http.MethodPost, "/register", tt.body, "")
			checkNoStore(t, res)
			if got := decode(t, res, http.StatusBadRequest).Error; got != string(tt.want) {
				t.Errorf("error: got %q, want %q", got, tt.want)
			}
		})
	}
	list, _ := f.store.ListClients(t.Context())
	if len(list) != 0 {
		t.Errorf("stored clients: got %d, want 0", len(list))
	}
}

func checkNoStore(t *testing.T, res *http.Response) {
	t.Helper()
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
}

func TestRegisterRequest(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		status      int
	}{
		{"form body", http.MethodPost, "application/x-www-form-urlencoded", "redirect_uris=x", http.StatusBadRequest},
		{"no content type", http.MethodPost, "", `{}`, http.StatusBadRequest},
		{"too large", http.MethodPost, "application/json", `{"client_name":"` + strings.Repeat("a", registration.DefaultMaxBodyBytes) + `"}`, http.StatusRequestEntityTooLarge},
		{"GET at the registration endpoint", http.MethodGet, "", "", http.StatusMethodNotAllowed},
		{"charset allowed", http.MethodPost, "application/json; charset=utf-8", `{"redirect_uris":["https://a.example/cb"]}`, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, f.url+"/register", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Errorf("status: got %d, want %d", res.StatusCode, tt.status)
			}
		})
	}
}

func TestRegisterDefaults(t *testing.T) {
	f := newFixture(t)
	res := f.do(t, http.MethodPost, "/register", `{"redirect_uris":["https://a.example/cb"],"client_name":"App","unknown":{"x":1},"Scope":"ignored"}`, "")
	checkNoStore(t, res)
	if got := res.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type: got %q, want application/json", got)
	}
	got := decode(t, res, http.StatusCreated)
	if got.ClientID == "" || len(got.ClientSecret) != 43 || len(got.RegistrationAccessToken) != 43 {
		t.Fatalf("got client_id %q, secret %q, token %q; want all set", got.ClientID, got.ClientSecret, got.RegistrationAccessToken)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"client_id_issued_at", got.ClientIDIssuedAt, now.Unix()},
		{"client_secret_expires_at", got.ClientSecretExpiresAt != nil && *got.ClientSecretExpiresAt == 0, true},
		{"registration_client_uri", got.RegistrationClientURI, "https://as.example/register/" + got.ClientID},
		{"grant_types", strings.Join(got.GrantTypes, " "), "authorization_code"},
		{"response_types", strings.Join(got.ResponseTypes, " "), "code"},
		{"token_endpoint_auth_method", got.AuthMethod, "client_secret_basic"},
		{"scope", got.Scope, "openid profile email"},
		{"client_name", got.ClientName, "App"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	c := f.stored(t, got.ClientID)
	if !secret.Verify(c.SecretHash, got.ClientSecret) || strings.Contains(c.SecretHash, got.ClientSecret) {
		t.Errorf("stored secret hash %q: want a hash of the issued secret", c.SecretHash)
	}
	if c.RegistrationTokenHash != secret.Digest(got.RegistrationAccessToken) {
		t.Errorf("stored registration token: got %q, want the digest of the issued one", c.RegistrationTokenHash)
	}
}

func TestRegisterTypes(t *testing.T) {
	tests := []struct {
		name               string
		body               string
		wantGrants, wantRT string
	}{
		{"response types give grants", `{"redirect_uris":["https://a.example/cb"],"response_types":["code","token"]}`, "authorization_code implicit", "code|token"},
		{"grants give the supported response types", `{"redirect_uris":["https://a.example/cb"],"grant_types":["implicit"]}`, "implicit", "token"},
		{"machine client", `{"grant_types":["client_credentials"]}`, "client_credentials", ""},
		{"public native app", `{"redirect_uris":["com.example.app:/cb","http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]}`, "authorization_code refresh_token", "code"},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.register(t, tt.body)
			if g := strings.Join(got.GrantTypes, " "); g != tt.wantGrants {
				t.Errorf("grant_types: got %q, want %q", g, tt.wantGrants)
			}
			if g := strings.Join(got.ResponseTypes, "|"); g != tt.wantRT {
				t.Errorf("response_types: got %q, want %q", g, tt.wantRT)
			}
		})
	}
}

func TestRegisterPublicClientHasNoSecret(t *testing.T) {
	f := newFixture(t)
	got := f.register(t, `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none"}`)
	if got.ClientSecret != "" || got.ClientSecretExpiresAt != nil {
		t.Errorf("got secret %q, expiry %v; want neither", got.ClientSecret, got.ClientSecretExpiresAt)
	}
	if c := f.stored(t, got.ClientID); c.SecretHash != "" || !c.Public() {
		t.Errorf("stored client: got secret hash %q, want a public client", c.SecretHash)
	}
}

func TestRegisterJWKS(t *testing.T) {
	f := newFixture(t, func(c *registration.Config) {
		c.AuthMethods = []grantry.AuthMethod{grantry.AuthPrivateKeyJWT}
	})
	got := f.register(t, `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"ES256","jwks":`+jwksDoc+`}`)
	c := f.stored(t, got.ClientID)
	if got.ClientSecret != "" || c.SecretHash != "" {
		t.Errorf("private_key_jwt client: got secret %q, want none", got.ClientSecret)
	}
	if _, err := keyset.ParseJWKS([]byte(c.JWKS)); err != nil || c.TokenEndpointAuthSigningAlg != "ES256" {
		t.Errorf("stored jwks %q, alg %q: want the registered ones", c.JWKS, c.TokenEndpointAuthSigningAlg)
	}
}

func TestSoftwareStatement(t *testing.T) {
	f := newFixture(t)
	other, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"iss": "https://publisher.example", "software_id": "app-1", "client_name": "From statement",
		"redirect_uris": []string{"https://app.example/cb"}, "client_id": "chosen"}
	good := statement(t, f.stmtKey, claims)
	tests := []struct {
		name string
		stmt string
		want grantry.ErrorCode
	}{
		{"untrusted key", statement(t, other, claims), grantry.ErrUnapprovedSoftwareStatement},
		{"no iss", statement(t, f.stmtKey, map[string]any{"software_id": "x"}), grantry.ErrInvalidSoftwareStatement},
		{"expired", statement(t, f.stmtKey, map[string]any{"iss": "p", "exp": now.Add(-time.Minute).Unix()}), grantry.ErrInvalidSoftwareStatement},
		{"tampered", good[:len(good)-4] + "AAAA", grantry.ErrInvalidSoftwareStatement},
		{"unsigned", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJwIn0.", grantry.ErrInvalidSoftwareStatement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"software_statement": tt.stmt, "redirect_uris": []string{"https://a.example/cb"}})
			if got := decode(t, f.do(t, http.MethodPost, "/register", string(body), ""), http.StatusBadRequest).Error; got != string(tt.want) {
				t.Errorf("error: got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("claims win", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"software_statement": good, "client_name": "From JSON", "redirect_uris": []string{"https://other.example/cb"}})
		got := f.register(t, string(body))
		c := f.stored(t, got.ClientID)
		if c.Name != "From statement" || c.SoftwareID != "app-1" || !slices.Equal(c.RedirectURIs, []string{"https://app.example/cb"}) || c.ID == "chosen" {
			t.Errorf("stored client: got name %q, software_id %q, redirects %v, id %q; want the statement's, a random id", c.Name, c.SoftwareID, c.RedirectURIs, c.ID)
		}
	})
	t.Run("no trusted keys", func(t *testing.T) {
		f := newFixture(t, func(c *registration.Config) { c.SoftwareStatementKeys = nil })
		body, _ := json.Marshal(map[string]any{"software_statement": good})
		if got := decode(t, f.do(t, http.MethodPost, "/register", string(body), ""), http.StatusBadRequest).Error; got != string(grantry.ErrUnapprovedSoftwareStatement) {
			t.Errorf("error: got %q, want unapproved_software_statement", got)
		}
	})
}

func TestInitialAccessToken(t *testing.T) {
	f := newFixture(t, func(c *registration.Config) { c.InitialAccessTokens = initialTokens{hashOf("iat-1"): true} })
	body := `{"redirect_uris":["https://a.example/cb"]}`
	tests := []struct {
		name, header string
		status       int
		challenge    string
	}{
		{"none", "", http.StatusUnauthorized, `Bearer realm="https://as.example"`},
		{"wrong", "Bearer iat-2", http.StatusUnauthorized, `Bearer realm="https://as.example", error="invalid_token"`},
		{"not bearer", "Basic aWF0LTE=", http.StatusUnauthorized, `Bearer realm="https://as.example"`},
		{"valid", "Bearer iat-1", http.StatusCreated, ""},
		{"scheme in any case", "bearer iat-1", http.StatusCreated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.url+"/register", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status || res.Header.Get("Www-Authenticate") != tt.challenge {
				t.Errorf("got %d %q, want %d %q", res.StatusCode, res.Header.Get("Www-Authenticate"), tt.status, tt.challenge)
			}
		})
	}
}

func TestMetadataListsEndpoint(t *testing.T) {
	f := newFixture(t)
	if got, want := f.srv.Metadata()["registration_endpoint"], "https://as.example/register"; got != want {
		t.Errorf("registration_endpoint: got %v, want %q", got, want)
	}
}

func TestStoredInitialTokens(t *testing.T) {
	f := newFixture(t)
	for _, tok := range []*storage.InitialAccessToken{
		{ID: "live", Hash: hashOf("live-token"), CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "forever", Hash: hashOf("forever-token"), CreatedAt: now},
		{ID: "expired", Hash: hashOf("expired-token"), CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now},
	} {
		if err := f.store.CreateInitialAccessToken(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
	}
	check := registration.StoredInitialTokens(f.store)
	tests := []struct {
		token string
		valid bool
	}{{"live-token", true}, {"forever-token", true}, {"expired-token", false}, {"unknown", false}}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			err := check.CheckInitialAccessToken(t.Context(), hashOf(tt.token), now)
			if (err == nil) != tt.valid || err != nil && !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("got %v, want valid %v (or ErrNotFound)", err, tt.valid)
			}
		})
	}
}

func TestConfigScopes(t *testing.T) {
	f := newFixture(t, func(c *registration.Config) { c.Scopes = grantry.MustParseScope("profile") })
	if got := f.register(t, `{"grant_types":["client_credentials"]}`).Scope; got != "profile" {
		t.Errorf("default scope: got %q, want profile", got)
	}
	res := f.do(t, http.MethodPost, "/register", `{"grant_types":["client_credentials"],"scope":"email"}`, "")
	if got := decode(t, res, http.StatusBadRequest).Error; got != string(grantry.ErrInvalidClientMetadata) {
		t.Errorf("scope email: got %q, want invalid_client_metadata", got)
	}
}

func TestClientSecretJWT(t *testing.T) {
	body := `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_jwt","token_endpoint_auth_signing_alg":"HS256"}`
	methods := []grantry.AuthMethod{grantry.AuthClientSecretJWT}
	t.Run("without SealSecret", func(t *testing.T) {
		f := newFixture(t, func(c *registration.Config) { c.AuthMethods = methods })
		if got := decode(t, f.do(t, http.MethodPost, "/register", body, ""), http.StatusBadRequest).Error; got != string(grantry.ErrInvalidClientMetadata) {
			t.Errorf("got %q, want invalid_client_metadata", got)
		}
	})
	t.Run("sealed", func(t *testing.T) {
		f := newFixture(t, func(c *registration.Config) {
			c.AuthMethods = methods
			c.SealSecret = func(id, plain string) (string, error) { return "sealed:" + id + ":" + plain, nil }
		})
		got := f.register(t, body)
		c := f.stored(t, got.ClientID)
		if c.SealedSecret != "sealed:"+got.ClientID+":"+got.ClientSecret || !secret.Verify(c.SecretHash, got.ClientSecret) || c.TokenEndpointAuthSigningAlg != "HS256" {
			t.Errorf("stored: got sealed %q, alg %q; want the sealed secret and HS256", c.SealedSecret, c.TokenEndpointAuthSigningAlg)
		}
	})
}

func TestSectorIdentifierFetched(t *testing.T) {
	sector := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`["https://a.example/cb","https://b.example/cb"]`))
	}))
	defer sector.Close()
	f := newFixture(t, func(c *registration.Config) { c.SectorHTTPClient = sector.Client() })
	ok := `{"redirect_uris":["https://a.example/cb","https://b.example/cb"],"subject_type":"pairwise","sector_identifier_uri":"` + sector.URL + `/s.json"}`
	got := f.register(t, ok)
	if c := f.stored(t, got.ClientID); c.SubjectType != "pairwise" || c.SectorIdentifierURI != sector.URL+"/s.json" {
		t.Errorf("stored: got %q %q, want pairwise with the sector URI", c.SubjectType, c.SectorIdentifierURI)
	}
	unlisted := `{"redirect_uris":["https://c.example/cb"],"sector_identifier_uri":"` + sector.URL + `/s.json"}`
	if got := decode(t, f.do(t, http.MethodPost, "/register", unlisted, ""), http.StatusBadRequest).Error; got != string(grantry.ErrInvalidClientMetadata) {
		t.Errorf("unlisted redirect URI: got %q, want invalid_client_metadata", got)
	}
}
