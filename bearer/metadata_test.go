package bearer_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/internal/golden"

	"github.com/grantry/grantry/bearer"
)

func TestMetadataURL(t *testing.T) {
	tests := []struct {
		resource string
		want     string
	}{
		{"https://api.example", "https://api.example/.well-known/oauth-protected-resource"},
		{"https://api.example/", "https://api.example/.well-known/oauth-protected-resource"},
		{"https://api.example/v1/reports", "https://api.example/.well-known/oauth-protected-resource/v1/reports"},
		{"https://api.example:8443/a%20b", "https://api.example:8443/.well-known/oauth-protected-resource/a%20b"},
		{"http://127.0.0.1:8080/api", "http://127.0.0.1:8080/.well-known/oauth-protected-resource/api"},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			got, err := bearer.MetadataURL(tt.resource)
			if err != nil || got != tt.want {
				t.Errorf("MetadataURL: got (%q, %v), want %q", got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "/api", "http://api.example/", "https://api.example/?x=1", "https://api.example/?", "https://api.example/#f", "https://u@api.example/", "urn:example:api"} {
		t.Run("refused "+bad, func(t *testing.T) {
			if got, err := bearer.MetadataURL(bad); err == nil {
				t.Errorf("MetadataURL(%q): got %q, want an error", bad, got)
			}
		})
	}
}

func TestMetadataHandler(t *testing.T) {
	p := bearer.New(newValidator(newStore(t)), bearer.Config{Resource: "https://api.example/reports", AllowForm: true})
	h := p.MetadataHandler(bearer.ResourceMetadata{
		AuthorizationServers:  []string{"https://as.example"},
		ScopesSupported:       []string{"reports:read", "reports:write"},
		ResourceName:          "Reports API",
		ResourceDocumentation: "https://api.example/docs",
	})
	t.Run("GET", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/oauth-protected-resource/reports", nil))
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("got %d %q, want 200 application/json", rec.Code, rec.Header().Get("Content-Type"))
		}
		golden.Check(t, "resource_metadata", rec.Body.Bytes())
	})
	t.Run("HEAD", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/", nil))
		if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
			t.Errorf("got %d with %d bytes, want 200 and no body", rec.Code, rec.Body.Len())
		}
	})
	t.Run("POST", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("got %d Allow %q, want 405 with Allow: GET, HEAD", rec.Code, rec.Header().Get("Allow"))
		}
	})
	t.Run("no resource", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("MetadataHandler without resource: got no panic, want one")
			}
		}()
		bearer.New(newValidator(newStore(t)), bearer.Config{}).MetadataHandler(bearer.ResourceMetadata{})
	})
}

// With Config.ResourceMetadata, 401 challenges name the metadata (RFC 9728
// §5.1); 403 and 400 ones do not.
func TestChallengeResourceMetadata(t *testing.T) {
	const mdURL = "https://api.example/.well-known/oauth-protected-resource/reports"
	p := bearer.New(newValidator(newStore(t)), bearer.Config{Realm: "api", ResourceMetadata: mdURL, Now: func() time.Time { return now }})
	h := p.Require("email")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tests := []struct {
		name, authorization string
		status              int
		want                string
	}{
		{"no token", "", http.StatusUnauthorized, `Bearer realm="api", resource_metadata="` + mdURL + `"`},
		{"invalid token", "Bearer nope", http.StatusUnauthorized,
			`Bearer realm="api", error="invalid_token", error_description="the access token is invalid, expired or revoked", resource_metadata="` + mdURL + `"`},
		{"insufficient scope", "Bearer " + profileToken, http.StatusForbidden,
			`Bearer realm="api", error="insufficient_scope", error_description="the access token does not grant the required scope", scope="email"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.authorization != "" {
				r.Header.Set("Authorization", tt.authorization)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if got := rec.Header().Get("WWW-Authenticate"); rec.Code != tt.status || got != tt.want {
				t.Errorf("got %d %q, want %d %q", rec.Code, got, tt.status, tt.want)
			}
			if strings.Contains(rec.Body.String(), "resource_metadata") {
				t.Errorf("body: got %s, want no resource_metadata", rec.Body)
			}
		})
	}
}

func FuzzMetadataURL(f *testing.F) {
	for _, s := range []string{"https://api.example", "https://api.example/v1/", "http://127.0.0.1:9/x", "https://a.example/?q", "https://a/#f", "urn:x", "https://a/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, resource string) {
		got, err := bearer.MetadataURL(resource)
		if err != nil {
			return
		}
		u, perr := url.Parse(got)
		if perr != nil || u.RawQuery != "" || u.Fragment != "" || !strings.HasPrefix(u.EscapedPath(), bearer.WellKnownPath) {
			t.Fatalf("MetadataURL(%q) = %q: want a URL under %s without query or fragment", resource, got, bearer.WellKnownPath)
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			t.Fatalf("MetadataURL(%q) = %q: want http(s)", resource, got)
		}
	})
}
