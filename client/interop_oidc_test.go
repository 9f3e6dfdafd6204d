package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

const opInstall = "Node.js 20 or later and npm; the test runs npm ci in client/testdata/oidcprovider"

// startOIDCProvider runs testdata/oidcprovider/server.mjs on a free
// loopback port, with the redirect URIs given, and returns its issuer.
// It installs the npm packages from the lock file when they are missing.
func startOIDCProvider(t *testing.T, redirectURIs ...string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, opInstall, "no node on PATH")
	}
	dir := filepath.Join("testdata", "oidcprovider")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			unavailable(t, opInstall, "oidc-provider is not installed and there is no npm")
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			unavailable(t, opInstall, "npm ci: %v\n%s", err, out)
		}
	}
	port := strconv.Itoa(freePort(t))
	cmd := exec.Command(node, append([]string{"server.mjs", port}, redirectURIs...)...)
	cmd.Dir = dir
	p := startPeer(t, "oidc-provider", cmd, opInstall)
	issuer := "http://127.0.0.1:" + port
	p.waitReady(t, http.DefaultClient, issuer+"/.well-known/openid-configuration")
	return issuer
}

// rpKey is the relying party's private_key_jwt key; its public half is
// registered with the provider in testdata/oidcprovider/rp_jwks.json.
func rpKey(t *testing.T) *keyset.Key {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "rp_es256.pem"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := keyset.ParsePEM(data, keyset.ES256, "")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestOIDCProviderInterop(t *testing.T) {
	store := newTokenStore()
	p := newRP(t, client.RegistryConfig{FetchToken: store.fetch, UpdateToken: store.update})
	names := []string{"basic", "post", "jwt", "deny"}
	var uris []string
	for _, n := range names {
		uris = append(uris, p.redirectURI(n))
	}
	issuer := startOIDCProvider(t, uris...)
	// offline_access asks for a refresh token, which needs prompt=consent
	// (OpenID Connect Core 1.0 §11).
	cfg := func(id, secret string, method grantry.AuthMethod) client.OAuth2 {
		return client.OAuth2{
			Config: oauth2.Config{
				ClientID: id, ClientSecret: secret, AuthMethod: method, Issuer: issuer,
				Scopes: []string{"openid", "profile", "email", "offline_access"},
			},
			ServerMetadataURL:   issuer + "/.well-known/openid-configuration",
			AuthorizationParams: url.Values{"prompt": {"consent"}},
			APIBaseURL:          issuer,
		}
	}
	jwt := cfg("jwt", "", grantry.AuthPrivateKeyJWT)
	jwt.SigningKey = rpKey(t)
	deny := cfg("basic", "basic-secret", "")
	deny.AuthorizationParams.Set("login_hint", "deny")
	for name, c := range map[string]client.OAuth2{
		"basic": cfg("basic", "basic-secret", grantry.AuthClientSecretBasic),
		"post":  cfg("post", "post-secret", grantry.AuthClientSecretPost),
		"jwt":   jwt,
		"deny":  deny,
	} {
		if _, err := p.reg.Register(name, c); err != nil {
			t.Fatalf("Register(%s): %v", name, err)
		}
	}

	for _, name := range []string{"basic", "post", "jwt"} {
		t.Run(name, func(t *testing.T) {
			login := p.mustLogIn(t, newBrowser(t, nil), name)
			checkOPLogin(t, login, issuer, p.reg.App(name).Name())
			checkOPUserInfo(t, p.reg.App(name), login.Token)
			checkOPRefresh(t, p.reg.App(name), store, login.Token)
		})
	}
	t.Run("concurrent renewals share one refresh", func(t *testing.T) {
		login := p.mustLogIn(t, newBrowser(t, nil), "basic")
		checkOneRenewal(t, p.reg.App("basic"), store, login.Token)
	})
	t.Run("refusal", func(t *testing.T) {
		res := p.logIn(t, newBrowser(t, nil), "deny")
		var pe *client.ProviderError
		if !errors.As(res.err, &pe) || pe.Code != grantry.ErrAccessDenied || pe.Description != "jane said no" {
			t.Errorf("got error %v, want a *ProviderError access_denied: jane said no", res.err)
		}
	})
	t.Run("callback replayed", func(t *testing.T) {
		b := newBrowser(t, nil)
		b.CheckRedirect = stopAt(p.URL + "/callback/")
		resp, err := b.Get(p.URL + "/login/basic")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		callback := resp.Header.Get("Location")
		b.CheckRedirect = nil
		for i, want := range []error{nil, client.ErrStateMissing} {
			b.visit(t, callback)
			if res := <-p.results; !errors.Is(res.err, want) {
				t.Errorf("callback #%d: got error %v, want %v", i+1, res.err, want)
			}
		}
	})
}

// stopAt makes a client stop following redirects at URLs starting with
// prefix.
func stopAt(prefix string) func(*http.Request, []*http.Request) error {
	return func(r *http.Request, _ []*http.Request) error {
		if len(r.URL.String()) >= len(prefix) && r.URL.String()[:len(prefix)] == prefix {
			return http.ErrUseLastResponse
		}
		return nil
	}
}

func checkOPLogin(t *testing.T, login *client.Login, issuer, clientID string) {
	t.Helper()
	idt := login.IDToken
	if idt == nil {
		t.Fatal("no ID token")
	}
	if clientID == "deny" {
		clientID = "basic"
	}
	got := []any{idt.Issuer, idt.Subject, slices.Contains(idt.Audience, clientID), login.Token.Subject, idt.Nonce != ""}
	if want := []any{issuer, "jane", true, "jane", true}; !slices.Equal(got, want) {
		t.Errorf("ID token iss, sub, aud has client, token subject, nonce set: got %v, want %v", got, want)
	}
	tok := login.Token.OAuth2
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Errorf("got access token %q expiring %v and refresh token %q, want all three", tok.AccessToken, tok.Expiry, tok.RefreshToken)
	}
}

func checkOPUserInfo(t *testing.T, app *client.App, tok *client.Token) {
	t.Helper()
	info, err := app.UserInfo(context.Background(), tok)
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	got := []any{info.Subject, info.Name, info.PreferredUsername, info.Email, info.EmailVerified}
	if want := []any{"jane", "Jane Doe", "jane", "jane@example.test", true}; !slices.Equal(got, want) {
		t.Errorf("UserInfo: got %v, want %v", got, want)
	}
	other := *tok
	other.Subject = "john"
	if _, err := app.UserInfo(context.Background(), &other); err == nil {
		t.Error("UserInfo for a token of another subject: got no error, want one")
	}
}

// expire stores tok as jane's token of app, expired a minute ago.
func expire(store *tokenStore, app string, tok *client.Token) {
	old := *tok.OAuth2
	old.Expiry = time.Now().Add(-time.Minute)
	store.put(app, "jane", &client.Token{OAuth2: &old, Subject: tok.Subject})
}

// checkOPRefresh calls the UserInfo endpoint as an API with an expired
// token: the registry renews it, reports the new one, and the call works.
func checkOPRefresh(t *testing.T, app *client.App, store *tokenStore, tok *client.Token) {
	t.Helper()
	expire(store, app.Name(), tok)
	before := len(store.updated())
	me := getMe(t, app)
	if me != "jane" {
		t.Errorf("GET me: sub %q, want jane", me)
	}
	updates := store.updated()[before:]
	if len(updates) != 1 {
		t.Fatalf("got %d token updates, want 1", len(updates))
	}
	u := updates[0]
	nt := u.tok.OAuth2
	if u.app != app.Name() || u.oldRefresh != tok.OAuth2.RefreshToken || nt.AccessToken == tok.OAuth2.AccessToken ||
		nt.RefreshToken == "" || nt.RefreshToken == tok.OAuth2.RefreshToken || u.tok.Subject != "jane" {
		t.Errorf("update %s (old refresh %.8s…) with new access %.8s… refresh %.8s… sub %q; want the app, the used refresh token, new rotated tokens, sub jane",
			u.app, u.oldRefresh, nt.AccessToken, nt.RefreshToken, u.tok.Subject)
	}
	if store.get(app.Name(), "jane") != u.tok {
		t.Error("the store does not hold the new token")
	}
	if getMe(t, app); len(store.updated()) != before+1 {
		t.Error("a fresh token was renewed again")
	}
}

// checkOneRenewal sends eight API calls at once with the same expired
// token: one renewal serves them all, so the provider, which rotates
// refresh tokens and revokes the grant when a used one comes back, sees
// one refresh.
func checkOneRenewal(t *testing.T, app *client.App, store *tokenStore, tok *client.Token) {
	t.Helper()
	expire(store, app.Name(), tok)
	before := len(store.updated())
	var wg sync.WaitGroup
	subs := make([]string, 8)
	for i := range subs {
		wg.Go(func() { subs[i] = getMe(t, app) })
	}
	wg.Wait()
	for i, s := range subs {
		if s != "jane" {
			t.Errorf("call %d: sub %q, want jane", i, s)
		}
	}
	if n := len(store.updated()) - before; n != 1 {
		t.Errorf("got %d token updates, want 1", n)
	}
}

// getMe calls the provider's UserInfo endpoint, /me, as an API on behalf
// of jane and returns the sub it answers.
func getMe(t *testing.T, app *client.App) string {
	t.Helper()
	resp, err := app.Get(context.Background(), userRequest("jane"), "/me")
	if err != nil {
		t.Errorf("GET me: %v", err)
		return ""
	}
	defer resp.Body.Close()
	var claims struct{ Sub string }
	if err := json.NewDecoder(resp.Body).Decode(&claims); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET me: %s (%v)", resp.Status, err)
	}
	return claims.Sub
}
