package tokenexchange_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/introspection"
	"github.com/grantry/grantry/grant/tokenexchange"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// A backend service, orders-svc, gets a token for the billing API that
// acts for the user whose token the frontend passed it: delegation, as
// the user's token allows by its may_act claim. The issued token names
// the service in its act claim.
func Example() {
	ctx := context.Background()
	clock := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	store := memstore.New()
	exchange := []grantry.GrantType{grantry.GrantTokenExchange, grantry.GrantClientCredentials}
	_ = store.CreateClient(ctx, &storage.Client{ID: "orders-svc", SecretHash: secret.HashSecret("svc-secret"),
		GrantTypes: exchange, Scope: grantry.MustParseScope("orders billing:read")})
	// The user's token, issued to the frontend, and the service's own.
	_ = store.CreateToken(ctx, &storage.Token{
		ID: "user-tok", ClientID: "web", Subject: "user-42", Scope: grantry.MustParseScope("orders billing:read"),
		AccessHash: secret.Digest("user-access-token"), IssuedAt: clock, ExpiresAt: clock.Add(time.Hour),
		Extra: map[string]string{storage.ExtraMayAct: `{"sub":"orders-svc"}`},
	})
	_ = store.CreateToken(ctx, &storage.Token{
		ID: "svc-tok", ClientID: "orders-svc", GrantType: grantry.GrantClientCredentials,
		AccessHash: secret.Digest("svc-access-token"), IssuedAt: clock, ExpiresAt: clock.Add(time.Hour),
	})
	srv, err := authserver.New(authserver.Config{
		Issuer: "https://as.example", Clients: store, Tokens: store, Now: func() time.Time { return clock },
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.RegisterGrant(tokenexchange.New(tokenexchange.Config{
		Validators: map[string]tokenexchange.Validator{
			tokenexchange.TypeAccessToken: tokenexchange.AccessTokens(store, "https://as.example"),
		},
		Rules: tokenexchange.Rules{
			Targets: []string{"https://billing.example"},
			Clients: map[string]tokenexchange.ClientRules{"orders-svc": {Subjects: []string{"web"}}},
		},
	}))
	as := httptest.NewServer(http.HandlerFunc(srv.ServeToken))
	defer as.Close()

	body := post(as.URL, url.Values{
		"grant_type":         {string(grantry.GrantTokenExchange)},
		"subject_token":      {"user-access-token"},
		"subject_token_type": {tokenexchange.TypeAccessToken},
		"actor_token":        {"svc-access-token"},
		"actor_token_type":   {tokenexchange.TypeAccessToken},
		"resource":           {"https://billing.example"},
		"scope":              {"billing:read"},
	})
	var resp struct {
		AccessToken     string `json:"access_token"`
		IssuedTokenType string `json:"issued_token_type"`
		Scope           string `json:"scope"`
	}
	_ = json.Unmarshal(body, &resp)
	fmt.Println(resp.IssuedTokenType, resp.Scope)

	// Introspection tells the billing API who acts for the user.
	in := introspection.New(store, introspection.Config{CheckPermission: introspection.AnyCaller})
	is := httptest.NewServer(srv.Mount(in))
	defer is.Close()
	fmt.Println(string(post(is.URL, url.Values{"token": {resp.AccessToken}})))
	// Output:
	// urn:ietf:params:oauth:token-type:access_token billing:read
	// {"active":true,"scope":"billing:read","client_id":"orders-svc","token_type":"Bearer","exp":1898834767,"iat":1898831167,"sub":"user-42","aud":"https://billing.example","jti":"JTI","act":{"iss":"https://as.example","sub":"orders-svc"}}
}

// post sends a form as orders-svc and returns the answer, with the
// random jti replaced by JTI.
func post(u string, form url.Values) []byte {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("orders-svc", "svc-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var m map[string]any
	if json.Unmarshal(body, &m) == nil && m["jti"] != nil {
		body = []byte(strings.Replace(string(body), m["jti"].(string), "JTI", 1))
	}
	return body
}
