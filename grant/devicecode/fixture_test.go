package devicecode_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/grant/devicecode"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

const (
	verifyURI    = "https://as.example/device"
	issuer       = "https://as.example"
	tvSecret     = "tv-secret"
	deviceGrant  = string(grantry.GrantDeviceCode)
	clientTV     = "tv"     // confidential, with refresh_token
	clientCLI    = "cli"    // public
	clientOther  = "other"  // public, without the device grant
	clientSecond = "second" // public, with the device grant
)

// fixture is a server with the device grant over a memory store, on a
// clock the test moves.
type fixture struct {
	t     testing.TB
	srv   *authserver.Server
	grant *devicecode.Grant
	store *memstore.Store
	clock *authtest.Clock
	mux   *http.ServeMux
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	store := memstore.New()
	device := []grantry.GrantType{grantry.GrantDeviceCode}
	for _, c := range []*storage.Client{
		{ID: clientTV, SecretHash: secret.HashSecret(tvSecret), Name: "Living room TV",
			GrantTypes: []grantry.GrantType{grantry.GrantDeviceCode, grantry.GrantRefreshToken}, Scope: grantry.Scope{"profile", "email"}},
		{ID: clientCLI, AuthMethod: grantry.AuthNone, GrantTypes: device, Scope: grantry.Scope{"profile"}},
		{ID: clientOther, AuthMethod: grantry.AuthNone, GrantTypes: []grantry.GrantType{grantry.GrantAuthorizationCode}, Scope: grantry.Scope{"profile"}},
		{ID: clientSecond, AuthMethod: grantry.AuthNone, GrantTypes: device, Scope: grantry.Scope{"profile"}},
	} {
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	clock := authtest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	srv, err := authserver.New(authserver.Config{
		Issuer: issuer, Clients: store, Tokens: store, Now: clock.Now,
		Scopes:    grantry.Scope{"profile", "email", "admin"},
		Endpoints: authserver.EndpointURLs{Token: "/token"},
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := devicecode.New(store, devicecode.Config{VerificationURI: verifyURI, URL: "/device_authorization"})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterGrant(g)
	srv.RegisterGrant(refresh.New(store, refresh.Config{}))
	mux := http.NewServeMux()
	mux.Handle("/device_authorization", srv.Mount(g.AuthorizationEndpoint()))
	mux.HandleFunc("/token", srv.ServeToken)
	mux.Handle(srv.MetadataPath(), srv.MetadataHandler())
	return &fixture{t: t, srv: srv, grant: g, store: store, clock: clock, mux: mux}
}

// answer is a recorded response.
type answer struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (a answer) str(name string) string { s, _ := a.json[name].(string); return s }

// post sends a form as client: Basic for the confidential client, client_id
// in the form for the others, nothing for "".
func (f *fixture) post(path, client string, form url.Values) answer {
	f.t.Helper()
	form = cloneForm(form)
	if client != "" && client != clientTV {
		form.Set("client_id", client)
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if client == clientTV {
		r.SetBasicAuth(clientTV, tvSecret)
	}
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, r)
	a := answer{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
	_ = json.Unmarshal(a.body, &a.json)
	return a
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	return out
}

// start asks for codes as client with scope, failing unless answered 200.
func (f *fixture) start(client, scope string) *devicecode.Authorization {
	f.t.Helper()
	a := f.post("/device_authorization", client, url.Values{"scope": {scope}})
	var out devicecode.Authorization
	if a.status != http.StatusOK || json.Unmarshal(a.body, &out) != nil {
		f.t.Fatalf("device authorization: got %d %s, want 200", a.status, a.body)
	}
	return &out
}

// poll polls the token endpoint as client with a device code.
func (f *fixture) poll(client, deviceCode string) answer {
	f.t.Helper()
	return f.post("/token", client, url.Values{"grant_type": {deviceGrant}, "device_code": {deviceCode}})
}

// wantError checks an RFC 6749 §5.2 error answer.
func wantError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.str("error") != code {
		t.Errorf("got %d %s, want %d with error %q", a.status, a.body, status, code)
	}
	if a.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", a.header.Get("Cache-Control"))
	}
}

func (f *fixture) approve(userCode string, c *authserver.Consent) {
	f.t.Helper()
	if _, err := f.grant.Approve(f.t.Context(), userCode, c, f.clock.Now()); err != nil {
		f.t.Fatalf("Approve(%q): %v", userCode, err)
	}
}

// do serves r.
func (f *fixture) do(r *http.Request) answer {
	f.t.Helper()
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, r)
	a := answer{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
	_ = json.Unmarshal(a.body, &a.json)
	return a
}
