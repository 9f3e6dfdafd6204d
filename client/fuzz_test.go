package client

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
)

// FuzzCookieStoreTake feeds arbitrary cookie values and callback queries
// to the cookie store, with the cookie named for the login whose state is
// "s": anything but the cookie it sealed is ErrStateInvalid, a callback
// that names other logins only is ErrStateMismatch, and nothing panics.
func FuzzCookieStoreTake(f *testing.F) {
	s, err := NewCookieStore(testKey)
	if err != nil {
		f.Fatal(err)
	}
	w := httptest.NewRecorder()
	s.Save(w, asBrowser(httptest.NewRequest("GET", "/", nil), testBrowser), sampleState())
	sealed := w.Result().Cookies()[0].Value
	for _, query := range []string{"code=c&state=s", "", "state=t", "oauth_token=s", "state=t&denied=s", "error=access_denied", "%zz&state=s"} {
		f.Add(sealed, query)
	}
	f.Add("", "state=s")
	f.Add("AAAA", "state=s")
	f.Add("e30", "")
	name := nameFor("github", "s")
	f.Fuzz(func(t *testing.T, value, rawQuery string) {
		r := httptest.NewRequest("GET", "https://app.example/auth/github/callback", nil)
		r.URL.RawQuery = rawQuery
		r.Header.Set("Cookie", name+"="+value+"; __Host-grantry_browser="+testBrowser)
		st, err := s.Take(httptest.NewRecorder(), r, "github")
		q := r.URL.Query()
		keys := []string{q.Get("state"), q.Get("oauth_token"), q.Get("denied")}
		namesOthers := slices.ContainsFunc(keys, func(k string) bool { return k != "" }) && !slices.Contains(keys, "s")
		switch {
		case err == nil && (st == nil || st.State != "s"):
			t.Errorf("Take(%q, %q): got %+v, want the sealed state or an error", value, rawQuery, st)
		case err == nil && namesOthers:
			t.Errorf("Take(%q, %q): a callback naming other logins took the state", value, rawQuery)
		case err != nil && !errors.Is(err, ErrStateInvalid) && !errors.Is(err, ErrStateMissing) && !errors.Is(err, ErrStateMismatch):
			t.Errorf("Take(%q, %q): error %v, want ErrStateInvalid, ErrStateMissing or ErrStateMismatch", value, rawQuery, err)
		case errors.Is(err, ErrStateMismatch) && !namesOthers:
			t.Errorf("Take(%q, %q): ErrStateMismatch, though the callback names the only login or none", value, rawQuery)
		}
	})
}

// FuzzResolve checks that an API path never leaves the API base URL's
// host.
func FuzzResolve(f *testing.F) {
	reg := NewRegistry(RegistryConfig{})
	a, err := reg.Register("p", OAuth2{
		Config:     oauth2.Config{ClientID: "app", AuthorizationEndpoint: "https://op.example/a", TokenEndpoint: "https://op.example/t"},
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
	a, err := reg.Register("p", OAuth1{Config: oauth1.Config{
		ConsumerKey: "app",
		Endpoint: oauth1.Endpoint{
			TemporaryCredentialsURL: "http://127.0.0.1:1/rt", AuthorizationURL: "http://127.0.0.1:1/a", TokenURL: "http://127.0.0.1:1/at",
		},
		HTTPClient: &http.Client{Transport: refuse{}},
	}})
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
