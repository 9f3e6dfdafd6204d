package tokenexchange_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grantry/grantry/grant/tokenexchange"
)

// BenchmarkExchange measures one exchange at the token endpoint, client
// authentication and storing the token included, per subject token type.
func BenchmarkExchange(b *testing.B) {
	f := newFixture(b, tokenexchange.Config{})
	for _, bc := range []struct {
		name, body string
	}{
		{"access_token", subject("at-alice", typeAT, "scope", "read", "audience", "orders").Encode()},
		{"jwt", subject(f.idpJWT(b, nil), typeJWT, "audience", "orders").Encode()},
		{"delegation", subject("at-mayact", typeAT, "actor_token", "at-svc", "actor_token_type", typeAT).Encode()},
	} {
		client := "app"
		if bc.name == "delegation" {
			client = "svc"
		}
		body := "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&" + bc.body
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.SetBasicAuth(client, client+"-secret")
				w := httptest.NewRecorder()
				f.handler.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("got %d %s", w.Code, w.Body)
				}
			}
		})
	}
}
