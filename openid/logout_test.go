package openid_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
)

// TestValidateLogout checks RP-Initiated Logout 1.0 requests: a
// post_logout_redirect_uri is followed only when registered for the
// client the request names, and a hint must be the provider's own.
func TestValidateLogout(t *testing.T) {
	p := newRP(t, authtest.Config{})
	const back = "https://rp.example/bye"
	c := p.srv.AddClient(authtest.Client{ResponseTypes: allResponseTypes, PostLogoutRedirectURIs: []string{back}})
	other := p.srv.AddClient(authtest.Client{ResponseTypes: allResponseTypes})
	hint := p.idTokenFor(c)
	p.srv.Clock().Advance(72 * time.Hour) // an expired hint is still accepted
	tests := []struct {
		name     string
		params   url.Values
		wantErr  bool
		redirect string
	}{
		{"nothing", url.Values{}, false, ""},
		{"hint and registered URI", url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {back}, "state": {"s1"}}, false, back + "?state=s1"},
		{"client_id and registered URI", url.Values{"client_id": {c.ID}, "post_logout_redirect_uri": {back}}, false, back},
		{"unregistered URI", url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://evil.example/"}}, true, ""},
		{"URI without a client", url.Values{"post_logout_redirect_uri": {back}}, true, ""},
		{"URI of another client", url.Values{"client_id": {other.ID}, "post_logout_redirect_uri": {back}}, true, ""},
		{"client_id not the hint's audience", url.Values{"id_token_hint": {hint}, "client_id": {other.ID}}, true, ""},
		{"forged hint", url.Values{"id_token_hint": {forgedIDToken(t, p)}}, true, ""},
		{"unknown client", url.Values{"client_id": {"nobody"}}, true, ""},
	}
	t.Run("repeated parameter", func(t *testing.T) {
		_, err := p.srv.OpenID().ValidateLogout(t.Context(), url.Values{"state": {"a", "b"}}, p.srv.Store())
		if !errors.Is(err, grantry.ErrInvalidRequest) {
			t.Errorf("got %v, want invalid_request", err)
		}
	})
	for _, tc := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				r := httptest.NewRequest(method, "/logout?"+tc.params.Encode(), nil)
				if method == http.MethodPost {
					r = httptest.NewRequest(method, "/logout", strings.NewReader(tc.params.Encode()))
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if err := r.ParseForm(); err != nil {
					t.Fatal(err)
				}
				lr, err := p.srv.OpenID().ValidateLogout(t.Context(), r.Form, p.srv.Store())
				if tc.wantErr {
					if !errors.Is(err, grantry.ErrInvalidRequest) {
						t.Fatalf("got %v, want invalid_request", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("ValidateLogout: %v", err)
				}
				rec := httptest.NewRecorder()
				redirected := lr.Redirect(rec, r)
				if got := rec.Header().Get("Location"); got != tc.redirect || redirected != (tc.redirect != "") {
					t.Errorf("redirect: got %v to %q, want %q", redirected, got, tc.redirect)
				}
			})
		}
	}
	t.Run("hint names the user", func(t *testing.T) {
		lr, err := p.srv.OpenID().ValidateLogout(t.Context(), url.Values{"id_token_hint": {hint}}, p.srv.Store())
		if err != nil {
			t.Fatal(err)
		}
		if !p.srv.OpenID().SubjectIs(lr, authtest.DefaultSubject) || p.srv.OpenID().SubjectIs(lr, "bob") {
			t.Errorf("SubjectIs: want true for %s only", authtest.DefaultSubject)
		}
	})
}

// receiver is a client's back-channel logout endpoint that fails the
// first fails requests with 503.
type receiver struct {
	mu     sync.Mutex
	fails  int
	tokens []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.fails > 0 {
		rc.fails--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	_ = r.ParseForm()
	rc.tokens = append(rc.tokens, r.PostForm.Get("logout_token"))
	w.WriteHeader(http.StatusOK)
}

// TestBackchannelLogout checks that a sign-out reaches every client with
// a back-channel logout URI (Back-Channel Logout 1.0 §2.5), with retries,
// as a logout token the client can verify (§2.4, §2.6).
func TestBackchannelLogout(t *testing.T) {
	p := newRP(t, authtest.Config{})
	flaky := &receiver{fails: 2}
	steady := &receiver{}
	fs, ss := httptest.NewServer(flaky), httptest.NewServer(steady)
	defer fs.Close()
	defer ss.Close()
	a := p.srv.AddClient(authtest.Client{BackchannelLogoutURI: fs.URL, BackchannelLogoutSessionRequired: true})
	b := p.srv.AddClient(authtest.Client{BackchannelLogoutURI: ss.URL + "/bc?x=1"})
	none := p.srv.AddClient(authtest.Client{})
	n := openid.NewNotifier(p.srv.OpenID(), openid.NotifierConfig{Backoff: time.Millisecond, Now: p.srv.Clock().Now,
		Logger: discardLogger()})
	clients := storedClients(t, p, a.ID, b.ID, none.ID)
	n.Notify(clients, authtest.DefaultSubject, "sess-9")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := n.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	for name, rc := range map[string]*receiver{"flaky": flaky, "steady": steady} {
		if len(rc.tokens) != 1 {
			t.Fatalf("%s: got %d logout tokens, want 1", name, len(rc.tokens))
		}
		v, err := keyset.Verify(t.Context(), rc.tokens[0], p.srv.Keys(), []keyset.Algorithm{keyset.ES256})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var claims map[string]any
		_ = json.Unmarshal(v.Payload, &claims)
		events, _ := claims["events"].(map[string]any)
		_, hasEvent := events["http://schemas.openid.net/event/backchannel-logout"]
		if v.Header.Type != "logout+jwt" || claims["sid"] != "sess-9" || claims["sub"] != authtest.DefaultSubject || !hasEvent || claims["nonce"] != nil {
			t.Errorf("%s: got typ %q claims %v", name, v.Header.Type, claims)
		}
	}
	t.Run("session required, no sid", func(t *testing.T) {
		n.Notify(clients[:1], authtest.DefaultSubject, "")
		_ = n.Wait(ctx)
		if len(flaky.tokens) != 1 {
			t.Errorf("got %d logout tokens, want no new one without a sid", len(flaky.tokens))
		}
	})
}
