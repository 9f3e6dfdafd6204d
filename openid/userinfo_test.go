package openid_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var aliceClaims = map[string]map[string]any{authtest.DefaultSubject: {
	"name": "Alice Liddell", "given_name": "Alice", "email": "alice@example.test", "email_verified": true,
	"phone_number": "+15550100", "locale": "en-GB",
}}

// accessToken runs the code flow and returns the access token.
func (p *rp) accessToken(params map[string]string) string {
	p.t.Helper()
	params["response_type"] = "code"
	got := p.authorize(params)
	return str(p.exchange(got.Get("code"))["access_token"])
}

// userInfo calls UserInfo with the token in the header or, for POST, the
// body.
func (p *rp) userInfo(method, token string, inBody bool) (map[string]any, *http.Response) {
	p.t.Helper()
	body := strings.NewReader("")
	if inBody {
		body = strings.NewReader(url.Values{"access_token": {token}}.Encode())
	}
	req, _ := http.NewRequestWithContext(p.t.Context(), method, p.srv.Endpoints().UserInfo, body)
	if inBody {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := p.srv.HTTPClient().Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m, res
}

// TestUserInfo checks the claims UserInfo releases by scope and by the
// claims request (Core §5.3.2, §5.4, §5.5).
func TestUserInfo(t *testing.T) {
	p := newRP(t, authtest.Config{Claims: aliceClaims})
	tests := []struct {
		name   string
		params map[string]string
		want   []string
	}{
		{"openid only", map[string]string{"scope": "openid"}, []string{"sub"}},
		{"profile", map[string]string{"scope": "openid profile"}, []string{"sub", "name", "given_name", "locale"}},
		{"email", map[string]string{"scope": "openid email"}, []string{"sub", "email", "email_verified"}},
		{"claims request", map[string]string{"scope": "openid", "claims": `{"userinfo":{"phone_number":{"essential":true}}}`}, []string{"sub", "phone_number"}},
	}
	for _, tc := range tests {
		for _, how := range []struct {
			method string
			inBody bool
		}{{http.MethodGet, false}, {http.MethodPost, false}, {http.MethodPost, true}} {
			t.Run(tc.name+"/"+how.method, func(t *testing.T) {
				tok := p.accessToken(tc.params)
				got, res := p.userInfo(how.method, tok, how.inBody)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status: got %d, want 200", res.StatusCode)
				}
				if len(got) != len(tc.want) {
					t.Errorf("claims: got %v, want exactly %q", got, tc.want)
				}
				for _, name := range tc.want {
					want := aliceClaims[authtest.DefaultSubject][name]
					if name == "sub" {
						want = authtest.DefaultSubject
					}
					if got[name] != want {
						t.Errorf("%s: got %v, want %v", name, got[name], want)
					}
				}
				if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control: got %q, want no-store", cc)
				}
			})
		}
	}
}

// TestUserInfoErrors checks the RFC 6750 answers of UserInfo.
func TestUserInfoErrors(t *testing.T) {
	p := newRP(t, authtest.Config{Claims: aliceClaims, ExpiresIn: time.Hour})
	noOpenID := p.accessToken(map[string]string{"scope": "read"})
	expired := p.accessToken(map[string]string{"scope": "openid"})
	p.srv.Clock().Advance(2 * time.Hour)
	tests := []struct {
		name, method, token string
		status              int
		code                string
	}{
		{"no token", http.MethodGet, "", http.StatusUnauthorized, ""},
		{"unknown token", http.MethodGet, "nope", http.StatusUnauthorized, "invalid_token"},
		{"expired token", http.MethodGet, expired, http.StatusUnauthorized, "invalid_token"},
		{"no openid scope", http.MethodGet, noOpenID, http.StatusForbidden, "insufficient_scope"},
		{"PUT", http.MethodPut, "x", http.StatusMethodNotAllowed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "no openid scope" {
				p.srv.Clock().Set(authtest.DefaultTime)
				defer p.srv.Clock().Advance(2 * time.Hour)
			}
			got, res := p.userInfo(tc.method, tc.token, false)
			if res.StatusCode != tc.status {
				t.Fatalf("status: got %d, want %d", res.StatusCode, tc.status)
			}
			if str(got["error"]) != tc.code {
				t.Errorf("error: got %q, want %q", got["error"], tc.code)
			}
			if _, leaked := got["sub"]; leaked {
				t.Errorf("body: got %v, want no claims", got)
			}
			challenge := res.Header.Get("WWW-Authenticate")
			if tc.status == http.StatusUnauthorized && !strings.HasPrefix(challenge, "Bearer ") {
				t.Errorf("WWW-Authenticate: got %q, want a Bearer challenge", challenge)
			}
			if tc.code != "" && !strings.Contains(challenge, `error="`+tc.code+`"`) {
				t.Errorf("WWW-Authenticate: got %q, want error=%q", challenge, tc.code)
			}
		})
	}
}

// goneClaims knows no user.
type goneClaims struct{}

func (goneClaims) UserClaims(context.Context, string) (map[string]any, error) {
	return nil, storage.ErrNotFound
}

// TestUserInfoGone checks that an active token whose user or client no
// longer exists is answered 401 invalid_token, releasing nothing.
func TestUserInfoGone(t *testing.T) {
	store := memstore.New()
	ctx := context.Background()
	if err := store.CreateClient(ctx, &storage.Client{ID: "rp", RedirectURIs: []string{"https://rp.test/cb"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	key, _ := keyset.GenerateKey(keyset.ES256)
	set, _ := keyset.NewSet(key)
	p, err := openid.New(openid.Config{Issuer: "https://op.test", Keys: func() *keyset.Set { return set },
		Claims: goneClaims{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	h := p.UserInfo(openid.UserInfoConfig{Tokens: store, Clients: store, Logger: discardLogger()})
	for _, tc := range []struct{ name, client, access string }{
		{"user gone", "rp", "tok-user"},
		{"client gone", "deleted", "tok-client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := store.CreateToken(ctx, &storage.Token{ID: tc.access, FamilyID: tc.access, ClientID: tc.client, Subject: "ghost",
				Scope: grantry.Scope{"openid", "email"}, AccessHash: secret.Digest(tc.access), IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "/userinfo", nil)
			r.Header.Set("Authorization", "Bearer "+tc.access)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("got %d %q, want 401 with error=\"invalid_token\"", rec.Code, rec.Header().Get("WWW-Authenticate"))
			}
			if strings.Contains(rec.Body.String(), "ghost") {
				t.Errorf("body %s: want nothing of the user", rec.Body.String())
			}
		})
	}
}
