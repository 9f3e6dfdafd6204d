package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

const authlibInstall = "apt-get install -y python3-authlib python3-flask"

// findPython returns a python3 that can import Authlib's Flask servers:
// $GRANTRY_PYTHON, Debian's /usr/bin/python3 (where the Debian packages
// go, whatever python3 comes first on $PATH), or the first python3 on
// $PATH.
func findPython(t *testing.T) string {
	t.Helper()
	var candidates []string
	if p := os.Getenv("GRANTRY_PYTHON"); p != "" {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	imports := "import authlib.integrations.flask_oauth1, authlib.integrations.flask_oauth2, flask, cryptography"
	for _, p := range candidates {
		if exec.Command(p, "-c", imports).Run() == nil {
			return p
		}
	}
	unavailable(t, authlibInstall, "no python3 among %q imports authlib and flask", candidates)
	return ""
}

// startAuthlib runs an Authlib server script over TLS on a free loopback
// port with the clients given, and returns its base URL and a pool that
// trusts its certificate.
func startAuthlib(t *testing.T, script string, clients any) (string, *x509.CertPool) {
	t.Helper()
	python := findPython(t)
	dir := t.TempDir()
	certPEM, keyPEM, pool := selfSigned(t)
	cfg, _ := json.Marshal(map[string]any{
		"cert": filepath.Join(dir, "cert.pem"), "key": filepath.Join(dir, "key.pem"), "clients": clients,
	})
	for name, data := range map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM, "config.json": cfg} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	port := strconv.Itoa(freePort(t))
	p := startPeer(t, filepath.Base(script), exec.Command(python, script, port, filepath.Join(dir, "config.json")), authlibInstall)
	base := "https://127.0.0.1:" + port
	p.waitReady(t, trusting(pool), base+"/health")
	return base, pool
}

// trusting returns an HTTP client that trusts the certificates of pool.
func trusting(pool *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

// githubStyleFix turns the provider's user document, {"id": 7, "login":
// "jane"}, into UserInfo claims.
func githubStyleFix(claims map[string]any) (map[string]any, error) {
	id, ok := claims["id"].(json.Number)
	if !ok {
		return nil, fmt.Errorf("id %v is not a number", claims["id"])
	}
	claims["sub"] = id.String()
	claims["preferred_username"] = claims["login"]
	return claims, nil
}

func TestAuthlibOAuth2Interop(t *testing.T) {
	store := newTokenStore()
	p := newRP(t, client.RegistryConfig{FetchToken: store.fetch, UpdateToken: store.update})
	clients := []map[string]any{
		{"client_id": "basic-client", "client_secret": "basic-secret", "auth_method": "client_secret_basic",
			"redirect_uris": []string{p.redirectURI("basic"), p.redirectURI("deny")}, "scope": "profile email"},
		{"client_id": "post-client", "client_secret": "post-secret", "auth_method": "client_secret_post",
			"redirect_uris": []string{p.redirectURI("post")}, "scope": "profile email"},
	}
	base, pool := startAuthlib(t, filepath.Join("testdata", "authlib_oauth2_server.py"), clients)
	cfg := func(id, secret string, method grantry.AuthMethod) client.OAuth2 {
		return client.OAuth2{
			Config: oauth2.Config{
				ClientID: id, ClientSecret: secret, AuthMethod: method,
				AuthorizationEndpoint: base + "/oauth/authorize", TokenEndpoint: base + "/oauth/token",
				Scopes: []string{"profile", "email"}, HTTPClient: trusting(pool),
			},
			APIBaseURL: base + "/api/", UserInfoEndpoint: "me", UserInfoFix: githubStyleFix,
		}
	}
	deny := cfg("basic-client", "basic-secret", "")
	deny.AuthorizationParams = url.Values{"deny": {"1"}}
	for name, c := range map[string]client.OAuth2{
		"basic": cfg("basic-client", "basic-secret", grantry.AuthClientSecretBasic),
		"post":  cfg("post-client", "post-secret", grantry.AuthClientSecretPost),
		"deny":  deny,
	} {
		if _, err := p.reg.Register(name, c); err != nil {
			t.Fatalf("Register(%s): %v", name, err)
		}
	}

	for _, name := range []string{"basic", "post"} {
		t.Run(name, func(t *testing.T) {
			app := p.reg.App(name)
			login := p.mustLogIn(t, newBrowser(t, pool), name)
			tok := login.Token.OAuth2
			if login.IDToken != nil || tok.RefreshToken == "" || tok.Expiry.IsZero() || tok.Scope != "profile email" {
				t.Fatalf("got ID token %v, refresh token %q, expiry %v, scope %q; want no ID token, a refresh token, an expiry, scope \"profile email\"",
					login.IDToken, tok.RefreshToken, tok.Expiry, tok.Scope)
			}
			info, err := app.UserInfo(context.Background(), login.Token)
			if err != nil || info.Subject != "7" || info.PreferredUsername != "jane" {
				t.Fatalf("UserInfo: got %+v, %v; want sub 7, preferred_username jane", info, err)
			}
			checkAuthlibRefresh(t, app, store, login.Token)
		})
	}
	t.Run("refusal", func(t *testing.T) {
		res := p.logIn(t, newBrowser(t, pool), "deny")
		var pe *client.ProviderError
		if !errors.As(res.err, &pe) || pe.Code != grantry.ErrAccessDenied {
			t.Errorf("got error %v, want a *ProviderError access_denied", res.err)
		}
	})
}

// checkAuthlibRefresh calls the API with an expired token: the registry
// renews it with Authlib's rotating refresh token grant and reports the
// new token.
func checkAuthlibRefresh(t *testing.T, app *client.App, store *tokenStore, tok *client.Token) {
	t.Helper()
	expire(store, app.Name(), tok)
	before := len(store.updated())
	resp, err := app.Get(context.Background(), userRequest("jane"), "/me")
	if err != nil {
		t.Fatalf("GET me with an expired token: %v", err)
	}
	defer resp.Body.Close()
	var me struct{ Login, Scope string }
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || resp.StatusCode != 200 || me.Login != "jane" {
		t.Errorf("GET me: %s %+v (%v), want 200 for jane", resp.Status, me, err)
	}
	updates := store.updated()[before:]
	if len(updates) != 1 {
		t.Fatalf("got %d token updates, want 1", len(updates))
	}
	nt := updates[0].tok.OAuth2
	if updates[0].oldRefresh != tok.OAuth2.RefreshToken || nt.RefreshToken == tok.OAuth2.RefreshToken || nt.Expired(time.Now()) {
		t.Errorf("update: old refresh %.8s…, new refresh %.8s…, expiry %v; want the used one, a rotated one, a live token",
			updates[0].oldRefresh, nt.RefreshToken, nt.Expiry)
	}
}

func TestAuthlibOAuth1Interop(t *testing.T) {
	store := newTokenStore()
	p := newRP(t, client.RegistryConfig{FetchToken: store.fetch, UpdateToken: store.update})
	key := authlibRSAKey(t)
	pub, err := x509.MarshalPKIXPublicKey(key.Signer().Public())
	if err != nil {
		t.Fatal(err)
	}
	clients := []map[string]string{{
		"client_id": "printer", "client_secret": "printer-secret",
		"rsa_public_key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
	}}
	base, pool := startAuthlib(t, filepath.Join("oauth1", "testdata", "authlib_server.py"), clients)
	cfg := func(method oauth1.SignatureMethod, placement oauth1.Placement) client.OAuth1 {
		return client.OAuth1{
			Config: oauth1.Config{
				ConsumerKey: "printer", ConsumerSecret: "printer-secret",
				Endpoint: oauth1.Endpoint{
					TemporaryCredentialsURL: base + "/oauth/initiate", AuthorizationURL: base + "/oauth/authorize",
					TokenURL: base + "/oauth/token",
				},
				SignatureMethod: method, Placement: placement, Signer: key.Signer(),
				HTTPClient: trusting(pool),
				// Authlib 1.2 answers oauth_callback_confirmed=True, which
				// RFC 5849 §2.1 does not allow.
				InsecureSkipCallbackConfirmed: true,
			},
			APIBaseURL:       base + "/api/",
			UserInfoEndpoint: "me", UserInfoFix: func(c map[string]any) (map[string]any, error) {
				c["sub"] = c["user"]
				return c, nil
			},
		}
	}
	tests := []struct {
		name      string
		method    oauth1.SignatureMethod
		placement oauth1.Placement
	}{
		{"hmac-sha1-header", oauth1.HMACSHA1, oauth1.AuthHeader},
		{"hmac-sha1-body", oauth1.HMACSHA1, oauth1.FormBody},
		{"rsa-sha1-header", oauth1.RSASHA1, oauth1.AuthHeader},
		{"rsa-sha1-body", oauth1.RSASHA1, oauth1.FormBody},
	}
	for _, tt := range tests {
		if _, err := p.reg.Register(tt.name, cfg(tt.method, tt.placement)); err != nil {
			t.Fatalf("Register(%s): %v", tt.name, err)
		}
	}
	deny := cfg(oauth1.HMACSHA1, oauth1.AuthHeader)
	deny.AuthorizationParams = url.Values{"deny": {"1"}}
	if _, err := p.reg.Register("deny", deny); err != nil {
		t.Fatal(err)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := p.reg.App(tt.name)
			login := p.mustLogIn(t, newBrowser(t, pool), tt.name)
			if tok := login.Token.OAuth1; tok == nil || tok.Token == "" || tok.Secret == "" || login.Token.OAuth2 != nil {
				t.Fatalf("got token %+v, want OAuth 1.0 token credentials", login.Token)
			}
			store.put(tt.name, "jane", login.Token)
			form := url.Values{"status": {"hello world & more"}, "n": {"☃"}}
			resp, err := app.Post(context.Background(), userRequest("jane"), "me?x=1", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
			checkAuthlibEcho(t, resp, err, "POST", url.Values{"x": {"1"}}, form)
			if tt.placement == oauth1.FormBody {
				return // a GET has no body for the protocol parameters
			}
			resp, err = app.Get(context.Background(), userRequest("jane"), "me?file=vacation.jpg&size=original")
			checkAuthlibEcho(t, resp, err, "GET", url.Values{"file": {"vacation.jpg"}, "size": {"original"}}, url.Values{})
			info, err := app.UserInfo(context.Background(), login.Token)
			if err != nil || info.Subject != "jane" {
				t.Errorf("UserInfo: got %+v, %v; want sub jane", info, err)
			}
		})
	}
	t.Run("refusal", func(t *testing.T) {
		res := p.logIn(t, newBrowser(t, pool), "deny")
		var pe *client.ProviderError
		if !errors.As(res.err, &pe) || pe.Code != grantry.ErrAccessDenied || !errors.Is(res.err, oauth1.ErrAuthorizationDenied) {
			t.Errorf("got error %v, want a *ProviderError access_denied wrapping oauth1.ErrAuthorizationDenied", res.err)
		}
	})
}

// authlibRSAKey is the RSA-SHA1 key of the oauth1 package's tests.
func authlibRSAKey(t *testing.T) *keyset.Key {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("oauth1", "testdata", "rsa_test_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := keyset.ParsePEM(data, keyset.RS256, "")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// checkAuthlibEcho checks what Authlib's protected resource saw.
func checkAuthlibEcho(t *testing.T, resp *http.Response, err error, method string, query, form url.Values) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var got struct {
		User, Client, Method string
		Query, Form          url.Values
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: got %s (%v), want 200 with JSON", method, resp.Status, err)
	}
	gotV := []any{got.User, got.Client, got.Method, withoutOAuth(got.Query), withoutOAuth(got.Form)}
	if want := []any{"jane", "printer", method, query, form}; !reflect.DeepEqual(gotV, want) {
		t.Errorf("%s: Authlib saw %v, want %v", method, gotV, want)
	}
}

func withoutOAuth(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if !strings.HasPrefix(k, "oauth_") {
			out[k] = slices.Clone(vs)
		}
	}
	return out
}
