package bearer_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grantry/grantry/bearer"
)

// TestChallengeHasAuthParam: RFC 6750 §3, "All challenges defined by
// this specification MUST use the auth-scheme value "Bearer". This scheme
// MUST be followed by one or more auth-param values." Without a configured
// realm, the challenge to a request without credentials still carries one.
func TestChallengeHasAuthParam(t *testing.T) {
	tests := []struct {
		name   string
		header string // Authorization, "" for none
	}{
		{"no Authorization header", ""},
		{"another scheme", "Basic YTpi"},
		{"a scheme that only starts like Bearer", "Bearerx abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtector(t, bearer.Config{})
			r := httptest.NewRequest(http.MethodGet, "/resource", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			rec := serve(p.Require()(whoami), r)
			got := rec.Header().Get("WWW-Authenticate")
			scheme, params, _ := strings.Cut(got, " ")
			if rec.Code != http.StatusUnauthorized || scheme != "Bearer" || !strings.Contains(params, "=") {
				t.Errorf("got %d WWW-Authenticate %q, want 401 with a Bearer challenge holding at least one auth-param", rec.Code, got)
			}
		})
	}
}

// TestRealmQuoting: the realm is a quoted-string (RFC 9110 §5.6.4), and
// DefaultRealm when the Config has none.
func TestRealmQuoting(t *testing.T) {
	tests := []struct{ name, realm, want string }{
		{"no realm configured", "", `Bearer realm="grantry"`},
		{"quotes", `my "api"`, `Bearer realm="my \"api\""`},
		{"backslash", `back\slash`, `Bearer realm="back\\slash"`},
		{"control characters", "ctl\x00\nchars\tok", "Bearer realm=\"ctlchars\tok\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtector(t, bearer.Config{Realm: tt.realm})
			rec := serve(p.Require()(whoami), httptest.NewRequest(http.MethodGet, "/", nil))
			if got := rec.Header().Get("WWW-Authenticate"); rec.Code != 401 || got != tt.want {
				t.Errorf("got %d %s, want 401 %s", rec.Code, got, tt.want)
			}
		})
	}
	t.Run("error challenge without a configured realm", func(t *testing.T) {
		p := newProtector(t, bearer.Config{})
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer nope")
		rec := serve(p.Require()(whoami), r)
		want := `Bearer realm="grantry", error="invalid_token", error_description="the access token is invalid, expired or revoked"`
		if got := rec.Header().Get("WWW-Authenticate"); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}
