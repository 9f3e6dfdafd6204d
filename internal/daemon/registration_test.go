package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/secret"
)

// registered is a client information response (RFC 7591 §3.2.1).
type registered struct {
	ClientID                string `json:"client_id"`
	ClientSecret            string `json:"client_secret"`
	RegistrationAccessToken string `json:"registration_access_token"`
	RegistrationClientURI   string `json:"registration_client_uri"`
	ClientName              string `json:"client_name"`
	Error                   string `json:"error"`
}

// sendJSON sends a request with a JSON body and a bearer token, each
// optional.
func (h *harness) sendJSON(method, path, body, token string) (response, registered) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.url(path), strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r := do(h.t, http.DefaultClient, req)
	var info registered
	_ = json.Unmarshal([]byte(r.body), &info)
	return r, info
}

func withRegistration(mode string) func(*serveConfig) {
	return func(c *serveConfig) { c.Registration, c.Scopes = mode, "openid profile email" }
}

// metadataHas reports whether both metadata documents list
// registration_endpoint, and checks they agree.
func (h *harness) metadataHas(member string) bool {
	h.t.Helper()
	var found []bool
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		r := h.get(http.DefaultClient, path)
		var m map[string]any
		if err := json.Unmarshal([]byte(r.body), &m); err != nil {
			h.t.Fatalf("GET %s: status %d, %v", path, r.status, err)
		}
		_, ok := m[member]
		found = append(found, ok)
		if ok && m[member] != h.srv.URL+registrationPath {
			h.t.Errorf("%s %s: got %v, want %s", path, member, m[member], h.srv.URL+registrationPath)
		}
	}
	if found[0] != found[1] {
		h.t.Errorf("%s: in one metadata document only: %v", member, found)
	}
	return found[0]
}

func TestRegistrationOffByDefault(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{registrationPath, registrationPath + "/" + testClient} {
		if r, _ := h.sendJSON(http.MethodPost, path, `{"redirect_uris":["https://app.example/cb"]}`, ""); r.status != http.StatusNotFound {
			t.Errorf("POST %s: got %d, want 404", path, r.status)
		}
	}
	if h.metadataHas("registration_endpoint") {
		t.Error("metadata: got registration_endpoint, want none while registration is off")
	}
}

func TestRegistrationRejectsHTTPRedirect(t *testing.T) {
	h := newHarness(t, withRegistration(registrationOpen))
	r, info := h.sendJSON(http.MethodPost, registrationPath, `{"redirect_uris":["http://app.example/cb"]}`, "")
	if r.status != http.StatusBadRequest || info.Error != "invalid_redirect_uri" {
		t.Errorf("got %d %q, want 400 invalid_redirect_uri", r.status, info.Error)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
}

// TestRegisteredClientSignsIn: a native app registers itself, then runs
// the authorization code flow with PKCE, reads, updates and deletes its
// registration.
func TestRegisteredClientSignsIn(t *testing.T) {
	h := newHarness(t, withRegistration(registrationOpen))
	if !h.metadataHas("registration_endpoint") {
		t.Fatal("metadata: got no registration_endpoint, want it")
	}
	const callback = "http://127.0.0.1:9/native"
	r, reg := h.sendJSON(http.MethodPost, registrationPath, `{"client_name":"Native","redirect_uris":["`+callback+`"],
		"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"scope":"profile"}`, "")
	if r.status != http.StatusCreated || reg.ClientSecret != "" || reg.RegistrationClientURI != h.srv.URL+registrationPath+"/"+reg.ClientID {
		t.Fatalf("register: got %d %+v, want 201 without secret", r.status, reg)
	}
	verifier := secret.Token()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {callback}, "scope": {"profile"},
		"state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	code := h.approvedCode(h.browser(), "/authorize?"+q.Encode())
	tok := h.post(http.DefaultClient, "/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {callback}, "client_id": {reg.ClientID}, "code_verifier": {verifier}})
	if tok.status != http.StatusOK || !strings.Contains(tok.body, `"access_token"`) {
		t.Fatalf("token: got %d %s, want 200 with an access token", tok.status, tok.body)
	}

	if r, _ := h.sendJSON(http.MethodGet, reg.RegistrationClientURI, "", "wrong"); r.status != http.StatusUnauthorized ||
		!strings.Contains(r.header.Get("Www-Authenticate"), `error="invalid_token"`) {
		t.Errorf("read with a wrong token: got %d %q, want 401 invalid_token", r.status, r.header.Get("Www-Authenticate"))
	}
	if r, info := h.sendJSON(http.MethodGet, reg.RegistrationClientURI, "", reg.RegistrationAccessToken); r.status != http.StatusOK || info.ClientName != "Native" {
		t.Errorf("read: got %d %+v, want 200 Native", r.status, info)
	}
	r, upd := h.sendJSON(http.MethodPut, reg.RegistrationClientURI, `{"client_id":"`+reg.ClientID+`","client_name":"Renamed",
		"redirect_uris":["`+callback+`"],"token_endpoint_auth_method":"none","scope":"profile"}`, reg.RegistrationAccessToken)
	if r.status != http.StatusOK || upd.ClientName != "Renamed" || upd.RegistrationAccessToken == "" {
		t.Fatalf("update: got %d %+v, want 200 Renamed with a new token", r.status, upd)
	}
	if c, err := h.store.GetClient(context.Background(), reg.ClientID); err != nil || c.Name != "Renamed" {
		t.Errorf("stored after update: got %v, %v; want Renamed", c, err)
	}
	if r, _ := h.sendJSON(http.MethodDelete, reg.RegistrationClientURI, "", reg.RegistrationAccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("delete with the rotated-out token: got %d, want 401", r.status)
	}
	if r, _ := h.sendJSON(http.MethodDelete, reg.RegistrationClientURI, "", upd.RegistrationAccessToken); r.status != http.StatusNoContent {
		t.Fatalf("delete: got %d, want 204", r.status)
	}
	if _, err := h.store.GetClient(context.Background(), reg.ClientID); err == nil {
		t.Error("client after delete: still stored")
	}
	if r, _ := h.sendJSON(http.MethodGet, reg.RegistrationClientURI, "", upd.RegistrationAccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("read after delete: got %d, want 401", r.status)
	}
}

// TestRegistrationWithInitialToken: with --registration token, only the
// holder of a token from grantry registration-token create registers, until
// it is revoked.
func TestRegistrationWithInitialToken(t *testing.T) {
	h := newHarness(t, withRegistration(registrationToken))
	old := openStore
	openStore = func(context.Context, string, string) (*backend, error) { return memoryBackend(h.store), nil }
	t.Cleanup(func() { openStore = old })
	cli := &admin{t: t, store: h.store}
	var made regTokenJSON
	if err := json.Unmarshal([]byte(cli.mustRun("", "registration-token", "create", "--description", "partner", "--json")), &made); err != nil || made.Token == "" {
		t.Fatalf("registration-token create: got %+v, %v; want a token", made, err)
	}
	if out := cli.mustRun("", "registration-token", "list"); !strings.Contains(out, made.ID) || !strings.Contains(out, "partner") || strings.Contains(out, made.Token) {
		t.Errorf("registration-token list: got %q, want the ID and description, never the token", out)
	}
	body := `{"redirect_uris":["https://app.example/cb"]}`
	tests := []struct {
		name, token string
		status      int
	}{
		{"without token", "", http.StatusUnauthorized},
		{"wrong token", "nope", http.StatusUnauthorized},
		{"with the token", made.Token, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r, _ := h.sendJSON(http.MethodPost, registrationPath, body, tt.token); r.status != tt.status {
				t.Errorf("got %d (%s), want %d", r.status, r.body, tt.status)
			}
		})
	}
	cli.mustRun("", "registration-token", "revoke", made.ID)
	if r, _ := h.sendJSON(http.MethodPost, registrationPath, body, made.Token); r.status != http.StatusUnauthorized {
		t.Errorf("after revoke: got %d, want 401", r.status)
	}
	if code, _, errOut := cli.run("", "registration-token", "revoke", made.ID); code != 1 || !strings.Contains(errOut, "no initial access token") {
		t.Errorf("revoke again: got exit %d %q, want 1 and no such token", code, errOut)
	}
}

func TestRegistrationFlagChecked(t *testing.T) {
	tests := []struct {
		name, mode, scopes, want string
	}{
		{"unknown mode", "maybe", "profile", "want off, open or token"},
		{"open without scopes", registrationOpen, "", "needs --scopes"},
		{"token without scopes", registrationToken, " ", "needs --scopes"},
		{"off without scopes", registrationOff, "", ""},
		{"open with scopes", registrationOpen, "profile", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, func(c *serveConfig) { c.Registration, c.Scopes = tt.mode, tt.scopes })
			err := cfg.check()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("check: got %v, want %q", err, tt.want)
			}
		})
	}
}

// A client registered with client_secret_jwt gets a secret the server can
// open: it authenticates with an HMAC assertion at every endpoint.
func TestRegistrationClientSecretJWT(t *testing.T) {
	s := newAssertionSetup(t, withRegistration(registrationOpen))
	r, info := s.h.sendJSON(http.MethodPost, registrationPath, `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_jwt","scope":"profile"}`, "")
	if r.status != http.StatusCreated || info.ClientSecret == "" {
		t.Fatalf("register: %d %s, want 201 with a secret", r.status, r.body)
	}
	tokenRoundTrip(t, s.client(t, oauth2.Config{ClientID: info.ClientID, ClientSecret: info.ClientSecret, AuthMethod: grantry.AuthClientSecretJWT}))
}
