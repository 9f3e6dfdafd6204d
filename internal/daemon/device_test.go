package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/grantry/grantry"
	grantryoauth2 "github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// Clients of the device tests.
const (
	deviceClient = "tv"  // public
	deviceSecret = "box" // confidential
)

// withDevice enables the device_code grant, named by its alias.
func withDevice(c *serveConfig) {
	c.Grants = newList(append(append([]string(nil), defaultGrants...), "device_code")...)
}

// newDeviceHarness is a harness with the device grant, a public client
// deviceClient and a confidential client deviceSecret, both with the
// device_code and refresh_token grants and the scope "openid profile
// email".
func newDeviceHarness(t *testing.T, opts ...func(*serveConfig)) *harness {
	t.Helper()
	h := newHarness(t, append([]func(*serveConfig){withDevice}, opts...)...)
	for _, c := range []*storage.Client{
		{ID: deviceClient, Name: "Living Room TV", AuthMethod: grantry.AuthNone},
		{ID: deviceSecret, Name: "Set-top Box", SecretHash: secret.HashSecret(deviceSecret + "-secret")},
	} {
		c.GrantTypes = []grantry.GrantType{grantry.GrantDeviceCode, grantry.GrantRefreshToken}
		c.Scope = grantry.MustParseScope("openid profile email")
		if err := h.store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// deviceCodes is the answer of the device authorization endpoint.
type deviceCodes struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval"`
}

// devicePost posts form as the public device client.
func (h *harness) devicePost(path string, form url.Values) response {
	h.t.Helper()
	form.Set("client_id", deviceClient)
	return h.post(http.DefaultClient, path, form)
}

// deviceStart asks for codes as the public device client.
func (h *harness) deviceStart(scope string) deviceCodes {
	h.t.Helper()
	r := h.devicePost(deviceAuthorizationPath, url.Values{"scope": {scope}})
	var dc deviceCodes
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &dc) != nil {
		h.t.Fatalf("device authorization: got %d %s, want 200", r.status, r.body)
	}
	return dc
}

// devicePoll polls the token endpoint as the public device client.
func (h *harness) devicePoll(deviceCode string) response {
	h.t.Helper()
	return h.devicePost("/token", url.Values{"grant_type": {string(grantry.GrantDeviceCode)}, "device_code": {deviceCode}})
}

// oauthError returns the error code of an error answer, failing unless it
// has the status.
func oauthError(t *testing.T, r response, status int) string {
	t.Helper()
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if r.status != status || json.Unmarshal([]byte(r.body), &e) != nil {
		t.Fatalf("got %d %s, want %d with an error", r.status, r.body, status)
	}
	return e.Error
}

var userCodeField = regexp.MustCompile(`name="user_code"[^>]*value="([^"]*)"`)

// deviceSignIn follows the verification URI c is sent to while signed out
// to the sign-in page, signs alice in, and returns the code entry page.
func (h *harness) deviceSignIn(c *http.Client, verificationURI string) response {
	h.t.Helper()
	r := h.get(c, verificationURI)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login?") {
		h.t.Fatalf("GET %s signed out: got %d to %q, want 303 to the sign-in page", verificationURI, r.status, r.header.Get("Location"))
	}
	login := h.get(c, r.header.Get("Location"))
	ret := r.location(h.t).Query().Get("return")
	r = h.post(c, "/login", url.Values{
		"csrf": {csrfOf(h.t, login.body)}, "username": {testUser}, "password": {testPassword}, "return": {ret},
	})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != ret {
		h.t.Fatalf("sign-in: got %d to %q, want 303 back to %q", r.status, r.header.Get("Location"), ret)
	}
	page := h.get(c, ret)
	if page.status != http.StatusOK {
		h.t.Fatalf("code entry page: got %d, want 200", page.status)
	}
	return page
}

// deviceDecide signs alice in with c through the verification URI, posts
// the code the form holds, checks the consent page and posts the
// decision; it returns the final page.
func (h *harness) deviceDecide(c *http.Client, dc deviceCodes, decision string) response {
	h.t.Helper()
	page := h.deviceSignIn(c, dc.VerificationURIComplete)
	m := userCodeField.FindStringSubmatch(page.body)
	if m == nil || m[1] != dc.UserCode {
		h.t.Fatalf("code entry page: got prefilled code %q, want %q", m, dc.UserCode)
	}
	consent := h.post(c, devicePath, url.Values{"csrf": {csrfOf(h.t, page.body)}, "user_code": {m[1]}})
	if consent.status != http.StatusOK || !strings.Contains(consent.body, "Living Room TV") || !strings.Contains(consent.body, dc.UserCode) {
		h.t.Fatalf("consent page: got %d, want 200 naming the client and the code:\n%s", consent.status, consent.body)
	}
	return h.post(c, devicePath, url.Values{"csrf": {csrfOf(h.t, consent.body)}, "user_code": {dc.UserCode}, "decision": {decision}})
}

// TestServeDeviceFlow runs the device flow end to end: the device asks
// for codes, a browser signs in, enters the code and approves, and the
// device's poll gets tokens, once.
func TestServeDeviceFlow(t *testing.T) {
	h := newDeviceHarness(t)
	dc := h.deviceStart("profile")
	if dc.VerificationURI != h.srv.URL+devicePath || dc.ExpiresIn != 600 || dc.Interval != 5 {
		t.Errorf("codes: got %+v, want the /device page, 600 s and 5 s", dc)
	}
	if got := oauthError(t, h.devicePoll(dc.DeviceCode), http.StatusBadRequest); got != "authorization_pending" {
		t.Errorf("poll before the decision: got %q, want authorization_pending", got)
	}
	done := h.deviceDecide(h.browser(), dc, "approve")
	if done.status != http.StatusOK || !strings.Contains(done.body, "Device connected") {
		t.Fatalf("after approval: got %d, want the done page:\n%s", done.status, done.body)
	}
	r := h.devicePoll(dc.DeviceCode)
	tok := map[string]any{}
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &tok) != nil || tok["scope"] != "profile" || tok["refresh_token"] == nil {
		t.Fatalf("poll after approval: got %d %s, want tokens of scope profile", r.status, r.body)
	}
	rec, err := h.store.TokenByAccess(t.Context(), secret.Digest(tok["access_token"].(string)))
	if err != nil || rec.Subject != h.userID || rec.GrantType != grantry.GrantDeviceCode {
		t.Errorf("token record: got %+v, %v; want alice's, of the device grant", rec, err)
	}
	if got := oauthError(t, h.devicePoll(dc.DeviceCode), http.StatusBadRequest); got != "invalid_grant" {
		t.Errorf("second poll: got %q, want invalid_grant", got)
	}
	t.Run("metadata", func(t *testing.T) {
		var m map[string]any
		_ = json.Unmarshal([]byte(h.get(http.DefaultClient, "/.well-known/oauth-authorization-server").body), &m)
		grants, _ := json.Marshal(m["grant_types_supported"])
		if m["device_authorization_endpoint"] != h.srv.URL+deviceAuthorizationPath || !strings.Contains(string(grants), string(grantry.GrantDeviceCode)) {
			t.Errorf("metadata: got endpoint %v and grants %s, want /device_authorization and the device grant", m["device_authorization_endpoint"], grants)
		}
	})
	t.Run("confidential client", func(t *testing.T) {
		r := h.postAs(deviceSecret, deviceSecret+"-secret", deviceAuthorizationPath, url.Values{"scope": {"email"}})
		if r.status != http.StatusOK {
			t.Fatalf("got %d %s, want 200", r.status, r.body)
		}
		r = h.postAs(deviceSecret, "wrong", deviceAuthorizationPath, url.Values{})
		if got := oauthError(t, r, http.StatusUnauthorized); got != "invalid_client" {
			t.Errorf("wrong secret: got %q, want invalid_client", got)
		}
	})
	t.Run("refused requests", func(t *testing.T) {
		if got := oauthError(t, h.devicePost(deviceAuthorizationPath, url.Values{"scope": {"admin"}}), http.StatusBadRequest); got != "invalid_scope" {
			t.Errorf("scope beyond the client's: got %q, want invalid_scope", got)
		}
		r := h.post(http.DefaultClient, deviceAuthorizationPath, url.Values{"client_id": {testClient}})
		if got := oauthError(t, r, http.StatusUnauthorized); got != "invalid_client" {
			t.Errorf("confidential client without its secret: got %q, want invalid_client", got)
		}
		r = h.postAs(testClient, h.secret, deviceAuthorizationPath, url.Values{})
		if got := oauthError(t, r, http.StatusBadRequest); got != "unauthorized_client" {
			t.Errorf("client without the grant: got %q, want unauthorized_client", got)
		}
	})
}

// TestServeDeviceOpenID: with scope openid the device gets an ID token
// for the user who approved it, with the time they signed in and the
// session, without a nonce; a refresh gets one too.
func TestServeDeviceOpenID(t *testing.T) {
	h := newDeviceHarness(t)
	dc := h.deviceStart("openid profile")
	if done := h.deviceDecide(h.browser(), dc, "approve"); done.status != http.StatusOK {
		t.Fatalf("approval: status %d", done.status)
	}
	r := h.devicePoll(dc.DeviceCode)
	var tok struct {
		IDToken      string `json:"id_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &tok) != nil || tok.IDToken == "" {
		t.Fatalf("poll after approval: %d %s, want tokens with an id_token", r.status, r.body)
	}
	claims := h.verifyID(tok.IDToken)
	if claims["sub"] != h.userID || claims["aud"] != deviceClient || claims["iss"] != h.app.cfg.Issuer {
		t.Errorf("ID token: sub %v, aud %v, iss %v; want %s, %s, the issuer", claims["sub"], claims["aud"], claims["iss"], h.userID, deviceClient)
	}
	if _, ok := claims["auth_time"].(float64); !ok {
		t.Errorf("ID token: no auth_time in %v", claims)
	}
	if _, ok := claims["sid"].(string); !ok {
		t.Errorf("ID token: no sid in %v", claims)
	}
	if _, ok := claims["nonce"]; ok {
		t.Errorf("ID token: a nonce, %v, where the request had none", claims["nonce"])
	}
	refreshed := h.post(http.DefaultClient, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {deviceClient}})
	if got := jsonField(t, refreshed.body, "id_token"); got == "" {
		t.Errorf("refresh: %d %s, want an id_token", refreshed.status, refreshed.body)
	} else if again := h.verifyID(got); again["auth_time"] != claims["auth_time"] {
		t.Errorf("refreshed ID token: auth_time %v, want the sign-in's %v", again["auth_time"], claims["auth_time"])
	}
}

// TestServeDeviceDenied checks that a denial answers the device
// access_denied.
func TestServeDeviceDenied(t *testing.T) {
	h := newDeviceHarness(t)
	dc := h.deviceStart("profile email")
	done := h.deviceDecide(h.browser(), dc, "deny")
	if done.status != http.StatusOK || !strings.Contains(done.body, "Access denied") {
		t.Fatalf("after denial: got %d, want the denied page:\n%s", done.status, done.body)
	}
	if got := oauthError(t, h.devicePoll(dc.DeviceCode), http.StatusBadRequest); got != "access_denied" {
		t.Errorf("poll: got %q, want access_denied", got)
	}
}

// TestServeDeviceSlowDown polls too fast: each early poll is slow_down
// and the interval of the code grows by five seconds.
func TestServeDeviceSlowDown(t *testing.T) {
	h := newDeviceHarness(t)
	dc := h.deviceStart("profile")
	want := []struct{ code, desc string }{
		{"authorization_pending", ""},
		{"slow_down", "10 seconds"},
		{"slow_down", "15 seconds"},
		{"slow_down", "20 seconds"},
	}
	for i, w := range want {
		r := h.devicePoll(dc.DeviceCode)
		if got := oauthError(t, r, http.StatusBadRequest); got != w.code || !strings.Contains(r.body, w.desc) {
			t.Errorf("poll %d: got %s, want %s naming %q", i, r.body, w.code, w.desc)
		}
	}
}

// TestServeDeviceExpired checks that an expired device code is
// expired_token, and that its user code is refused on the page.
func TestServeDeviceExpired(t *testing.T) {
	h := newDeviceHarness(t)
	client, err := h.store.GetClient(t.Context(), deviceClient)
	if err != nil {
		t.Fatal(err)
	}
	da, err := h.app.device.Start(t.Context(), client, grantry.Scope{"profile"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := oauthError(t, h.devicePoll(da.DeviceCode), http.StatusBadRequest); got != "expired_token" {
		t.Errorf("poll: got %q, want expired_token", got)
	}
	c := h.browser()
	page := h.deviceSignIn(c, devicePath)
	r := h.post(c, devicePath, url.Values{"csrf": {csrfOf(t, page.body)}, "user_code": {da.UserCode}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "not valid") {
		t.Errorf("entering the expired code: got %d, want 400 saying it is not valid", r.status)
	}
}

// frozenThrottle makes the user-code throttle of h count on a clock that
// does not move, so that no delay runs out during a test.
func (h *harness) frozenThrottle() {
	now := time.Now()
	h.app.deviceThrottle = newThrottleRules(func() time.Time { return now }, deviceThrottleRules)
}

// TestServeDeviceThrottle enters wrong codes: five are answered 400, the
// next ones 429 with Retry-After, even a right one.
func TestServeDeviceThrottle(t *testing.T) {
	h := newDeviceHarness(t)
	h.frozenThrottle()
	dc := h.deviceStart("profile")
	c := h.browser()
	page := h.deviceSignIn(c, devicePath)
	csrf := csrfOf(t, page.body)
	wrong := "BBBB-BBBB"
	if wrong == dc.UserCode {
		wrong = "CCCC-CCCC"
	}
	for i := range 5 {
		if r := h.post(c, devicePath, url.Values{"csrf": {csrf}, "user_code": {wrong}}); r.status != http.StatusBadRequest {
			t.Fatalf("wrong code %d: got %d, want 400", i+1, r.status)
		}
	}
	for _, code := range []string{wrong, dc.UserCode} {
		r := h.post(c, devicePath, url.Values{"csrf": {csrf}, "user_code": {code}})
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "Too many wrong codes") {
			t.Errorf("code %q after five wrong ones: got %d, Retry-After %q; want 429 with Retry-After", code, r.status, r.header.Get("Retry-After"))
		}
	}
	t.Run("malformed codes count", func(t *testing.T) {
		h := newDeviceHarness(t)
		h.frozenThrottle()
		c := h.browser()
		csrf := csrfOf(t, h.deviceSignIn(c, devicePath).body)
		for range 5 {
			h.post(c, devicePath, url.Values{"csrf": {csrf}, "user_code": {"not a code"}})
		}
		if r := h.post(c, devicePath, url.Values{"csrf": {csrf}, "user_code": {"x"}}); r.status != http.StatusTooManyRequests {
			t.Errorf("got %d, want 429", r.status)
		}
	})
}

// TestServeDevicePage checks the page's refusals and its languages.
func TestServeDevicePage(t *testing.T) {
	h := newDeviceHarness(t)
	dc := h.deviceStart("profile")
	c := h.browser()
	page := h.deviceSignIn(c, devicePath)
	tests := []struct {
		name   string
		form   url.Values
		status int
	}{
		{"no csrf", url.Values{"user_code": {dc.UserCode}}, http.StatusForbidden},
		{"wrong csrf", url.Values{"csrf": {"forged"}, "user_code": {dc.UserCode}, "decision": {"approve"}}, http.StatusForbidden},
		{"unknown decision", url.Values{"csrf": {csrfOf(t, page.body)}, "user_code": {dc.UserCode}, "decision": {"maybe"}}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r := h.post(c, devicePath, tc.form); r.status != tc.status {
				t.Errorf("got %d, want %d", r.status, tc.status)
			}
		})
	}
	if got := oauthError(t, h.devicePoll(dc.DeviceCode), http.StatusBadRequest); got != "authorization_pending" {
		t.Errorf("after refused posts: got %q, want authorization_pending", got)
	}
	t.Run("signed out post", func(t *testing.T) {
		r := h.post(h.browser(), devicePath, url.Values{"user_code": {dc.UserCode}, "decision": {"approve"}})
		want := "/login?" + url.Values{"return": {devicePath + "?user_code=" + dc.UserCode}}.Encode()
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("got %d to %q, want 303 to %q", r.status, r.header.Get("Location"), want)
		}
	})
	t.Run("method", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, h.url(devicePath), nil)
		if r := do(t, c, req); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") == "" {
			t.Errorf("PUT: got %d, Allow %q; want 405 with Allow", r.status, r.header.Get("Allow"))
		}
	})
	for lang, title := range map[string]string{"en": "Connect a device", "fr": "Connecter un appareil", "de": "Gerät verbinden"} {
		t.Run(lang, func(t *testing.T) {
			r := h.getWith(c, devicePath, lang)
			if !strings.Contains(r.body, title) || r.header.Get("Content-Security-Policy") == "" {
				t.Errorf("got a page without %q or without its CSP", title)
			}
		})
	}
}

// TestServeDeviceOff checks that the grant is off by default.
func TestServeDeviceOff(t *testing.T) {
	h := newHarness(t)
	if r := h.post(http.DefaultClient, deviceAuthorizationPath, url.Values{"client_id": {testClient}}); r.status != http.StatusNotFound {
		t.Errorf("POST %s: got %d, want 404", deviceAuthorizationPath, r.status)
	}
	if r := h.get(h.browser(), devicePath); r.status != http.StatusNotFound {
		t.Errorf("GET %s: got %d, want 404", devicePath, r.status)
	}
	if h.metadataHas("device_authorization_endpoint") {
		t.Error("the metadata lists device_authorization_endpoint")
	}
}

// TestServeDeviceXOAuth2 runs golang.org/x/oauth2's device flow, an
// independent client, against the server: approved, then denied.
func TestServeDeviceXOAuth2(t *testing.T) {
	h := newDeviceHarness(t, func(c *serveConfig) { c.DeviceInterval = time.Second })
	cfg := &oauth2.Config{
		ClientID: deviceClient,
		Endpoint: oauth2.Endpoint{
			DeviceAuthURL: h.srv.URL + deviceAuthorizationPath,
			TokenURL:      h.srv.URL + "/token",
			AuthStyle:     oauth2.AuthStyleInParams,
		},
		Scopes: []string{"profile", "email"},
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	run := func(decision string) (*oauth2.Token, error) {
		da, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatalf("DeviceAuth: %v", err)
		}
		dc := deviceCodes{DeviceCode: da.DeviceCode, UserCode: da.UserCode, VerificationURIComplete: da.VerificationURIComplete}
		h.deviceDecide(h.browser(), dc, decision)
		return cfg.DeviceAccessToken(ctx, da)
	}
	tok, err := run("approve")
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("approved: got %+v, %v; want tokens", tok, err)
	}
	_, err = run("deny")
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "access_denied" {
		t.Errorf("denied: got %v, want a RetrieveError access_denied", err)
	}
}

// TestServeDeviceFlags checks what the device flags accept.
func TestServeDeviceFlags(t *testing.T) {
	tests := []struct {
		name string
		set  func(*serveConfig)
		err  string
	}{
		{"defaults", func(*serveConfig) {}, ""},
		{"alias", withDevice, ""},
		{"full name", func(c *serveConfig) { c.Grants = newList(string(grantry.GrantDeviceCode)) }, ""},
		{"short lifetime", func(c *serveConfig) { c.DeviceLifetime = 30 * time.Second }, "--device-code-lifetime"},
		{"long lifetime", func(c *serveConfig) { c.DeviceLifetime = time.Hour }, "--device-code-lifetime"},
		{"zero interval", func(c *serveConfig) { c.DeviceInterval = 0 }, "--device-poll-interval"},
		{"fractional interval", func(c *serveConfig) { c.DeviceInterval = 1500 * time.Millisecond }, "--device-poll-interval"},
		{"long interval", func(c *serveConfig) { c.DeviceInterval = 2 * time.Minute }, "--device-poll-interval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, tc.set)
			err := cfg.check()
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("got %v, want an error naming %q", err, tc.err)
			}
		})
	}
}

// TestDeviceClientCreate creates the README's device client: public, no
// redirect URI, the device grant named by its alias and kept by its URN.
func TestDeviceClientCreate(t *testing.T) {
	a := newAdmin(t)
	a.mustRun("", "client", "create", "--id", "tv", "--public", "--grants", "device_code,refresh_token", "--scope", "profile")
	c, err := a.store.GetClient(t.Context(), "tv")
	if err != nil {
		t.Fatal(err)
	}
	want := []grantry.GrantType{grantry.GrantDeviceCode, grantry.GrantRefreshToken}
	if len(c.GrantTypes) != 2 || c.GrantTypes[0] != want[0] || c.GrantTypes[1] != want[1] || !c.Public() || len(c.ResponseTypes) != 0 {
		t.Errorf("client: got grants %v, public %v, response types %v; want %v, public, none", c.GrantTypes, c.Public(), c.ResponseTypes, want)
	}
}

// TestServeDeviceGrantryClient runs client/oauth2's device flow against
// the server.
func TestServeDeviceGrantryClient(t *testing.T) {
	h := newDeviceHarness(t, func(c *serveConfig) { c.DeviceInterval = time.Second })
	c, err := grantryoauth2.New(grantryoauth2.Config{
		ClientID: deviceClient, TokenEndpoint: h.srv.URL + "/token",
		DeviceAuthorizationEndpoint: h.srv.URL + deviceAuthorizationPath, Scopes: []string{"email"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	da, err := c.DeviceAuthorization(ctx)
	if err != nil || da.Interval != time.Second {
		t.Fatalf("DeviceAuthorization: got %+v, %v; want a 1 s interval", da, err)
	}
	h.deviceDecide(h.browser(), deviceCodes{DeviceCode: da.DeviceCode, UserCode: da.UserCode, VerificationURIComplete: da.VerificationURIComplete}, "approve")
	tok, err := c.PollDeviceToken(ctx, da)
	if err != nil || tok.AccessToken == "" || tok.Scope != "email" {
		t.Errorf("PollDeviceToken: got %+v, %v; want a token of scope email", tok, err)
	}
}

// TestServeDeviceDiscovery checks that both metadata documents name the
// device authorization endpoint.
func TestServeDeviceDiscovery(t *testing.T) {
	h := newDeviceHarness(t)
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		var m map[string]any
		if err := json.Unmarshal([]byte(h.get(http.DefaultClient, path).body), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if m["device_authorization_endpoint"] != h.srv.URL+deviceAuthorizationPath {
			t.Errorf("%s: device_authorization_endpoint %v, want %s", path, m["device_authorization_endpoint"], h.srv.URL+deviceAuthorizationPath)
		}
	}
}
