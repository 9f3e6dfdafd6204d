package daemon

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

const oidcClient, oidcBack = "rp", "https://rp.example/bye"

// addOIDCClient registers a confidential OpenID client whose back-channel
// logout endpoint is logoutURI.
func (h *harness) addOIDCClient(logoutURI string) string {
	h.t.Helper()
	c, sec := oidcClientRecord(logoutURI)
	if err := h.store.CreateClient(h.t.Context(), c); err != nil {
		h.t.Fatal(err)
	}
	return sec
}

// oidcClientRecord returns the OpenID client of addOIDCClient and its
// secret.
func oidcClientRecord(logoutURI string) (*storage.Client, string) {
	sec := secret.Token()
	c := &storage.Client{
		ID: oidcClient, Name: "Relying Party", AuthMethod: grantry.AuthClientSecretBasic, SecretHash: secret.HashSecret(sec),
		RedirectURIs: []string{testCallback}, GrantTypes: []grantry.GrantType{grantry.GrantAuthorizationCode},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode}, Scope: grantry.MustParseScope("openid profile email"),
		PostLogoutRedirectURIs: []string{oidcBack}, BackchannelLogoutURI: logoutURI,
	}
	return c, sec
}

func oidcPath(extra ...string) string {
	v := url.Values{"response_type": {"code"}, "client_id": {oidcClient}, "redirect_uri": {testCallback},
		"scope": {"openid email"}, "state": {"st4te"}, "nonce": {"n0nce"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/authorize?" + v.Encode()
}

// approveCode answers a consent page with Allow and returns the redirect.
func (h *harness) approveCode(c *http.Client, page response) url.Values {
	h.t.Helper()
	r := h.post(c, consentAction(h.t, page.body), url.Values{"csrf": {csrfOf(h.t, page.body)}, "decision": {"approve"}})
	return r.location(h.t).Query()
}

// exchangeOIDC redeems a code of the OpenID client.
func (h *harness) exchangeOIDC(code, sec string) map[string]any {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testCallback}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(oidcClient, sec)
	r := do(h.t, http.DefaultClient, req)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil || r.status != http.StatusOK {
		h.t.Fatalf("token: status %d, %s", r.status, r.body)
	}
	return m
}

// verifyID checks an ID token with the server's keys.
func (h *harness) verifyID(tok string) map[string]any {
	h.t.Helper()
	v, err := keyset.Verify(h.t.Context(), tok, h.app.signingKeys(), keyset.AsymmetricAlgorithms())
	if err != nil {
		h.t.Fatalf("ID token: %v", err)
	}
	var claims map[string]any
	_ = json.Unmarshal(v.Payload, &claims)
	return claims
}

// TestOpenIDSignIn signs in to a client with OpenID Connect: the ID token
// carries the server-side session's sid and amr, UserInfo the user's
// claims, and the session records the client.
func TestOpenIDSignIn(t *testing.T) {
	h := newHarness(t)
	sec := h.addOIDCClient("")
	if err := h.store.UpdateUserClaims(t.Context(), h.userID, storage.Claims{Email: "alice@example.test", EmailVerified: true}); err != nil {
		t.Fatal(err)
	}
	c := h.browser()
	got := h.approveCode(c, h.consentPage(c, oidcPath()))
	tok := h.exchangeOIDC(got.Get("code"), sec)
	claims := h.verifyID(tok["id_token"].(string))
	sessions, _ := h.store.ListSessions(t.Context(), h.userID)
	if len(sessions) != 1 || claims["sid"] != sessions[0].ID || claims["sub"] != h.userID || claims["nonce"] != "n0nce" {
		t.Fatalf("ID token: got sid %v sub %v nonce %v, want the session's sid, %s, n0nce", claims["sid"], claims["sub"], claims["nonce"], h.userID)
	}
	if amr, _ := claims["amr"].([]any); len(amr) != 1 || amr[0] != "pwd" {
		t.Errorf("amr: got %v, want [pwd]", claims["amr"])
	}
	req, _ := http.NewRequest(http.MethodGet, h.url(userInfoPath), nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	info := do(t, http.DefaultClient, req)
	if info.status != http.StatusOK || !strings.Contains(info.body, `"email":"alice@example.test"`) {
		t.Errorf("UserInfo: status %d, %s", info.status, info.body)
	}
	t.Run("prompt=none signed in", func(t *testing.T) {
		r := h.get(c, oidcPath("prompt", "none"))
		if q := r.location(t).Query(); q.Get("code") == "" {
			t.Errorf("got %v, want a code without any page", q)
		}
	})
	t.Run("prompt=none signed out", func(t *testing.T) {
		r := h.get(h.browser(), oidcPath("prompt", "none"))
		if q := r.location(t).Query(); q.Get("error") != "login_required" || q.Get("state") != "st4te" {
			t.Errorf("got %v, want login_required with the state", q)
		}
	})
	t.Run("prompt=consent asks again", func(t *testing.T) {
		if r := h.get(c, oidcPath("prompt", "consent")); r.status != http.StatusOK || !strings.Contains(r.body, "Allow access?") {
			t.Errorf("got status %d, want the consent page", r.status)
		}
	})
	t.Run("prompt=login signs in again", func(t *testing.T) {
		r := h.get(c, oidcPath("prompt", "login"))
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
			t.Fatalf("got status %d to %q, want the sign-in page", r.status, r.header.Get("Location"))
		}
		ret := r.location(t).Query().Get("return")
		if strings.Contains(ret, "prompt") {
			t.Errorf("return %q: want prompt=login left out after signing in", ret)
		}
	})
}

// TestConsentRemembersClaims checks that a consent covers the claims it
// was given for, and asks again for new ones.
func TestConsentRemembersClaims(t *testing.T) {
	h := newHarness(t)
	h.addOIDCClient("")
	c := h.browser()
	email := `{"userinfo":{"email":{"essential":true}}}`
	page := h.consentPage(c, oidcPath("claims", email))
	if !strings.Contains(page.body, "<code>email</code>") {
		t.Errorf("consent page does not name the requested claim:\n%s", page.body)
	}
	h.approveCode(c, page)
	if r := h.get(c, oidcPath("claims", email)); r.status != http.StatusFound {
		t.Errorf("same claims again: status %d, want 302 without asking", r.status)
	}
	if r := h.get(c, oidcPath("claims", `{"userinfo":{"phone_number":null}}`)); r.status != http.StatusOK {
		t.Errorf("a new claim: status %d, want 200 and the consent page", r.status)
	}
}

// logoutReceiver is a client's back-channel logout endpoint.
type logoutReceiver struct {
	mu     sync.Mutex
	tokens []string
}

func (l *logoutReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	l.mu.Lock()
	l.tokens = append(l.tokens, r.PostForm.Get("logout_token"))
	l.mu.Unlock()
}

// TestRPInitiatedLogout signs out at a client's request: confirmed by the
// user, back to the registered URI with the state, the client told by
// back-channel; an unregistered URI is refused without a redirect.
func TestRPInitiatedLogout(t *testing.T) {
	h := newHarness(t)
	rcv := &logoutReceiver{}
	rs := httptest.NewServer(rcv)
	defer rs.Close()
	sec := h.addOIDCClient(rs.URL + "/bc")
	c := h.browser()
	got := h.approveCode(c, h.consentPage(c, oidcPath()))
	id := h.exchangeOIDC(got.Get("code"), sec)["id_token"].(string)
	sid := h.verifyID(id)["sid"]
	bad := h.get(c, "/logout?"+url.Values{"id_token_hint": {id}, "post_logout_redirect_uri": {"https://evil.example/"}}.Encode())
	if bad.status != http.StatusBadRequest || bad.header.Get("Location") != "" {
		t.Errorf("unregistered URI: status %d, Location %q; want 400 and no redirect", bad.status, bad.header.Get("Location"))
	}
	q := url.Values{"id_token_hint": {id}, "post_logout_redirect_uri": {oidcBack}, "state": {"s1"}}
	confirm := h.get(c, "/logout?"+q.Encode())
	if confirm.status != http.StatusOK || !strings.Contains(confirm.body, "Relying Party asks to sign you out") {
		t.Fatalf("confirmation: status %d\n%s", confirm.status, confirm.body)
	}
	form := url.Values{"csrf": {csrfOf(t, confirm.body)}}
	for k := range q {
		form.Set(k, q.Get(k))
	}
	done := h.post(c, "/logout", form)
	if done.status != http.StatusSeeOther || done.header.Get("Location") != oidcBack+"?state=s1" {
		t.Errorf("sign-out: status %d to %q, want 303 to %s?state=s1", done.status, done.header.Get("Location"), oidcBack)
	}
	if err := h.app.logoutNotifier.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.tokens) != 1 {
		t.Fatalf("back-channel: got %d logout tokens, want 1", len(rcv.tokens))
	}
	if lt := h.verifyID(rcv.tokens[0]); lt["sid"] != sid || lt["sub"] != h.userID {
		t.Errorf("logout token: got sid %v sub %v, want %v %s", lt["sid"], lt["sub"], sid, h.userID)
	}
	if r := h.get(c, "/"); !strings.Contains(r.body, "not signed in") {
		t.Error("still signed in after the sign-out")
	}
}
