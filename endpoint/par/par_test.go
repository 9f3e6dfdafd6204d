package par_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/endpoint/par"
)

func TestPushSuccess(t *testing.T) {
	f := newFixture(t, par.Config{})
	w := f.push("c1", "s1", codeRequest())
	if w.Code != http.StatusCreated {
		t.Fatalf("status: got %d (%s), want 201", w.Code, w.Body)
	}
	for name, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"} {
		if got := w.Header().Get(name); !strings.HasPrefix(got, want) {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	uri, _ := body["request_uri"].(string)
	if !strings.HasPrefix(uri, par.URIPrefix) || len(uri) < len(par.URIPrefix)+43 {
		t.Errorf("request_uri: got %q, want %s and 256 random bits", uri, par.URIPrefix)
	}
	if got := body["expires_in"]; got != float64(60) {
		t.Errorf("expires_in: got %v, want 60", got)
	}
	if len(body) != 2 {
		t.Errorf("body: got %v, want request_uri and expires_in only", body)
	}
}

// TestAuthorizeWithRequestURI checks that the pushed parameters are
// those used, whatever else the query says (RFC 9126 §4).
func TestAuthorizeWithRequestURI(t *testing.T) {
	f := newFixture(t, par.Config{Lifetime: 90 * time.Second})
	uri := f.pushed("c1", "s1", codeRequest())
	q := redirected(t, f.authorize(url.Values{
		"client_id": {"c1"}, "request_uri": {uri}, "state": {"query-state"}, "scope": {"email"},
		"redirect_uri": {"https://evil.test/cb"}, "response_type": {"token"},
	}))
	if q.Get("code") == "" {
		t.Fatalf("got %v, want a code", q)
	}
	if got := q.Get("state"); got != "pushed-state" {
		t.Errorf("state: got %q, want the pushed one", got)
	}
	code, err := f.store.ConsumeAuthorizationCode(t.Context(), secretDigest(q.Get("code")), "c1", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code.Scope.String() != "profile" || code.ClientID != "c1" || code.RedirectURI != cbURI {
		t.Errorf("code: got scope %q client %q redirect %q, want profile, c1, %s", code.Scope, code.ClientID, code.RedirectURI, cbURI)
	}
}

// TestRequestURIRefused checks the refusals of a request_uri: redirected
// with the query's state to the client's registered redirect URI when the
// query names a valid client, in a JSON body otherwise.
func TestRequestURIRefused(t *testing.T) {
	same := func(_ *fixture, u string) string { return u }
	tests := []struct {
		name   string
		client string // the client_id presented at the authorization endpoint
		uri    func(f *fixture, pushed string) string
		before func(f *fixture)
		code   grantry.ErrorCode
		json   bool
	}{
		{"reused", "c1", func(f *fixture, u string) string {
			redirected(f.t, f.authorize(url.Values{"client_id": {"c1"}, "request_uri": {u}}))
			return u
		}, nil, grantry.ErrInvalidRequestURI, false},
		{"expired", "c1", same, func(f *fixture) { f.clock.Advance(60 * time.Second) }, grantry.ErrInvalidRequestURI, false},
		{"unknown", "c1", func(*fixture, string) string { return par.URIPrefix + "nope" }, nil, grantry.ErrInvalidRequestURI, false},
		{"not ours", "c1", func(*fixture, string) string { return "https://client.test/request.jwt" }, nil, grantry.ErrInvalidRequestURI, false},
		{"another client's", "c2", same, nil, grantry.ErrInvalidRequestURI, false},
		{"unknown client", "zz", same, nil, grantry.ErrInvalidClient, true},
		{"no client_id", "", same, nil, grantry.ErrInvalidRequest, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, par.Config{})
			uri := tc.uri(f, f.pushed("c1", "s1", codeRequest()))
			if tc.before != nil {
				tc.before(f)
			}
			q := url.Values{"request_uri": {uri}, "state": {"s"}, "redirect_uri": {cbURI}, "response_type": {"code"}}
			if tc.client != "" {
				q.Set("client_id", tc.client)
			}
			w := f.authorize(q)
			if tc.json {
				jsonError(t, w, http.StatusBadRequest, tc.code)
				return
			}
			redirectedError(t, w, tc.code, "s")
		})
	}
	t.Run("another client's is used up", func(t *testing.T) {
		f := newFixture(t, par.Config{})
		uri := f.pushed("c1", "s1", codeRequest())
		redirectedError(t, f.authorize(url.Values{"client_id": {"c2"}, "request_uri": {uri}}), grantry.ErrInvalidRequestURI, "")
		redirectedError(t, f.authorize(url.Values{"client_id": {"c1"}, "request_uri": {uri}}), grantry.ErrInvalidRequestURI, "")
	})
	t.Run("with request", func(t *testing.T) {
		f := newFixture(t, par.Config{})
		uri := f.pushed("c1", "s1", codeRequest())
		q := url.Values{"client_id": {"c1"}, "request_uri": {uri}, "request": {"e30.e30.sig"}, "state": {"s"}}
		redirectedError(t, f.authorize(q), grantry.ErrInvalidRequest, "s")
	})
	t.Run("no redirect URI to trust", func(t *testing.T) {
		f := newFixture(t, par.Config{})
		q := url.Values{"client_id": {"c1"}, "request_uri": {par.URIPrefix + "nope"}, "redirect_uri": {"https://evil.test/cb"}}
		jsonError(t, f.authorize(q), http.StatusBadRequest, grantry.ErrInvalidRequestURI)
	})
}

func TestPushRefused(t *testing.T) {
	with := func(k, v string) url.Values {
		q := codeRequest()
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	tests := []struct {
		name       string
		user, pass string
		form       url.Values
		status     int
		code       grantry.ErrorCode
	}{
		{"wrong secret", "c1", "nope", codeRequest(), 401, grantry.ErrInvalidClient},
		{"no credentials", "", "", codeRequest(), 401, grantry.ErrInvalidClient},
		{"unregistered redirect_uri", "c1", "s1", with("redirect_uri", "https://evil.test/cb"), 400, grantry.ErrInvalidRequest},
		{"no response_type", "c1", "s1", with("response_type", ""), 400, grantry.ErrInvalidRequest},
		{"unsupported response_type", "c1", "s1", with("response_type", "token"), 400, grantry.ErrUnsupportedResponseType},
		{"scope beyond the client's", "c1", "s1", with("scope", "admin"), 400, grantry.ErrInvalidScope},
		{"request_uri pushed", "c1", "s1", with("request_uri", par.URIPrefix+"x"), 400, grantry.ErrInvalidRequest},
		{"another client's client_id", "c1", "s1", with("client_id", "c2"), 401, grantry.ErrInvalidClient},
		{"request object not supported", "c1", "s1", with("request", "e30.e30.sig"), 400, grantry.ErrRequestNotSupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, par.Config{})
			w := f.push(tc.user, tc.pass, tc.form)
			jsonError(t, w, tc.status, tc.code)
			if strings.Contains(w.Body.String(), "pushed-state") {
				t.Errorf("body %s: got the state echoed, want none", w.Body)
			}
		})
	}
	t.Run("public client without PKCE", func(t *testing.T) {
		f := newFixture(t, par.Config{})
		jsonError(t, f.push("", "", with("client_id", "p1")), 400, grantry.ErrInvalidRequest)
	})
	t.Run("GET", func(t *testing.T) {
		f := newFixture(t, par.Config{})
		// RFC 9126 §2.3: 405 for a method other than POST.
		w := f.authorizeMethod(http.MethodGet, "/par?"+codeRequest().Encode())
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
			t.Errorf("got status %d, Allow %q, want 405 and POST", w.Code, w.Header().Get("Allow"))
		}
	})
	t.Run("body too large", func(t *testing.T) {
		f := newFixture(t, par.Config{})
		form := codeRequest()
		form.Set("state", strings.Repeat("s", 70<<10))
		w := f.push("c1", "s1", form)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status: got %d, want 413 (RFC 9126 §2.3)", w.Code)
		}
	})
}

// TestPublicClientPushes checks that a public client identified by
// client_id pushes (RFC 9126 §2), with its PKCE challenge.
func TestPublicClientPushes(t *testing.T) {
	f := newFixture(t, par.Config{})
	form := codeRequest()
	form.Set("client_id", "p1")
	form.Set("code_challenge", challenge)
	form.Set("code_challenge_method", "S256")
	uri := f.pushed("", "", form)
	q := redirected(t, f.authorize(url.Values{"client_id": {"p1"}, "request_uri": {uri}}))
	if q.Get("code") == "" {
		t.Errorf("got %v, want a code", q)
	}
}

// TestClientSecretNotStored checks that client authentication parameters
// are not kept with the pushed request.
func TestClientSecretNotStored(t *testing.T) {
	f := newFixture(t, par.Config{})
	var seen map[string]string
	f.mux.HandleFunc("/inspect", func(w http.ResponseWriter, r *http.Request) {
		req, err := f.srv.ValidateAuthorizationRequest(r)
		if err != nil {
			f.srv.WriteError(w, r, err)
			return
		}
		seen = req.Params
	})
	form := codeRequest()
	form.Set("client_id", "post1")
	form.Set("client_secret", "s4")
	uri := f.pushed("", "", form)
	f.authorizeMethod(http.MethodGet, "/inspect?"+url.Values{"client_id": {"post1"}, "request_uri": {uri}}.Encode())
	if seen == nil {
		t.Fatal("the request was not validated")
	}
	if _, ok := seen["client_secret"]; ok {
		t.Errorf("params: got %v, want no client_secret", seen)
	}
	if _, ok := seen["request_uri"]; ok {
		t.Errorf("params: got %v, want no request_uri", seen)
	}
}

func TestRequirePushed(t *testing.T) {
	tests := []struct {
		name    string
		cfg     par.Config
		client  string
		secret  string
		require bool
	}{
		{"server-wide", par.Config{Require: true}, "c1", "s1", true},
		{"per client", par.Config{}, "must", "s3", true},
		{"not required", par.Config{}, "c1", "s1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.cfg)
			plain := codeRequest()
			plain.Set("client_id", tc.client)
			q := redirected(t, f.authorize(plain))
			if got := q.Get("error") == string(grantry.ErrInvalidRequest); got != tc.require {
				t.Errorf("plain request: got %v, want refused %v", q, tc.require)
			}
			uri := f.pushed(tc.client, tc.secret, codeRequest())
			q = redirected(t, f.authorize(url.Values{"client_id": {tc.client}, "request_uri": {uri}}))
			if q.Get("code") == "" {
				t.Errorf("pushed request: got %v, want a code", q)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	tests := []struct {
		name string
		cfg  par.Config
		want map[string]any
	}{
		{"default", par.Config{URL: "/par"}, map[string]any{
			"pushed_authorization_request_endpoint": "https://as.test/par", "request_uri_parameter_supported": true,
		}},
		{"required", par.Config{URL: "/par", Require: true}, map[string]any{
			"pushed_authorization_request_endpoint": "https://as.test/par", "request_uri_parameter_supported": true,
			"require_pushed_authorization_requests": true,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.cfg)
			m := f.srv.Metadata()
			for k, want := range tc.want {
				if got := m[k]; got != want {
					t.Errorf("%s: got %v, want %v", k, got, want)
				}
			}
			if _, ok := tc.want["require_pushed_authorization_requests"]; !ok {
				if got, ok := m["require_pushed_authorization_requests"]; ok {
					t.Errorf("require_pushed_authorization_requests: got %v, want absent", got)
				}
			}
		})
	}
}
