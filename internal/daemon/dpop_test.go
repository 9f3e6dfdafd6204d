package daemon

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/keyset"
)

// statusLog records the status of every answer of one path.
type statusLog struct {
	mu       sync.Mutex
	path     string
	statuses []int
}

func (l *statusLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.URL.Path == l.path {
		l.mu.Lock()
		l.statuses = append(l.statuses, resp.StatusCode)
		l.mu.Unlock()
	}
	return resp, err
}

// take returns the statuses recorded so far and forgets them.
func (l *statusLog) take() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.statuses
	l.statuses = nil
	return out
}

// dpopAPI is a resource server protected by bearer with DPoP and nonces of
// its own, over the harness's store.
func (h *harness) dpopAPI(t *testing.T) *httptest.Server {
	t.Helper()
	nonces, err := dpop.NewNonces(nil, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewUnstartedServer(nil)
	p := bearer.New(accesstoken.NewStoreValidator(h.store, accesstoken.StoreValidatorConfig{}), bearer.Config{
		DPoP: &bearer.DPoPConfig{BaseURL: "http://" + api.Listener.Addr().String(), Verifier: dpop.NewVerifier(dpop.Config{Nonces: nonces})},
	})
	api.Config.Handler = p.Require("profile")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := bearer.FromContext(r.Context())
		_, _ = io.WriteString(w, info.Subject)
	}))
	api.Start()
	t.Cleanup(api.Close)
	return api
}

// TestDPoPEndToEnd: a public client of grantry serve --dpop-nonce with a
// DPoP key gets tokens bound to it, after a nonce challenge, uses them at
// a bearer-protected API that asks for its own nonce, and refreshes them;
// the tokens are worth nothing without the key.
func TestDPoPEndToEnd(t *testing.T) {
	h := newHarness(t, func(c *serveConfig) { c.DPoPNonce = true })
	h.addClient("spa", "SPA", grantry.AuthNone, testCallback)
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	jkt, _ := keyset.Thumbprint(key.Public().Key)
	tokenLog := &statusLog{path: "/token"}
	cfg := oauth2.Config{ClientID: "spa", AuthorizationEndpoint: h.url("/authorize"), TokenEndpoint: h.url("/token"),
		RedirectURL: testCallback, Scopes: []string{"profile"}, DPoPKey: key, HTTPClient: &http.Client{Transport: tokenLog}}
	cl, err := oauth2.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ar, err := cl.AuthorizationURL()
	if err != nil {
		t.Fatal(err)
	}
	code := h.approvedCode(h.browser(), ar.URL)
	tok, err := cl.Exchange(t.Context(), code, ar.CodeVerifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if got, want := tokenLog.take(), []int{400, 200}; !slices.Equal(got, want) {
		t.Errorf("token endpoint answers: got %v, want %v (use_dpop_nonce, then the tokens)", got, want)
	}
	if rec := h.refreshRecord(tok.RefreshToken); tok.TokenType != "DPoP" || rec.JKT != jkt {
		t.Fatalf("token: got type %q bound to %q, want DPoP bound to %q", tok.TokenType, rec.JKT, jkt)
	}

	api := h.dpopAPI(t)
	call := func(c *oauth2.Client) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, api.URL+"/profile", nil)
		resp, err := c.Do(t.Context(), req)
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := call(cl); status != 200 || body != h.userID {
		t.Errorf("API call: got %d %q, want 200 %q", status, body, h.userID)
	}

	t.Run("refresh", func(t *testing.T) {
		next, err := cl.Refresh(t.Context())
		if err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		if got := tokenLog.take(); !slices.Equal(got, []int{200}) {
			t.Errorf("token endpoint answers: got %v, want [200] with the nonce known", got)
		}
		if next.TokenType != "DPoP" || next.AccessToken == tok.AccessToken || h.refreshRecord(next.RefreshToken).JKT != jkt {
			t.Errorf("refreshed token: got %+v, want a new DPoP token bound to %s", next, jkt)
		}
		if status, _ := call(cl); status != 200 {
			t.Errorf("API call with the refreshed token: got %d, want 200", status)
		}
	})

	t.Run("without the key", func(t *testing.T) {
		thief, _ := oauth2.New(oauth2.Config{ClientID: "spa", TokenEndpoint: h.url("/token")})
		stolen, err := cl.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		thief.SetToken(&oauth2.Token{AccessToken: stolen.AccessToken, TokenType: "Bearer", RefreshToken: stolen.RefreshToken})
		if status, _ := call(thief); status != 401 {
			t.Errorf("API call with the token as a bearer token: got %d, want 401", status)
		}
		other, _ := keyset.GenerateKey(keyset.ES256)
		cfg := cfg
		cfg.DPoPKey = other
		wrongKey, _ := oauth2.New(cfg)
		wrongKey.SetToken(stolen)
		var oe *oauth2.Error
		if _, err := wrongKey.Refresh(t.Context()); !errors.As(err, &oe) || oe.Code != grantry.ErrInvalidDPoPProof {
			t.Errorf("refresh with another key: got %v, want invalid_dpop_proof", err)
		}
		if status, _ := call(wrongKey); status != 401 {
			t.Errorf("API call with another key: got %d, want 401", status)
		}
	})
}

// TestDPoPFlags: DPoP is accepted by default and announced in the
// metadata; --dpop=false turns it off, and --require-dpop-public refuses
// public clients that send no proof.
func TestDPoPFlags(t *testing.T) {
	tests := []struct {
		name     string
		set      func(*serveConfig)
		metadata bool
		public   int // status of a public client's code exchange without a proof
	}{
		{"default", func(*serveConfig) {}, true, http.StatusOK},
		{"off", func(c *serveConfig) { c.DPoP = false }, false, http.StatusOK},
		{"required for public clients", func(c *serveConfig) { c.RequireDPoPPublic = true }, true, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.set)
			if got := h.dpopAlgsPublished(); got != tt.metadata {
				t.Errorf("dpop_signing_alg_values_supported in the metadata: got %v, want %v", got, tt.metadata)
			}
			h.addClient("spa", "SPA", grantry.AuthNone, testCallback)
			cl, err := oauth2.New(oauth2.Config{ClientID: "spa", AuthorizationEndpoint: h.url("/authorize"),
				TokenEndpoint: h.url("/token"), RedirectURL: testCallback, Scopes: []string{"profile"}})
			if err != nil {
				t.Fatal(err)
			}
			ar, err := cl.AuthorizationURL()
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.Exchange(t.Context(), h.approvedCode(h.browser(), ar.URL), ar.CodeVerifier)
			var oe *oauth2.Error
			switch {
			case tt.public == http.StatusOK && err != nil:
				t.Errorf("Exchange without a proof: got %v, want a token", err)
			case tt.public != http.StatusOK && (!errors.As(err, &oe) || oe.StatusCode != tt.public || oe.Code != grantry.ErrInvalidDPoPProof):
				t.Errorf("Exchange without a proof: got %v, want %d invalid_dpop_proof", err, tt.public)
			}
		})
	}
}

// dpopAlgsPublished reports whether both metadata documents list
// dpop_signing_alg_values_supported, and checks they agree.
func (h *harness) dpopAlgsPublished() bool {
	h.t.Helper()
	var found []string
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		r := h.get(http.DefaultClient, path)
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r.body), &m); err != nil {
			h.t.Fatalf("GET %s: status %d, %v", path, r.status, err)
		}
		found = append(found, string(m["dpop_signing_alg_values_supported"]))
	}
	if found[0] != found[1] {
		h.t.Errorf("dpop_signing_alg_values_supported: the documents differ: %v", found)
	}
	return found[0] != ""
}

// TestDPoPPushed: a DPoP proof sent with a pushed authorization request
// binds the code to its key (RFC 9449 §10.1): only that key redeems it.
func TestDPoPPushed(t *testing.T) {
	for _, sameKey := range []bool{true, false} {
		t.Run(map[bool]string{true: "same key", false: "other key"}[sameKey], func(t *testing.T) {
			h := newHarness(t, func(c *serveConfig) { c.DPoPNonce, c.PAR = true, true })
			h.addClient("spa", "SPA", grantry.AuthNone, testCallback)
			key, _ := keyset.GenerateKey(keyset.ES256)
			cfg := oauth2.Config{ClientID: "spa", AuthorizationEndpoint: h.url("/authorize"), TokenEndpoint: h.url("/token"),
				PushedAuthorizationRequestEndpoint: h.url("/par"), RedirectURL: testCallback, Scopes: []string{"profile"}, DPoPKey: key}
			cl, err := oauth2.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ar, err := cl.PushAuthorizationRequest(t.Context())
			if err != nil {
				t.Fatalf("PushAuthorizationRequest: %v", err)
			}
			code := h.approvedCode(h.browser(), ar.URL)
			if !sameKey {
				cfg.DPoPKey, _ = keyset.GenerateKey(keyset.ES256)
				if cl, err = oauth2.New(cfg); err != nil {
					t.Fatal(err)
				}
			}
			_, err = cl.Exchange(t.Context(), code, ar.CodeVerifier)
			var oe *oauth2.Error
			switch {
			case sameKey && err != nil:
				t.Errorf("Exchange with the pushing key: got %v, want a token", err)
			case !sameKey && (!errors.As(err, &oe) || oe.Code != grantry.ErrInvalidDPoPProof):
				t.Errorf("Exchange with another key: got %v, want invalid_dpop_proof", err)
			}
		})
	}
}

// TestDPoPPushedJKTMismatch: a pushed request whose dpop_jkt names another
// key than its proof's is refused.
func TestDPoPPushedJKTMismatch(t *testing.T) {
	h := newHarness(t, func(c *serveConfig) { c.PAR = true })
	h.addClient("spa", "SPA", grantry.AuthNone, testCallback)
	key, _ := keyset.GenerateKey(keyset.ES256)
	other, _ := keyset.GenerateKey(keyset.ES256)
	otherJKT, _ := keyset.Thumbprint(other.Public().Key)
	cl, err := oauth2.New(oauth2.Config{ClientID: "spa", AuthorizationEndpoint: h.url("/authorize"), TokenEndpoint: h.url("/token"),
		PushedAuthorizationRequestEndpoint: h.url("/par"), RedirectURL: testCallback, Scopes: []string{"profile"}, DPoPKey: key})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.PushAuthorizationRequest(t.Context(), oauth2.SetParam("dpop_jkt", otherJKT))
	var oe *oauth2.Error
	if !errors.As(err, &oe) || oe.Code != grantry.ErrInvalidDPoPProof || oe.StatusCode != http.StatusBadRequest {
		t.Errorf("push with a dpop_jkt of another key: got %v, want 400 invalid_dpop_proof", err)
	}
}
