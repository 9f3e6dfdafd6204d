package client

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzCookieStoreTake feeds arbitrary cookie values to the cookie store:
// anything but a cookie it sealed is ErrStateInvalid, never a panic.
func FuzzCookieStoreTake(f *testing.F) {
	s, err := NewCookieStore(testKey)
	if err != nil {
		f.Fatal(err)
	}
	w := httptest.NewRecorder()
	s.Save(w, httptest.NewRequest("GET", "/", nil), sampleState())
	f.Add(w.Result().Cookies()[0].Value)
	f.Add("")
	f.Add("AAAA")
	f.Add("e30")
	f.Fuzz(func(t *testing.T, value string) {
		r := httptest.NewRequest("GET", "https://app.example/auth/github/callback", nil)
		r.Header.Set("Cookie", CookiePrefix+"github="+value)
		st, err := s.Take(httptest.NewRecorder(), r, "github")
		if err != nil && !errors.Is(err, ErrStateInvalid) && !errors.Is(err, ErrStateMissing) {
			t.Errorf("Take(%q): error %v, want ErrStateInvalid or ErrStateMissing", value, err)
		}
		if err == nil && st == nil {
			t.Errorf("Take(%q): no state and no error", value)
		}
	})
}

// FuzzResolve checks that an API path never leaves the API base URL's
// host.
func FuzzResolve(f *testing.F) {
	reg := NewRegistry(RegistryConfig{})
	a, err := reg.Register("p", Config{
		ClientID: "app", AuthorizeURL: "https://op.example/a", AccessTokenURL: "https://op.example/t",
		APIBaseURL: "https://api.example/v1",
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{"user", "/user", "//evil.example/x", "https://evil.example", "../../x", "a?b=c#d", "%zz", "\\\\evil", "http:evil"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		u, err := a.resolve(path)
		if err != nil {
			if !errors.Is(err, ErrPath) {
				t.Errorf("resolve(%q): error %v, want ErrPath", path, err)
			}
			return
		}
		if u.Scheme != "https" || u.Host != "api.example" {
			t.Errorf("resolve(%q) = %s, off the API host", path, u)
		}
	})
}

// FuzzOAuth1Callback feeds arbitrary callback queries to the OAuth 1.0
// callback checks: a query that does not name the temporary credentials
// is never accepted, and nothing panics.
func FuzzOAuth1Callback(f *testing.F) {
	f.Add("oauth_token=temp&oauth_verifier=v")
	f.Add("denied=temp")
	f.Add("denied=other")
	f.Add("error=access_denied&error_description=no")
	f.Add("oauth_token=temp&oauth_token=temp&oauth_verifier=v")
	f.Add("%zz")
	reg := NewRegistry(RegistryConfig{})
	a, err := reg.Register("p", Config{
		ClientID: "app", RequestTokenURL: "http://127.0.0.1:1/rt", AuthorizeURL: "http://127.0.0.1:1/a",
		AccessTokenURL: "http://127.0.0.1:1/at", HTTPClient: &http.Client{Transport: refuse{}},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		_, err := a.oauth1Callback(t.Context(), rawQuery, &State{TempToken: "temp", TempSecret: "s"})
		q, _ := url.ParseQuery(rawQuery)
		var pe *ProviderError
		if errors.As(err, &pe) && q.Has("denied") && q.Get("denied") != "temp" && q.Get("denied") != "" {
			t.Errorf("query %q: a refusal for other credentials taken as the provider's: %v", rawQuery, err)
		}
		if err == nil {
			t.Errorf("query %q: accepted, though the token endpoint cannot be reached", rawQuery)
		}
	})
}

// refuse is a transport that sends nothing.
type refuse struct{}

func (refuse) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in this test")
}
