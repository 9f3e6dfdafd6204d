package bearer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// issueToken runs an authorization server over store and obtains a client
// credentials token with the given scope for the client "reporting".
func issueToken(store *memstore.Store, scope string) string {
	ctx := context.Background()
	_ = store.CreateClient(ctx, &storage.Client{
		ID:         "reporting",
		SecretHash: secret.HashSecret("reporting-secret"),
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
		Scope:      grantry.MustParseScope("reports:read reports:write"),
	})
	srv, err := authserver.New(authserver.Config{Issuer: "https://as.example", Clients: store, Tokens: store})
	if err != nil {
		log.Fatal(err)
	}
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(url.Values{
		"grant_type": {"client_credentials"}, "scope": {scope},
	}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth("reporting", "reporting-secret")
	rec := httptest.NewRecorder()
	srv.ServeToken(rec, r)
	var resp struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	return resp.AccessToken
}

// Protecting an API: the resource server shares the authorization server's
// store, validates each bearer token there and checks its scope.
func Example() {
	store := memstore.New()
	token := issueToken(store, "reports:read")

	p := bearer.New(accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{}), bearer.Config{Realm: "reports"})
	mux := http.NewServeMux()
	mux.Handle("GET /reports", p.Require("reports:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := bearer.FromContext(r.Context())
		fmt.Fprintf(w, "reports for %s", info.ClientID)
	})))
	mux.Handle("POST /reports", p.Require("reports:write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})))
	api := httptest.NewServer(mux)
	defer api.Close()

	call := func(method, auth string) {
		req, _ := http.NewRequest(method, api.URL+"/reports", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Println(method, res.StatusCode)
		if c := res.Header.Get("WWW-Authenticate"); c != "" {
			fmt.Println("  WWW-Authenticate:", c)
		}
		if len(body) > 0 {
			fmt.Println(" ", string(body))
		}
	}
	call("GET", "")
	call("GET", "Bearer "+token)
	call("GET", "Bearer not-a-token")
	call("POST", "Bearer "+token)
	// Output:
	// GET 401
	//   WWW-Authenticate: Bearer realm="reports"
	// GET 200
	//   reports for reporting
	// GET 401
	//   WWW-Authenticate: Bearer realm="reports", error="invalid_token", error_description="the access token is invalid, expired or revoked"
	//   {"error":"invalid_token","error_description":"the access token is invalid, expired or revoked"}
	// POST 403
	//   WWW-Authenticate: Bearer realm="reports", error="insufficient_scope", error_description="the access token does not grant the required scope", scope="reports:write"
	//   {"error":"insufficient_scope","error_description":"the access token does not grant the required scope"}
}

// A handler that serves anonymous and authenticated callers alike decides
// for itself with Acquire.
func ExampleProtector_Acquire() {
	store := memstore.New()
	token := issueToken(store, "reports:read")
	p := bearer.New(accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{}), bearer.Config{})

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, err := p.Acquire(r, bearer.AnyOf("reports:read", "admin"))
		switch {
		case errors.Is(err, bearer.ErrNoToken):
			fmt.Fprintln(w, "public summary")
		case err != nil:
			p.WriteError(w, r, err)
		default:
			fmt.Fprintln(w, "full report for", info.ClientID)
		}
	})
	for _, auth := range []string{"", "Bearer " + token, "Bearer expired-or-unknown"} {
		r := httptest.NewRequest(http.MethodGet, "/summary", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, r)
		fmt.Print(rec.Code, " ", rec.Body.String())
		if rec.Code != http.StatusOK {
			fmt.Println()
		}
	}
	// Output:
	// 200 public summary
	// 200 full report for reporting
	// 401 {"error":"invalid_token","error_description":"the access token is invalid, expired or revoked"}
}

// A resource server with a revocation list of its own, such as the jti of
// tokens reported stolen, consults it in Config.Revoked, which applies
// whatever the validator.
func ExampleConfig_revoked() {
	store := memstore.New()
	token := issueToken(store, "reports:read")
	var stolen sync.Map // jti → struct{}
	p := bearer.New(accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{}), bearer.Config{
		Revoked: func(_ context.Context, info *grantry.TokenInfo) (bool, error) {
			_, ok := stolen.Load(info.JTI)
			return ok, nil
		},
	})
	r := httptest.NewRequest(http.MethodGet, "/reports", nil)
	r.Header.Set("Authorization", "Bearer "+token)

	info, err := p.Acquire(r, bearer.AllOf("reports:read"))
	fmt.Println("before:", info.ClientID, err)
	stolen.Store(info.JTI, struct{}{})
	_, err = p.Acquire(r, bearer.AllOf("reports:read"))
	fmt.Println("after:", err)
	// Output:
	// before: reporting <nil>
	// after: invalid_token: the access token is invalid, expired or revoked
}

// A resource server publishes its protected resource metadata (RFC 9728)
// and points clients to it from its 401 challenges.
func ExampleProtector_MetadataHandler() {
	const resource = "https://api.example/reports"
	mdURL, _ := bearer.MetadataURL(resource)
	p := bearer.New(unknownTokens{}, bearer.Config{Realm: "reports", Resource: resource, ResourceMetadata: mdURL})
	mux := http.NewServeMux()
	mux.Handle(bearer.WellKnownPath+"/reports", p.MetadataHandler(bearer.ResourceMetadata{
		AuthorizationServers: []string{"https://as.example"},
	}))
	mux.Handle("/reports", p.Require()(http.NotFoundHandler()))

	for _, path := range []string{"/reports", bearer.WellKnownPath + "/reports"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code == http.StatusOK {
			fmt.Print(rec.Code, "\n", rec.Body.String())
			continue
		}
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// 401 Bearer realm="reports", resource_metadata="https://api.example/.well-known/oauth-protected-resource/reports"
	// 200
	// {
	//   "resource": "https://api.example/reports",
	//   "authorization_servers": [
	//     "https://as.example"
	//   ],
	//   "bearer_methods_supported": [
	//     "header"
	//   ]
	// }
}

// unknownTokens is a validator that knows no token.
type unknownTokens struct{}

func (unknownTokens) ValidateToken(context.Context, string) (grantry.TokenInfo, error) {
	return grantry.TokenInfo{}, nil
}
