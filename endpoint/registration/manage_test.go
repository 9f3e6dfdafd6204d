package registration_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

const machine = `{"grant_types":["client_credentials"],"client_name":"Job","scope":"profile"}`

// updateBody is an update of reg's registration with the given members.
func updateBody(reg info, extra string) string {
	return `{"client_id":"` + reg.ClientID + `","grant_types":["client_credentials"]` + extra + `}`
}

func TestManageAccess(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, machine)
	b := f.register(t, machine)
	tests := []struct {
		name, method, id, token string
		challenge               string
	}{
		{"read without token", http.MethodGet, a.ClientID, "", `Bearer realm="https://as.example"`},
		{"read with a wrong token", http.MethodGet, a.ClientID, "wrong", `Bearer realm="https://as.example", error="invalid_token"`},
		{"read with another client's token", http.MethodGet, a.ClientID, b.RegistrationAccessToken, `Bearer realm="https://as.example", error="invalid_token"`},
		{"read an unknown client", http.MethodGet, "nobody", a.RegistrationAccessToken, `Bearer realm="https://as.example", error="invalid_token"`},
		{"update with another client's token", http.MethodPut, a.ClientID, b.RegistrationAccessToken, `Bearer realm="https://as.example", error="invalid_token"`},
		{"delete with another client's token", http.MethodDelete, a.ClientID, b.RegistrationAccessToken, `Bearer realm="https://as.example", error="invalid_token"`},
		{"delete without token", http.MethodDelete, a.ClientID, "", `Bearer realm="https://as.example"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(t, tt.method, "/register/"+url.PathEscape(tt.id), updateBody(a, ""), tt.token)
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Www-Authenticate") != tt.challenge {
				t.Errorf("got %d %q, want 401 %q", res.StatusCode, res.Header.Get("Www-Authenticate"), tt.challenge)
			}
		})
	}
	if _, err := f.store.GetClient(t.Context(), a.ClientID); err != nil {
		t.Errorf("client a after the refused requests: got %v, want it kept", err)
	}
	res := f.do(t, http.MethodPatch, "/register/"+a.ClientID, "", a.RegistrationAccessToken)
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, PUT, DELETE" {
		t.Errorf("PATCH: got %d Allow %q, want 405 GET, PUT, DELETE", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestRead(t *testing.T) {
	f := newFixture(t)
	reg := f.register(t, machine)
	res := f.do(t, http.MethodGet, "/register/"+reg.ClientID, "", reg.RegistrationAccessToken)
	checkNoStore(t, res)
	got := decode(t, res, http.StatusOK)
	if got.ClientID != reg.ClientID || got.ClientName != "Job" || got.Scope != "profile" || got.ClientSecret != "" || got.RegistrationAccessToken != "" {
		t.Errorf("read: got %+v, want the registration without secret or token", got)
	}
}

func TestUpdate(t *testing.T) {
	f := newFixture(t)
	reg := f.register(t, machine)
	tests := []struct {
		name string
		body string
		want grantry.ErrorCode
	}{
		{"no client_id", `{"grant_types":["client_credentials"]}`, grantry.ErrInvalidClientMetadata},
		{"another client_id", `{"client_id":"other","grant_types":["client_credentials"]}`, grantry.ErrInvalidClientMetadata},
		{"wrong secret", updateBody(reg, `,"client_secret":"guess"`), grantry.ErrInvalidClientMetadata},
		{"registration token sent", updateBody(reg, `,"registration_access_token":"`+reg.RegistrationAccessToken+`"`), grantry.ErrInvalidClientMetadata},
		{"issued_at sent", updateBody(reg, `,"client_id_issued_at":1`), grantry.ErrInvalidClientMetadata},
		{"invalid metadata", updateBody(reg, `,"scope":"admin"`), grantry.ErrInvalidClientMetadata},
		{"http redirect", updateBody(reg, `,"redirect_uris":["http://app.example/cb"]`), grantry.ErrInvalidRedirectURI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.do(t, http.MethodPut, "/register/"+reg.ClientID, tt.body, reg.RegistrationAccessToken)
			if got := decode(t, res, http.StatusBadRequest).Error; got != string(tt.want) {
				t.Errorf("error: got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("replaces the metadata and rotates the token", func(t *testing.T) {
		body := updateBody(reg, `,"client_secret":"`+reg.ClientSecret+`","client_name":"Renamed","contacts":["a@b.example"]`)
		got := decode(t, f.do(t, http.MethodPut, "/register/"+reg.ClientID, body, reg.RegistrationAccessToken), http.StatusOK)
		if got.ClientName != "Renamed" || got.Scope != "openid profile email" || got.ClientSecret != "" {
			t.Errorf("update: got name %q, scope %q, secret %q; want Renamed, the default scope, no new secret", got.ClientName, got.Scope, got.ClientSecret)
		}
		if got.RegistrationAccessToken == "" || got.RegistrationAccessToken == reg.RegistrationAccessToken {
			t.Fatalf("update: got registration token %q, want a new one", got.RegistrationAccessToken)
		}
		c := f.stored(t, reg.ClientID)
		if !secret.Verify(c.SecretHash, reg.ClientSecret) || c.Name != "Renamed" || c.CreatedAt.Unix() != reg.ClientIDIssuedAt {
			t.Errorf("stored: got %+v, want the old secret and creation time, the new name", c)
		}
		res := f.do(t, http.MethodGet, "/register/"+reg.ClientID, "", reg.RegistrationAccessToken)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("read with the old token: got %d, want 401", res.StatusCode)
		}
		decode(t, f.do(t, http.MethodGet, "/register/"+reg.ClientID, "", got.RegistrationAccessToken), http.StatusOK)
	})
	t.Run("public to confidential issues a secret", func(t *testing.T) {
		pub := f.register(t, `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none"}`)
		body := `{"client_id":"` + pub.ClientID + `","redirect_uris":["https://a.example/cb"]}`
		got := decode(t, f.do(t, http.MethodPut, "/register/"+pub.ClientID, body, pub.RegistrationAccessToken), http.StatusOK)
		if got.AuthMethod != "client_secret_basic" || got.ClientSecret == "" || !secret.Verify(f.stored(t, pub.ClientID).SecretHash, got.ClientSecret) {
			t.Errorf("update: got method %q, secret %q; want client_secret_basic with a new secret", got.AuthMethod, got.ClientSecret)
		}
	})
}

func TestDeleteRevokesTokens(t *testing.T) {
	f := newFixture(t)
	reg := f.register(t, machine)
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, f.url+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(reg.ClientID, reg.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if tok.AccessToken == "" {
		t.Fatalf("token: got status %d, want an access token", res.StatusCode)
	}
	if live, err := f.store.TokenByAccess(t.Context(), secret.Digest(tok.AccessToken)); err != nil || live.Revoked {
		t.Fatalf("token before delete: got %v, want it live", err)
	}
	res = f.do(t, http.MethodDelete, "/register/"+reg.ClientID, "", reg.RegistrationAccessToken)
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: got %d, want 204", res.StatusCode)
	}
	checkNoStore(t, res)
	if _, err := f.store.GetClient(t.Context(), reg.ClientID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("client after delete: got %v, want ErrNotFound", err)
	}
	stored, err := f.store.TokenByAccess(t.Context(), secret.Digest(tok.AccessToken))
	if err == nil && !stored.Revoked {
		t.Errorf("token after delete: got it live, want it revoked or gone")
	}
	res = f.do(t, http.MethodDelete, "/register/"+reg.ClientID, "", reg.RegistrationAccessToken)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("delete again: got %d, want 401", res.StatusCode)
	}
}
