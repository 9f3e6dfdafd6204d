package authserver_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
)

const (
	resA = "https://a.test/api"
	resB = "https://b.test/"
)

// withResources returns a copy of v naming the resources, each a
// parameter of its own (RFC 8707 §2).
func withResources(v url.Values, resources ...string) url.Values {
	out := withParams(v)
	for _, r := range resources {
		out.Add("resource", r)
	}
	return out
}

// resourcesOf returns the resources the stored record of an access token
// is bound to.
func (f *fixture) resourcesOf(t *testing.T, access string) []string {
	t.Helper()
	tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(access))
	if err != nil {
		t.Fatalf("TokenByAccess: %v", err)
	}
	return tok.Resource
}

func TestResourceAuthorizationCode(t *testing.T) {
	tests := []struct {
		name       string
		authorized []string // resources of the authorization request
		asked      []string // resources of the token request
		want       []string // the access token's audience; nil with wantErr
		wantErr    bool
	}{
		{"none anywhere", nil, nil, nil, false},
		{"granted, none asked: all granted", []string{resA, resB}, nil, []string{resA, resB}, false},
		{"granted, one asked", []string{resA, resB}, []string{resB}, []string{resB}, false},
		{"granted, another asked", []string{resA}, []string{resB}, nil, true},
		{"none granted, one asked", nil, []string{resA}, []string{resA}, false},
		{"repeats dropped", []string{resA, resA}, []string{resA, resA}, []string{resA}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			code := f.obtainCode(t, withResources(codeRequest(), tt.authorized...))
			form := withResources(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {cbURI}}, tt.asked...)
			res := f.token(t, asClient(tokenRequest(form), "c1"))
			if tt.wantErr {
				checkJSONError(t, res, http.StatusBadRequest, "invalid_target")
				return
			}
			tok := mustToken(t, res)
			if got := f.resourcesOf(t, tok.AccessToken); !slices.Equal(got, tt.want) {
				t.Errorf("audience: got %q, want %q", got, tt.want)
			}
		})
	}
}

// A refresh may ask for any resource the code granted, also after a
// token request that asked for fewer (RFC 8707 §2.2), and no other.
func TestResourceRefresh(t *testing.T) {
	f := newFixture(t)
	code := f.obtainCode(t, withResources(codeRequest(), resA, resB))
	first := mustToken(t, f.exchange(t, code, "resource", resA))
	if got := f.resourcesOf(t, first.AccessToken); !slices.Equal(got, []string{resA}) {
		t.Fatalf("first audience: got %q, want [%s]", got, resA)
	}
	refresh := func(rt string, resources ...string) *http.Response {
		form := withResources(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, resources...)
		return f.token(t, asClient(tokenRequest(form), "c1"))
	}
	second := mustToken(t, refresh(first.RefreshToken, resB))
	if got := f.resourcesOf(t, second.AccessToken); !slices.Equal(got, []string{resB}) {
		t.Errorf("audience after refresh for B: got %q, want [%s]", got, resB)
	}
	third := mustToken(t, refresh(second.RefreshToken))
	if got := f.resourcesOf(t, third.AccessToken); !slices.Equal(got, []string{resA, resB}) {
		t.Errorf("audience after refresh naming none: got %q, want all granted", got)
	}
	checkJSONError(t, refresh(third.RefreshToken, "https://c.test/"), http.StatusBadRequest, "invalid_target")
}

func TestResourceClientCredentials(t *testing.T) {
	f := newFixture(t)
	post := func(resources ...string) *http.Response {
		form := withResources(url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}, resources...)
		return f.token(t, asClient(tokenRequest(form), "cc1"))
	}
	tok := mustToken(t, post(resA, resB))
	if got := f.resourcesOf(t, tok.AccessToken); !slices.Equal(got, []string{resA, resB}) {
		t.Errorf("audience: got %q, want [%s %s]", got, resA, resB)
	}
	tok = mustToken(t, post())
	if got := f.resourcesOf(t, tok.AccessToken); got != nil {
		t.Errorf("audience without resource: got %q, want none", got)
	}
}

func TestResourceInvalid(t *testing.T) {
	bad := []struct{ name, resource string }{
		{"relative", "/api"},
		{"fragment", "https://a.test/api#x"},
		{"empty fragment", "https://a.test/api#"},
		{"no scheme", "a.test/api"},
		{"space", "https://a.test/a b"},
		{"scheme only", "https:"},
		{"unknown to the server", "https://unknown.test/"},
	}
	known := func(s *fixtureSetup) { s.Config.Resources = []string{resA, resB, "https://a.test/a b"} }
	for _, tt := range bad {
		t.Run("token "+tt.name, func(t *testing.T) {
			f := newFixture(t, known)
			form := withResources(url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}, resA, tt.resource)
			checkJSONError(t, f.token(t, asClient(tokenRequest(form), "cc1")), http.StatusBadRequest, "invalid_target")
		})
		t.Run("authorize "+tt.name, func(t *testing.T) {
			f := newFixture(t, known)
			rd := parseRedirect(t, f.authorize(t, withResources(codeRequest(), tt.resource).Encode(), approve))
			if got := rd.params.Get("error"); got != "invalid_target" || rd.params.Get("state") != "st" || rd.base != cbURI {
				t.Errorf("redirect: got %s %v, want invalid_target with state st", rd.base, rd.params)
			}
		})
	}
	t.Run("too many", func(t *testing.T) {
		f := newFixture(t)
		many := make([]string, 17)
		for i := range many {
			many[i] = "https://r.test/" + strings.Repeat("x", i+1)
		}
		form := withResources(url.Values{"grant_type": {"client_credentials"}}, many...)
		checkJSONError(t, f.token(t, asClient(tokenRequest(form), "cc1")), http.StatusBadRequest, "invalid_target")
	})
	t.Run("NUL in a resource", func(t *testing.T) {
		f := newFixture(t)
		res := f.token(t, asClient(rawTokenRequest("grant_type=client_credentials&resource=https%3A%2F%2Fa.test%2F%00x"), "cc1"))
		checkJSONError(t, res, http.StatusBadRequest, "invalid_request")
	})
}

// The resources of a POSTed authorization request may be split between
// the query and the body (RFC 6749 §3.1 allows both).
func TestResourceAuthorizeQueryAndBody(t *testing.T) {
	f := newFixture(t)
	var got []string
	h := func(w http.ResponseWriter, r *http.Request) {
		req, err := f.srv.ValidateAuthorizationRequest(r)
		if err != nil {
			f.srv.WriteError(w, r, err)
			return
		}
		got = req.Resource
		f.srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice"})
	}
	body := withResources(url.Values{}, resB).Encode()
	r := rawTokenRequest(body)
	r.URL, _ = url.Parse("https://as.test/authorize?" + withResources(codeRequest(), resA).Encode())
	w := httptest.NewRecorder()
	h(w, r)
	if w.Code != http.StatusFound || !slices.Equal(got, []string{resA, resB}) {
		t.Errorf("got %d with resources %q, want 302 with [%s %s]", w.Code, got, resA, resB)
	}
}

// A token issued at the authorization endpoint (implicit) is bound to the
// request's resources.
func TestResourceImplicit(t *testing.T) {
	f := newFixture(t)
	q := withResources(url.Values{"response_type": {"token"}, "client_id": {"p1"}, "redirect_uri": {cbURI}, "scope": {"profile"}, "state": {"s"}}, resA)
	rd := parseRedirect(t, f.authorize(t, q.Encode(), approve))
	access := rd.params.Get("access_token")
	if access == "" {
		t.Fatalf("redirect: got %v, want an access token", rd.params)
	}
	if got := f.resourcesOf(t, access); !slices.Equal(got, []string{resA}) {
		t.Errorf("audience: got %q, want [%s]", got, resA)
	}
}
