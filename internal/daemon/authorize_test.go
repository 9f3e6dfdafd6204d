package daemon

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// exchange redeems a code at the token endpoint as testClient.
func (h *harness) exchange(code string) response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testCallback},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testClient, h.secret)
	return do(h.t, http.DefaultClient, req)
}

func TestAuthorizeSignedOutGoesToLogin(t *testing.T) {
	h := newHarness(t)
	r := h.get(h.browser(), authorizePath())
	if r.status != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303", r.status)
	}
	loc := r.location(t)
	if loc.Path != "/login" || loc.Host != "" {
		t.Fatalf("Location = %q, want the same-origin path /login", loc)
	}
	ret, err := url.Parse(loc.Query().Get("return"))
	if err != nil || ret.Path != "/authorize" || ret.Query().Get("client_id") != testClient || ret.Query().Get("state") != "st4te" {
		t.Errorf("return = %q, want /authorize with the request's parameters", loc.Query().Get("return"))
	}
}

func TestConsentApproveIssuesCode(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	page := h.consentPage(c, authorizePath("scope", "profile email"))
	for _, want := range []string{"Web App", "<code>profile</code>", "<code>email</code>", "http://127.0.0.1:9", "alice"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if got := page.header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q, want frame-ancestors 'none'", got)
	}
	r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
	if r.status != http.StatusFound {
		t.Fatalf("approve: status %d, want 302; body:\n%s", r.status, r.body)
	}
	loc := r.location(t)
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testCallback {
		t.Fatalf("redirect to %q, want %q", got, testCallback)
	}
	q := loc.Query()
	if q.Get("state") != "st4te" || len(q.Get("code")) < 43 || q.Get("iss") != h.app.cfg.Issuer {
		t.Fatalf("redirect query = %v, want a code of 256 bits, state st4te and iss", q)
	}
	tok := h.exchange(q.Get("code"))
	if tok.status != http.StatusOK || jsonField(t, tok.body, "access_token") == "" || jsonField(t, tok.body, "scope") != "profile email" {
		t.Errorf("token response %d %s, want 200 with an access token for scope profile email", tok.status, tok.body)
	}
}

func jsonField(t *testing.T, body, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	s, _ := m[name].(string)
	return s
}

// consentAction returns the action of the consent form, unescaped.
func consentAction(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `action="/authorize?`)
	if i < 0 {
		t.Fatalf("no consent form in page:\n%s", body)
	}
	rest := body[i+len(`action="`):]
	return html.UnescapeString(rest[:strings.IndexByte(rest, '"')])
}

func TestConsentDenyRedirectsAccessDenied(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	page := h.consentPage(c, authorizePath())
	r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"deny"}})
	if r.status != http.StatusFound {
		t.Fatalf("deny: status %d, want 302", r.status)
	}
	q := r.location(t).Query()
	if q.Get("error") != "access_denied" || q.Get("state") != "st4te" || q.Get("code") != "" {
		t.Errorf("redirect query = %v, want error=access_denied&state=st4te and no code", q)
	}
}

func TestConsentPostRefusedWithoutValidCSRF(t *testing.T) {
	h := newHarness(t)
	other := h.browser()
	otherPage := h.consentPage(other, authorizePath())
	tests := []struct {
		name string
		form url.Values
	}{
		{"no token", url.Values{"decision": {"approve"}}},
		{"empty token", url.Values{"csrf": {""}, "decision": {"approve"}}},
		{"wrong token", url.Values{"csrf": {"AAAA"}, "decision": {"approve"}}},
		{"token of another session", url.Values{"csrf": {csrfOf(t, otherPage.body)}, "decision": {"approve"}}},
		{"deny without token", url.Values{"decision": {"deny"}}},
	}
	c := h.browser()
	page := h.consentPage(c, authorizePath())
	action := consentAction(t, page.body)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.post(c, action, tt.form)
			if r.status != http.StatusForbidden || r.header.Get("Location") != "" {
				t.Errorf("status %d, Location %q; want 403 and no redirect", r.status, r.header.Get("Location"))
			}
		})
	}
	if _, err := h.store.GetConsent(t.Context(), h.userID, testClient); err == nil {
		t.Error("a refused consent post was remembered")
	}
}

func TestRememberedConsentSkipsPage(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	page := h.consentPage(c, authorizePath("scope", "profile email"))
	if r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}}); r.status != http.StatusFound {
		t.Fatalf("approve: status %d, want 302", r.status)
	}
	tests := []struct {
		name      string
		scope     string
		wantAsked bool
	}{
		{"same scope", "profile email", false},
		{"narrower scope", "email", false},
		{"no scope", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.get(c, authorizePath("scope", tt.scope))
			asked := r.status == http.StatusOK
			if asked != tt.wantAsked {
				t.Fatalf("status %d: asked again = %v, want %v", r.status, asked, tt.wantAsked)
			}
			if !asked && r.location(t).Query().Get("code") == "" {
				t.Errorf("Location %q, want a code", r.header.Get("Location"))
			}
		})
	}
}

func TestRememberedConsentAsksForNewScope(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	page := h.consentPage(c, authorizePath("scope", "profile"))
	h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
	r := h.get(c, authorizePath("scope", "profile email"))
	if r.status != http.StatusOK || !strings.Contains(r.body, "<code>email</code>") {
		t.Fatalf("wider scope: status %d, want the consent page again", r.status)
	}
	h.post(c, consentAction(t, r.body), url.Values{"csrf": {csrfOf(t, r.body)}, "decision": {"approve"}})
	got, err := h.store.GetConsent(t.Context(), h.userID, testClient)
	if err != nil || got.Scope.String() != "profile email" {
		t.Errorf("remembered consent = %v, %v; want scope profile email", got, err)
	}
}

func TestAuthorizeInvalidRequestsAreNotRedirected(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, path, wantError string
	}{
		{"unknown client", "/authorize?response_type=code&client_id=nope&state=x", "invalid_client"},
		{"unregistered redirect", "/authorize?response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", "invalid_request"},
		{"no client_id", "/authorize?response_type=code", "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.get(h.browser(), tt.path)
			if r.status != http.StatusBadRequest || r.header.Get("Location") != "" {
				t.Fatalf("status %d, Location %q; want 400 without redirect", r.status, r.header.Get("Location"))
			}
			if got := jsonField(t, r.body, "error"); got != tt.wantError {
				t.Errorf("error = %q, want %q", got, tt.wantError)
			}
		})
	}
}

func TestAuthorizeErrorAfterClientIsTrustedRedirects(t *testing.T) {
	h := newHarness(t)
	r := h.get(h.browser(), authorizePath("scope", "admin"))
	if r.status != http.StatusFound {
		t.Fatalf("status %d, want 302", r.status)
	}
	if q := r.location(t).Query(); q.Get("error") != "invalid_scope" || q.Get("state") != "st4te" {
		t.Errorf("redirect query %v, want error=invalid_scope&state=st4te", q)
	}
}

func TestAuthorizeMethodNotAllowed(t *testing.T) {
	h := newHarness(t)
	req, _ := http.NewRequest(http.MethodPut, h.url(authorizePath()), nil)
	r := do(t, h.browser(), req)
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT: status %d, Allow %q; want 405 and GET, POST", r.status, r.header.Get("Allow"))
	}
}
