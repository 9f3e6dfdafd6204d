package authserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// The authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636) for a
// public client: the application validates the request, lets the user
// consent, and the client exchanges the code at the token endpoint. The
// code is single use.
func Example() {
	ctx := context.Background()
	store := memstore.New()
	err := store.CreateClient(ctx, &storage.Client{
		ID:            "native-app",
		AuthMethod:    grantry.AuthNone,
		RedirectURIs:  []string{"https://app.example/cb"},
		GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
		Scope:         grantry.Scope{"profile", "email"},
	})
	if err != nil {
		panic(err)
	}
	srv, err := authserver.New(authserver.Config{Issuer: "https://as.example", Clients: store, Tokens: store})
	if err != nil {
		panic(err)
	}
	code := authcode.New(store, authcode.Config{})
	srv.RegisterGrant(code)        // grant_type=authorization_code
	srv.RegisterResponseType(code) // response_type=code
	srv.RegisterExtension(pkce.New(pkce.Config{}))

	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		req, err := srv.ValidateAuthorizationRequest(r)
		if err != nil {
			srv.WriteError(w, r, err)
			return
		}
		// Here the application signs the user in and shows req.Client and
		// req.Scope; this user consents to the profile scope only.
		srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice", Scope: grantry.Scope{"profile"}})
	})
	mux.HandleFunc("/token", srv.ServeToken)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// The client keeps the verifier and sends its S256 challenge.
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	res, err := browser.Get(ts.URL + "/authorize?" + url.Values{
		"response_type":         {"code"},
		"client_id":             {"native-app"},
		"redirect_uri":          {"https://app.example/cb"},
		"scope":                 {"profile email"},
		"state":                 {"af0ifjsldkj"},
		"code_challenge":        {pkce.Challenge(pkce.MethodS256, verifier)},
		"code_challenge_method": {pkce.MethodS256},
	}.Encode())
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	fmt.Println(res.StatusCode, loc.Host+loc.Path, "state="+loc.Query().Get("state"), "iss="+loc.Query().Get("iss"))

	exchange := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {loc.Query().Get("code")},
		"redirect_uri":  {"https://app.example/cb"},
		"client_id":     {"native-app"},
		"code_verifier": {verifier},
	}
	for range 2 {
		res, err := http.PostForm(ts.URL+"/token", exchange)
		if err != nil {
			panic(err)
		}
		var body struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
			Scope       string `json:"scope"`
			Error       string `json:"error"`
		}
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if body.Error != "" {
			fmt.Println(res.StatusCode, body.Error)
			continue
		}
		fmt.Println(res.StatusCode, body.TokenType, body.ExpiresIn, body.Scope, len(body.AccessToken))
	}
	// Output:
	// 302 app.example/cb state=af0ifjsldkj iss=https://as.example
	// 200 Bearer 864000 profile 66
	// 400 invalid_grant
}

// TicketGrant exchanges a support ticket for a token of the ticket's
// owner: an extension grant with a grant_type of its own (RFC 6749 §4.5),
// written against the same interfaces as the built-in grants.
type TicketGrant struct {
	Tickets map[string]string // ticket → subject
}

// GrantType implements authserver.TokenGrant.
func (TicketGrant) GrantType() grantry.GrantType { return "urn:example:grant-type:ticket" }

// AuthMethods implements authserver.TokenGrant: confidential clients only.
func (TicketGrant) AuthMethods() []grantry.AuthMethod {
	return []grantry.AuthMethod{grantry.AuthClientSecretBasic}
}

// Token implements authserver.TokenGrant: it says what to issue, a
// short-lived access token for the ticket's owner and no refresh token;
// the server issues and stores it.
func (g TicketGrant) Token(_ context.Context, req *authserver.TokenRequest) (*authserver.Issue, error) {
	ticket := req.Get("ticket")
	if ticket == "" {
		return nil, grantry.InvalidRequest("missing ticket")
	}
	subject, ok := g.Tickets[ticket]
	if !ok {
		return nil, grantry.NewError(grantry.ErrInvalidGrant, "unknown ticket")
	}
	sc, err := req.RequestedScope()
	if err != nil {
		return nil, err
	}
	return &authserver.Issue{Subject: subject, Scope: sc, ExpiresIn: 10 * time.Minute}, nil
}

func Example_customGrant() {
	ctx := context.Background()
	store := memstore.New()
	err := store.CreateClient(ctx, &storage.Client{
		ID:         "helpdesk",
		SecretHash: secret.HashSecret("helpdesk-secret"),
		GrantTypes: []grantry.GrantType{"urn:example:grant-type:ticket"},
		Scope:      grantry.Scope{"tickets:read"},
	})
	if err != nil {
		panic(err)
	}
	srv, err := authserver.New(authserver.Config{Clients: store, Tokens: store})
	if err != nil {
		panic(err)
	}
	srv.RegisterGrant(TicketGrant{Tickets: map[string]string{"T-1001": "alice"}})

	for _, ticket := range []string{"T-1001", "T-9999"} {
		body := url.Values{
			"grant_type": {"urn:example:grant-type:ticket"},
			"ticket":     {ticket},
			"scope":      {"tickets:read"},
		}
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth(url.QueryEscape("helpdesk"), url.QueryEscape("helpdesk-secret")) // RFC 6749 §2.3.1
		w := httptest.NewRecorder()
		srv.ServeToken(w, r)

		var tok map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &tok)
		if w.Code != http.StatusOK {
			fmt.Println(w.Code, w.Body.String())
			continue
		}
		fmt.Println(w.Code, tok["token_type"], tok["expires_in"], tok["scope"], tok["refresh_token"])
	}
	// Output:
	// 200 Bearer 600 tickets:read <nil>
	// 400 {"error":"invalid_grant","error_description":"unknown ticket"}
}
