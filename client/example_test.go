package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
)

// A web app logs its users in with a GitHub-style OAuth 2.0 provider,
// whose user API is not an OpenID Connect UserInfo endpoint: a fix turns
// its document into standard claims.
func Example_gitHubStyle() {
	github := newProvider(false) // stands for github.com
	defer github.Close()

	reg := client.NewRegistry(client.RegistryConfig{})
	app, err := reg.Register("github", client.OAuth2{
		Config: oauth2.Config{
			ClientID:              "app",
			ClientSecret:          "secret",
			AuthorizationEndpoint: github.URL + "/authorize",
			TokenEndpoint:         github.URL + "/token",
			Scopes:                []string{"read:user"},
		},
		APIBaseURL:       github.URL + "/api/",
		UserInfoEndpoint: "user",
		UserInfoFix: func(claims map[string]any) (map[string]any, error) {
			claims["sub"] = fmt.Sprint(claims["id"])
			claims["preferred_username"] = claims["login"]
			return claims, nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	var site *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		if err := app.AuthorizeRedirect(w, r, site.URL+"/callback"); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		login, err := app.AuthorizeAccessToken(w, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		user, err := app.UserInfo(r.Context(), login.Token)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "signed in as %s (%s), scope %q", user.PreferredUsername, user.Subject, login.Token.OAuth2.Scope)
	})
	site = httptest.NewServer(mux)
	defer site.Close()

	fmt.Println(visit(site.URL + "/login"))
	// Output: signed in as octocat (42), scope "read:user"
}

// A web app logs its users in with a Twitter-style OAuth 1.0 provider,
// keeps each user's token credentials in its sessions, and calls the API
// on their behalf: the registry's fetch-token function finds the token of
// the user behind a request.
func Example_twitterStyle() {
	twitter := newProvider(false) // stands for api.twitter.com
	defer twitter.Close()

	sessions := &sessionStore{tokens: map[string]*client.Token{}}
	reg := client.NewRegistry(client.RegistryConfig{
		FetchToken: func(_ context.Context, name string, r *http.Request) (*client.Token, error) {
			return sessions.token(r, name), nil
		},
	})
	app, err := reg.Register("twitter", client.OAuth1{
		Config: oauth1.Config{
			ConsumerKey:    "app",
			ConsumerSecret: "secret",
			Endpoint: oauth1.Endpoint{
				TemporaryCredentialsURL: twitter.URL + "/oauth/request_token",
				AuthorizationURL:        twitter.URL + "/oauth/authenticate",
				TokenURL:                twitter.URL + "/oauth/access_token",
			},
		},
		APIBaseURL: twitter.URL + "/1.1/",
	})
	if err != nil {
		log.Fatal(err)
	}

	var site *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		if err := app.AuthorizeRedirect(w, r, site.URL+"/callback"); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		login, err := app.AuthorizeAccessToken(w, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sessions.start(w, "twitter", login.Token)
		http.Redirect(w, r, "/me", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		resp, err := app.Get(r.Context(), r, "account/verify_credentials.json")
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		defer resp.Body.Close()
		var me struct {
			ScreenName string `json:"screen_name"`
		}
		json.NewDecoder(resp.Body).Decode(&me)
		fmt.Fprintf(w, "@%s", me.ScreenName)
	})
	site = httptest.NewServer(mux)
	defer site.Close()

	fmt.Println(visit(site.URL + "/login"))
	// Output: @twitterapi
}

// A web app logs its users in with an OpenID Provider found through
// discovery: the login ends with a validated ID token, and the UserInfo
// endpoint comes from the provider's metadata.
func Example_openIDConnect() {
	op := newProvider(true) // an OpenID Provider
	defer op.Close()

	reg := client.NewRegistry(client.RegistryConfig{})
	app, err := reg.Register("op", client.OAuth2{
		Config: oauth2.Config{
			ClientID:     "app",
			ClientSecret: "secret",
			Scopes:       []string{"openid", "profile", "email"},
		},
		ServerMetadataURL: op.URL + "/.well-known/openid-configuration",
	})
	if err != nil {
		log.Fatal(err)
	}

	var site *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		if err := app.AuthorizeRedirect(w, r, site.URL+"/callback"); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		login, err := app.AuthorizeAccessToken(w, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		user, err := app.UserInfo(r.Context(), login.Token)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "ID token of %s for %v; %s <%s>", login.IDToken.Subject, login.IDToken.Audience, user.Name, user.Email)
	})
	site = httptest.NewServer(mux)
	defer site.Close()

	fmt.Println(visit(site.URL + "/login"))
	// Output: ID token of alice for [app]; Alice Liddell <alice@example.com>
}

// sessionStore keeps each browser's tokens, found by a session cookie.
type sessionStore struct {
	mu     sync.Mutex
	n      int
	tokens map[string]*client.Token // by session and app
}

func (s *sessionStore) start(w http.ResponseWriter, app string, tok *client.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	id := fmt.Sprint(s.n) // a real app uses a random session ID
	s.tokens[id+"/"+app] = tok
	http.SetCookie(w, &http.Cookie{Name: "session", Value: id, Path: "/", HttpOnly: true})
}

func (s *sessionStore) token(r *http.Request, app string) *client.Token {
	c, err := r.Cookie("session")
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[c.Value+"/"+app]
}

// visit plays a browser: it follows redirects, keeps cookies, and returns
// the page it ends on.
func visit(u string) string {
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(u)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// A CookieStore scoped to the redirect URI's path, for an app that shares
// its host with others: the login's cookie is named __Secure- and sent to
// the callback's path only, while the cookie that binds logins to the
// browser stays __Host- on "/".
func ExampleScopeToRedirectPath() {
	key := make([]byte, 32) // in production: 32 random bytes, kept secret
	store, err := client.NewCookieStore(key, client.ScopeToRedirectPath())
	if err != nil {
		log.Fatal(err)
	}
	w := httptest.NewRecorder()
	st := &client.State{App: "github", RedirectURI: "https://app.example/auth/github/callback", State: "s", Expiry: time.Now().Add(time.Minute)}
	if err := store.Save(w, httptest.NewRequest("GET", "https://app.example/login", nil), st); err != nil {
		log.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		fmt.Println(c.Name, c.Path, c.Secure, c.HttpOnly)
	}
	// Output:
	// __Host-grantry_browser / true true
	// __Secure-grantry_login_github_BDpxh3TFcr2KJa2- /auth/github/callback true true
}
