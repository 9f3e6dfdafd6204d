package openid_test

import (
	"crypto/sha256"
	"encoding/base64"
	"math"
	"net/http"
	"net/url"
	"testing"

	"github.com/grantry/grantry/authtest"
)

func halfSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(math.Round(f))
}

// TestCodeFlow checks the ID token of the authorization code flow
// (Core §3.1.3.6, §3.1.3.7) and of a refresh (§12.2).
func TestCodeFlow(t *testing.T) {
	p := newRP(t, authtest.Config{})
	got := p.authorize(map[string]string{"response_type": "code", "scope": "openid", "nonce": "n-0S6"})
	if got.Get("code") == "" || got.Get("id_token") != "" {
		t.Fatalf("authorization response: got %v, want a code and no id_token", got)
	}
	now := authtest.DefaultTime.Unix()
	resp := p.exchange(got.Get("code"))
	claims, hdr := p.verify(str(resp["id_token"]))
	want := map[string]any{
		"iss": p.srv.Issuer(), "sub": authtest.DefaultSubject, "aud": p.client.ID, "azp": p.client.ID,
		"nonce": "n-0S6", "at_hash": halfSHA256(str(resp["access_token"])),
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s: got %v, want %v", k, claims[k], v)
		}
	}
	for k, v := range map[string]int64{"iat": now, "auth_time": now, "exp": now + 3600} {
		if got := num(claims[k]); got != v {
			t.Errorf("claim %s: got %d, want %d", k, got, v)
		}
	}
	if _, ok := claims["c_hash"]; ok {
		t.Errorf("claim c_hash: got %v, want none at the token endpoint", claims["c_hash"])
	}
	if hdr.Algorithm != "ES256" || hdr.Type != "JWT" {
		t.Errorf("header: got alg %q typ %q, want ES256 JWT", hdr.Algorithm, hdr.Type)
	}
	t.Run("refresh", func(t *testing.T) {
		p.srv.Clock().Advance(600e9)
		r, status := p.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {str(resp["refresh_token"])}})
		if status != http.StatusOK {
			t.Fatalf("refresh: got status %d, %v", status, r)
		}
		rc, _ := p.verify(str(r["id_token"]))
		if rc["sub"] != claims["sub"] || rc["aud"] != claims["aud"] || rc["azp"] != claims["azp"] {
			t.Errorf("refreshed sub/aud/azp: got %v %v %v, want %v %v %v", rc["sub"], rc["aud"], rc["azp"], claims["sub"], claims["aud"], claims["azp"])
		}
		if got := num(rc["auth_time"]); got != now {
			t.Errorf("refreshed auth_time: got %d, want the original %d", got, now)
		}
		if got := num(rc["iat"]); got != now+600 {
			t.Errorf("refreshed iat: got %d, want %d", got, now+600)
		}
		if _, ok := rc["nonce"]; ok {
			t.Errorf("refreshed nonce: got %v, want none", rc["nonce"])
		}
		if got, want := str(rc["at_hash"]), halfSHA256(str(r["access_token"])); got != want {
			t.Errorf("refreshed at_hash: got %q, want %q", got, want)
		}
	})
}

// TestNoOpenIDScope checks that a plain OAuth 2.0 request gets no ID
// token.
func TestNoOpenIDScope(t *testing.T) {
	p := newRP(t, authtest.Config{})
	got := p.authorize(map[string]string{"response_type": "code", "scope": "read"})
	resp := p.exchange(got.Get("code"))
	if _, ok := resp["id_token"]; ok {
		t.Errorf("id_token: got %v, want none without scope openid", resp["id_token"])
	}
}

// TestImplicitAndHybrid checks each response type of the implicit and
// hybrid flows: what the response carries, in the fragment, and the ID
// token's c_hash and at_hash (Core §3.2.2.5, §3.3.2.5, §3.3.2.11).
func TestImplicitAndHybrid(t *testing.T) {
	tests := []struct {
		responseType    string
		code, token, id bool
	}{
		{"id_token", false, false, true},
		{"id_token token", false, true, true},
		{"code id_token", true, false, true},
		{"code token", true, true, false},
		{"code id_token token", true, true, true},
		{"token id_token code", true, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.responseType, func(t *testing.T) {
			p := newRP(t, authtest.Config{})
			u := p.authURL(map[string]string{"response_type": tc.responseType, "scope": "openid", "nonce": "n1"})
			loc := redirect(t, p, u)
			if loc.RawQuery != "" {
				t.Errorf("query: got %q, want the response in the fragment", loc.RawQuery)
			}
			got, _ := url.ParseQuery(loc.Fragment)
			for name, want := range map[string]bool{"code": tc.code, "access_token": tc.token, "id_token": tc.id} {
				if has := got.Get(name) != ""; has != want {
					t.Errorf("%s: present %v, want %v (%v)", name, has, want, got)
				}
			}
			if got.Get("state") != "xyz" {
				t.Errorf("state: got %q, want xyz", got.Get("state"))
			}
			if tc.id {
				claims, _ := p.verify(got.Get("id_token"))
				checkHashes(t, claims, got)
			}
			if tc.code {
				resp := p.exchange(got.Get("code"))
				claims, _ := p.verify(str(resp["id_token"]))
				if claims["sub"] != authtest.DefaultSubject || claims["nonce"] != "n1" {
					t.Errorf("exchanged ID token: got sub %v nonce %v, want %s n1", claims["sub"], claims["nonce"], authtest.DefaultSubject)
				}
			}
		})
	}
}

func checkHashes(t *testing.T, claims map[string]any, got url.Values) {
	t.Helper()
	if claims["nonce"] != "n1" {
		t.Errorf("nonce: got %v, want n1", claims["nonce"])
	}
	for claim, param := range map[string]string{"c_hash": "code", "at_hash": "access_token"} {
		want := ""
		if v := got.Get(param); v != "" {
			want = halfSHA256(v)
		}
		if str(claims[claim]) != want {
			t.Errorf("%s: got %q, want %q", claim, claims[claim], want)
		}
	}
}

// redirect follows an authorization request to its redirect.
func redirect(t *testing.T, p *rp, u string) *url.URL {
	t.Helper()
	c := *p.srv.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorization: got status %d, want 302", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestClientAlgorithm checks that a client registered with
// id_token_signed_response_alg gets its ID tokens signed so, in every
// place an ID token is made.
func TestClientAlgorithm(t *testing.T) {
	p := newRP(t, authtest.Config{})
	tests := []struct {
		alg, want string
	}{
		{"", "ES256"},
		{"RS256", "RS256"},
	}
	for _, tc := range tests {
		t.Run("alg "+tc.alg, func(t *testing.T) {
			p.client = p.srv.AddClient(authtest.Client{ResponseTypes: allResponseTypes, IDTokenSignedResponseAlg: tc.alg})
			got := p.authorize(map[string]string{"response_type": "code id_token", "scope": "openid", "nonce": "n"})
			_, front := p.verify(got.Get("id_token"))
			_, back := p.verify(str(p.exchange(got.Get("code"))["id_token"]))
			if string(front.Algorithm) != tc.want || string(back.Algorithm) != tc.want {
				t.Errorf("alg: got %s and %s, want %s", front.Algorithm, back.Algorithm, tc.want)
			}
		})
	}
	t.Run("no key of the algorithm", func(t *testing.T) {
		p.client = p.srv.AddClient(authtest.Client{IDTokenSignedResponseAlg: "PS384"})
		got := p.authorize(map[string]string{"response_type": "code", "scope": "openid"})
		if got.Get("error") != "unauthorized_client" {
			t.Errorf("got %v, want unauthorized_client", got)
		}
	})
}
