package openid_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/grantry/grantry/authtest"
)

// TestDiscovery checks the OpenID Provider Configuration document
// (Discovery 1.0 §3): every REQUIRED member, the RECOMMENDED ones the
// provider has, and that it is the RFC 8414 document.
func TestDiscovery(t *testing.T) {
	p := newRP(t, authtest.Config{Claims: aliceClaims})
	e := p.srv.Endpoints()
	get := func(u string) map[string]any {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
		m, status := p.do(req)
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d", u, status)
		}
		return m
	}
	doc := get(e.Discovery)
	if oauth := get(e.Metadata); !reflect.DeepEqual(doc, oauth) {
		t.Errorf("documents differ:\n openid-configuration %v\n oauth-authorization-server %v", doc, oauth)
	}
	want := map[string]any{
		"issuer": p.srv.Issuer(), "authorization_endpoint": e.Authorization, "token_endpoint": e.Token,
		"userinfo_endpoint": e.UserInfo, "jwks_uri": e.JWKS,
		"claims_parameter_supported": true, "request_parameter_supported": false, "request_uri_parameter_supported": false,
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s: got %v, want %v", k, doc[k], v)
		}
	}
	lists := map[string][]string{
		"response_types_supported":              {"code", "id_token", "code id_token token"},
		"subject_types_supported":               {"public", "pairwise"},
		"id_token_signing_alg_values_supported": {"ES256", "RS256"},
		"scopes_supported":                      {"openid", "profile", "email"},
		"claims_supported":                      {"sub", "iss", "auth_time", "email", "name"},
		"grant_types_supported":                 {"authorization_code", "implicit", "refresh_token"},
		"response_modes_supported":              {"query", "fragment", "form_post"},
	}
	for k, wantAll := range lists {
		got := map[string]bool{}
		list, _ := doc[k].([]any)
		for _, v := range list {
			got[str(v)] = true
		}
		for _, w := range wantAll {
			if !got[w] {
				t.Errorf("%s: got %v, want it to hold %q", k, doc[k], w)
			}
		}
	}
}

// TestIDTokenClaims checks the user claims an ID token carries: by scope
// when no access token is issued (Core §5.4), and by the claims request's
// id_token member (§5.5) in every flow.
func TestIDTokenClaims(t *testing.T) {
	p := newRP(t, authtest.Config{Claims: aliceClaims})
	tests := []struct {
		name   string
		params map[string]string
		want   []string
		absent []string
	}{
		{"id_token, scope email", map[string]string{"response_type": "id_token", "scope": "openid email", "nonce": "n"},
			[]string{"email", "email_verified"}, []string{"name"}},
		{"id_token token, scope email", map[string]string{"response_type": "id_token token", "scope": "openid email", "nonce": "n"},
			nil, []string{"email"}},
		{"code, claims request", map[string]string{"response_type": "code", "scope": "openid", "claims": `{"id_token":{"given_name":null}}`},
			[]string{"given_name"}, []string{"email", "name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := p.authorize(tc.params)
			id := got.Get("id_token")
			if c := got.Get("code"); c != "" {
				id = str(p.exchange(c)["id_token"])
			}
			claims, _ := p.verify(id)
			for _, name := range tc.want {
				if claims[name] != aliceClaims[authtest.DefaultSubject][name] {
					t.Errorf("%s: got %v, want %v", name, claims[name], aliceClaims[authtest.DefaultSubject][name])
				}
			}
			for _, name := range tc.absent {
				if v, ok := claims[name]; ok {
					t.Errorf("%s: got %v, want none", name, v)
				}
			}
		})
	}
}
