package client

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grantry/grantry/client/oauth2"
)

// BenchmarkCookieStore measures a login state's trip: sealed into a
// cookie at the redirect, opened and cleared at the callback.
func BenchmarkCookieStore(b *testing.B) {
	s, err := NewCookieStore(testKey)
	if err != nil {
		b.Fatal(err)
	}
	st := sampleState()
	r := asBrowser(httptest.NewRequest("GET", "https://app.example/auth/github/callback?code=c&state=s", nil), testBrowser)
	w := httptest.NewRecorder()
	s.Save(w, r, st)
	r.AddCookie(w.Result().Cookies()[0])
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		if err := s.Save(w, r, st); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Take(w, r, "github"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDo measures an API call with a fresh OAuth 2.0 token, the
// round trip to a loopback server included.
func BenchmarkDo(b *testing.B) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer at" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer api.Close()
	reg := NewRegistry(RegistryConfig{})
	a, err := reg.Register("p", OAuth2{
		Config: oauth2.Config{
			ClientID: "app", ClientSecret: "secret", AuthorizationEndpoint: api.URL + "/a", TokenEndpoint: api.URL + "/t",
		},
		APIBaseURL: api.URL,
	})
	if err != nil {
		b.Fatal(err)
	}
	tok := &Token{OAuth2: &oauth2.Token{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}}
	req, _ := http.NewRequest(http.MethodGet, "me", nil)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := a.Do(b.Context(), tok, req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("Do: %v, %v", resp, err)
		}
		resp.Body.Close()
	}
}

// BenchmarkUserClient measures what each API call spends on its own OAuth
// 2.0 client.
func BenchmarkUserClient(b *testing.B) {
	reg := NewRegistry(RegistryConfig{})
	a, err := reg.Register("p", OAuth2{Config: oauth2.Config{
		ClientID: "app", ClientSecret: "secret", AuthorizationEndpoint: "https://op.example/a", TokenEndpoint: "https://op.example/t",
	}})
	if err != nil {
		b.Fatal(err)
	}
	s := a.setup.Load()
	tok := &oauth2.Token{AccessToken: "at"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := userClient(a.userConfig(s, "", nil), tok); err != nil {
			b.Fatal(err)
		}
	}
}
