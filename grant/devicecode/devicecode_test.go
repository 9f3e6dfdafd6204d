package devicecode_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/devicecode"
	"github.com/grantry/grantry/secret"
)

var shownUserCode = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

// TestAuthorizationEndpoint checks the answers of the device
// authorization endpoint (RFC 8628 §3.1, §3.2).
func TestAuthorizationEndpoint(t *testing.T) {
	f := newFixture(t)
	t.Run("success", func(t *testing.T) {
		a := f.post("/device_authorization", clientCLI, url.Values{"scope": {"profile"}})
		if a.status != http.StatusOK {
			t.Fatalf("got %d %s, want 200", a.status, a.body)
		}
		for name, want := range map[string]string{
			"Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store", "Pragma": "no-cache",
		} {
			if got := a.header.Get(name); got != want {
				t.Errorf("%s: got %q, want %q", name, got, want)
			}
		}
		code := a.str("user_code")
		if !shownUserCode.MatchString(code) {
			t.Errorf("user_code: got %q, want XXXX-XXXX of the consonant alphabet", code)
		}
		if len(a.str("device_code")) != 43 {
			t.Errorf("device_code: got %q, want 256 bits base64url", a.str("device_code"))
		}
		complete := verifyURI + "?user_code=" + code
		if a.str("verification_uri") != verifyURI || a.str("verification_uri_complete") != complete {
			t.Errorf("verification URIs: got %q and %q, want %q and %q",
				a.str("verification_uri"), a.str("verification_uri_complete"), verifyURI, complete)
		}
		if a.json["expires_in"] != float64(600) || a.json["interval"] != float64(5) {
			t.Errorf("expires_in, interval: got %v, %v, want 600, 5", a.json["expires_in"], a.json["interval"])
		}
	})
	tests := []struct {
		name   string
		client string
		form   url.Values
		basic  [2]string
		status int
		code   string
	}{
		{name: "no client", status: http.StatusUnauthorized, code: "invalid_client"},
		{name: "unknown client", form: url.Values{"client_id": {"nobody"}}, status: http.StatusUnauthorized, code: "invalid_client"},
		{name: "wrong secret", basic: [2]string{clientTV, "wrong"}, status: http.StatusUnauthorized, code: "invalid_client"},
		{name: "client without the grant", client: clientOther, status: http.StatusBadRequest, code: "unauthorized_client"},
		{name: "scope beyond the client's", client: clientCLI, form: url.Values{"scope": {"profile email"}}, status: http.StatusBadRequest, code: "invalid_scope"},
		{name: "scope unknown to the server", client: clientTV, form: url.Values{"scope": {"delete"}}, status: http.StatusBadRequest, code: "invalid_scope"},
		{name: "malformed scope", client: clientCLI, form: url.Values{"scope": {"pro\"file"}}, status: http.StatusBadRequest, code: "invalid_scope"},
		{name: "repeated scope", client: clientCLI, form: url.Values{"scope": {"profile", "profile"}}, status: http.StatusBadRequest, code: "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := cloneForm(tc.form)
			if tc.client != "" && tc.client != clientTV {
				form.Set("client_id", tc.client)
			}
			r, _ := http.NewRequest(http.MethodPost, "/device_authorization", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			switch {
			case tc.basic[0] != "":
				r.SetBasicAuth(tc.basic[0], tc.basic[1])
			case tc.client == clientTV:
				r.SetBasicAuth(clientTV, tvSecret)
			}
			wantError(t, f.do(r), tc.status, tc.code)
		})
	}
	t.Run("GET", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodGet, "/device_authorization?client_id=cli", nil)
		a := f.do(r)
		if a.status != http.StatusMethodNotAllowed && a.status != http.StatusBadRequest {
			t.Errorf("got %d, want 405 or 400", a.status)
		}
		if a.str("error") != "invalid_request" {
			t.Errorf("error: got %q, want invalid_request", a.str("error"))
		}
	})
}

// TestPolling follows device codes through every answer of the token
// endpoint (RFC 8628 §3.4, §3.5).
func TestPolling(t *testing.T) {
	t.Run("approved", func(t *testing.T) {
		f := newFixture(t)
		da := f.start(clientTV, "profile email")
		wantError(t, f.poll(clientTV, da.DeviceCode), http.StatusBadRequest, "authorization_pending")
		f.clock.Advance(5 * time.Second)
		f.approve(strings.ToLower(strings.ReplaceAll(da.UserCode, "-", " ")), &authserver.Consent{
			Subject: "alice", Scope: grantry.Scope{"profile"}, SessionID: "sid-1", AMR: []string{"pwd"},
		})
		f.clock.Advance(time.Second)
		a := f.poll(clientTV, da.DeviceCode)
		if a.status != http.StatusOK || a.str("access_token") == "" || a.str("refresh_token") == "" || a.str("scope") != "profile" {
			t.Fatalf("poll after approval: got %d %s, want 200 with tokens of scope profile", a.status, a.body)
		}
		tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(a.str("access_token")))
		if err != nil {
			t.Fatal(err)
		}
		if tok.Subject != "alice" || tok.GrantType != grantry.GrantDeviceCode || tok.Extra[authserver.ExtraSessionID] != "sid-1" {
			t.Errorf("token: got subject %q grant %q extra %v, want alice, device_code and the session", tok.Subject, tok.GrantType, tok.Extra)
		}
		f.clock.Advance(5 * time.Second)
		wantError(t, f.poll(clientTV, da.DeviceCode), http.StatusBadRequest, "invalid_grant")
		ref := f.post("/token", clientTV, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {a.str("refresh_token")}})
		if ref.status != http.StatusOK {
			t.Errorf("refresh: got %d %s, want 200", ref.status, ref.body)
		}
	})
	t.Run("denied", func(t *testing.T) {
		f := newFixture(t)
		da := f.start(clientCLI, "profile")
		if err := f.grant.Deny(t.Context(), da.UserCode, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		wantError(t, f.poll(clientCLI, da.DeviceCode), http.StatusBadRequest, "access_denied")
		f.clock.Advance(10 * time.Minute)
		wantError(t, f.poll(clientCLI, da.DeviceCode), http.StatusBadRequest, "expired_token")
	})
	t.Run("expired", func(t *testing.T) {
		f := newFixture(t)
		da := f.start(clientCLI, "profile")
		f.clock.Advance(9 * time.Minute)
		f.approve(da.UserCode, &authserver.Consent{Subject: "alice"})
		f.clock.Advance(time.Minute)
		wantError(t, f.poll(clientCLI, da.DeviceCode), http.StatusBadRequest, "expired_token")
		if _, err := f.grant.Lookup(t.Context(), da.UserCode, f.clock.Now()); err != devicecode.ErrUserCode {
			t.Errorf("Lookup of an expired code: got %v, want ErrUserCode", err)
		}
	})
	t.Run("slow down", func(t *testing.T) {
		f := newFixture(t)
		da := f.start(clientCLI, "profile")
		steps := []struct {
			after time.Duration
			code  string
			desc  string
		}{
			{0, "authorization_pending", ""},
			{time.Second, "slow_down", "10 seconds"},
			{9 * time.Second, "slow_down", "15 seconds"},
			{15 * time.Second, "authorization_pending", ""},
			{15 * time.Second, "authorization_pending", ""},
			{14 * time.Second, "slow_down", "20 seconds"},
		}
		for i, st := range steps {
			f.clock.Advance(st.after)
			a := f.poll(clientCLI, da.DeviceCode)
			wantError(t, a, http.StatusBadRequest, st.code)
			if !strings.Contains(a.str("error_description"), st.desc) {
				t.Errorf("step %d: error_description %q, want it to name %q", i, a.str("error_description"), st.desc)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		f := newFixture(t)
		da := f.start(clientCLI, "profile")
		f.approve(da.UserCode, &authserver.Consent{Subject: "alice"})
		tests := []struct {
			name, client string
			form         url.Values
			status       int
			code         string
		}{
			{"missing device_code", clientCLI, url.Values{"grant_type": {deviceGrant}}, 400, "invalid_request"},
			{"unknown device_code", clientCLI, url.Values{"grant_type": {deviceGrant}, "device_code": {"nope"}}, 400, "invalid_grant"},
			{"another client's device_code", clientSecond, url.Values{"grant_type": {deviceGrant}, "device_code": {da.DeviceCode}}, 400, "invalid_grant"},
			{"client without the grant", clientOther, url.Values{"grant_type": {deviceGrant}, "device_code": {da.DeviceCode}}, 400, "unauthorized_client"},
			{"no client", "", url.Values{"grant_type": {deviceGrant}, "device_code": {da.DeviceCode}}, 401, "invalid_client"},
			{"repeated device_code", clientCLI, url.Values{"grant_type": {deviceGrant}, "device_code": {da.DeviceCode, da.DeviceCode}}, 400, "invalid_request"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, f.post("/token", tc.client, tc.form), tc.status, tc.code)
			})
		}
		if a := f.poll(clientCLI, da.DeviceCode); a.status != http.StatusOK {
			t.Errorf("the owner's poll after the others: got %d %s, want 200", a.status, a.body)
		}
	})
}

// TestVerification checks the steps of the verification page: codes in
// any case and with any dashes and spaces, decided once, within the
// requested scope.
func TestVerification(t *testing.T) {
	f := newFixture(t)
	da := f.start(clientTV, "profile email")
	ctx, now := t.Context(), f.clock.Now()
	plain := strings.ReplaceAll(da.UserCode, "-", "")
	for _, typed := range []string{da.UserCode, plain, strings.ToLower(plain), " " + plain[:2] + " - " + plain[2:] + " "} {
		d, err := f.grant.Lookup(ctx, typed, now)
		if err != nil || d.ClientID != clientTV || !d.Scope.Equal(grantry.Scope{"profile", "email"}) {
			t.Errorf("Lookup(%q): got %+v, %v; want the TV's request", typed, d, err)
		}
	}
	for _, typed := range []string{"", plain[:7], plain + "B", "AAAA-AAAA", "BCDF-GHJ1", "ḂCDF-GHJK"} {
		if _, err := f.grant.Lookup(ctx, typed, now); err != devicecode.ErrUserCode {
			t.Errorf("Lookup(%q): got %v, want ErrUserCode", typed, err)
		}
	}
	if _, err := f.grant.Approve(ctx, da.UserCode, &authserver.Consent{Subject: "alice", Scope: grantry.Scope{"admin"}}, now); err == nil || err == devicecode.ErrUserCode {
		t.Errorf("approving scope beyond the request: got %v, want an error", err)
	}
	d, err := f.grant.Approve(ctx, da.UserCode, &authserver.Consent{Subject: "alice"}, now)
	if err != nil || !d.GrantedScope.Equal(grantry.Scope{"profile", "email"}) {
		t.Fatalf("Approve with a nil scope: got %+v, %v; want all the requested scope", d, err)
	}
	if err := f.grant.Deny(ctx, da.UserCode, now); err != devicecode.ErrUserCode {
		t.Errorf("Deny after approval: got %v, want ErrUserCode", err)
	}
	t.Run("empty scope denies", func(t *testing.T) {
		da := f.start(clientTV, "profile")
		f.approve(da.UserCode, &authserver.Consent{Subject: "alice", Scope: grantry.Scope{}})
		wantError(t, f.poll(clientTV, da.DeviceCode), http.StatusBadRequest, "access_denied")
	})
}

func TestNewRefusesVerificationURI(t *testing.T) {
	tests := []struct {
		uri      string
		insecure bool
		ok       bool
	}{
		{"", false, false},
		{"/device", false, false},
		{"http://as.example/device", false, false},
		{"http://as.example/device", true, true},
		{"http://127.0.0.1:8080/device", false, true},
		{"http://localhost/device", false, true},
		{"https://as.example/device#x", false, false},
		{"https://user@as.example/device", false, false},
		{"ftp://as.example/device", false, false},
		{"https://as.example/device?lang=fr", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			_, err := devicecode.New(nil, devicecode.Config{VerificationURI: tc.uri, InsecureAllowHTTP: tc.insecure})
			if (err == nil) != tc.ok {
				t.Errorf("got %v, want ok %v", err, tc.ok)
			}
		})
	}
}
