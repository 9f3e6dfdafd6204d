package bearer_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// A protector configured with its resource identifier refuses a token
// bound to another resource (RFC 8707): 401 invalid_token.
func TestProtectorResource(t *testing.T) {
	s := newStore(t)
	for id, aud := range map[string][]string{
		"for-a":  {"https://a.test/"},
		"for-ab": {"https://b.test/", "https://a.test/"},
		"for-b":  {"https://b.test/"},
	} {
		err := s.CreateToken(context.Background(), &storage.Token{ID: id, ClientID: "c1", Scope: grantry.Scope{"profile"},
			Resource: aud, AccessHash: secret.Digest(id), IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		resource string
		token    string
		want     int
	}{
		{"bound to this resource", "https://a.test/", "for-a", http.StatusOK},
		{"bound to it and another", "https://a.test/", "for-ab", http.StatusOK},
		{"bound to another resource", "https://a.test/", "for-b", http.StatusUnauthorized},
		{"bound to none", "https://a.test/", profileToken, http.StatusUnauthorized},
		{"protector without resource takes any", "", "for-b", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := bearer.New(newValidator(s), bearer.Config{Resource: tt.resource, Now: func() time.Time { return now }})
			h := p.Require("profile")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer "+tt.token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.want {
				t.Fatalf("status: got %d, want %d", rec.Code, tt.want)
			}
			if got := rec.Header().Get("WWW-Authenticate"); tt.want == http.StatusUnauthorized && !strings.Contains(got, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate: got %q, want invalid_token", got)
			}
		})
	}
}
