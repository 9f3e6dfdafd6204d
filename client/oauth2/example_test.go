package oauth2_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/grantry/grantry/client/oauth2"
)

// The authorization code flow with PKCE, from the redirect to an API call.
func Example_codeFlowWithPKCE() {
	ctx := context.Background()
	as := newExampleServer()
	defer as.Close()

	client, err := oauth2.New(oauth2.Config{
		ClientID:              "c1",
		ClientSecret:          "s1",
		AuthorizationEndpoint: as.URL + "/authorize",
		TokenEndpoint:         as.URL + "/token",
		RedirectURL:           "https://client.example/cb",
		Scopes:                []string{"profile"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Send the user agent to ar.URL, and keep ar (its state and PKCE
	// verifier) in the user's session.
	ar, err := client.AuthorizationURL()
	if err != nil {
		fmt.Println(err)
		return
	}

	// The user approves; the user agent comes back to the redirect URI.
	callback := as.approve(ar.URL)

	// At the redirect URI: check the response, then redeem the code.
	code, err := client.ParseCallback(callback, ar)
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := client.Exchange(ctx, code, ar.CodeVerifier)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("token type:", tok.TokenType, "scope:", tok.Scope)

	// Call an API with the token, which is renewed before it expires.
	req, _ := http.NewRequest(http.MethodGet, as.URL+"/api/me", nil)
	resp, err := client.Do(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var me struct{ Name string }
	json.NewDecoder(resp.Body).Decode(&me)
	fmt.Println("hello,", me.Name)
	// Output:
	// token type: Bearer scope: profile
	// hello, alice
}

// exampleServer is a minimal authorization server with one user.
type exampleServer struct {
	*httptest.Server
	mu     sync.Mutex
	codes  map[string]string // code -> code challenge
	tokens map[string]bool
}

func newExampleServer() *exampleServer {
	s := &exampleServer{codes: map[string]string{}, tokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /api/me", s.me)
	s.Server = httptest.NewServer(mux)
	return s
}

// approve plays the user agent: it follows the authorization URL and
// returns the query of the redirect back to the client.
func (s *exampleServer) approve(authURL string) url.Values {
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		return nil
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil
	}
	return loc.Query()
}

func (s *exampleServer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != "c1" || q.Get("redirect_uri") != "https://client.example/cb" || q.Get("code_challenge_method") != "S256" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.codes["code-1"] = q.Get("code_challenge")
	s.mu.Unlock()
	back := url.Values{"code": {"code-1"}, "state": {q.Get("state")}}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

func (s *exampleServer) token(w http.ResponseWriter, r *http.Request) {
	id, secret, _ := r.BasicAuth()
	r.ParseForm()
	s.mu.Lock()
	challenge, ok := s.codes[r.PostForm.Get("code")]
	delete(s.codes, r.PostForm.Get("code"))
	s.tokens["at-1"] = true
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if id != "c1" || secret != "s1" || !ok || oauth2.CodeChallenge(oauth2.PKCES256, r.PostForm.Get("code_verifier")) != challenge {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant"}`)
		return
	}
	fmt.Fprint(w, `{"access_token":"at-1","token_type":"bearer","expires_in":3600,"scope":"profile"}`)
}

func (s *exampleServer) me(w http.ResponseWriter, r *http.Request) {
	tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	ok := found && s.tokens[tok]
	s.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	fmt.Fprint(w, `{"name":"alice"}`)
}
