package authserver_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/grantry/grantry/authserver"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// formPostFields returns the action and the hidden fields of a form_post
// page (OAuth 2.0 Form Post Response Mode §2).
func formPostFields(t *testing.T, res *http.Response) (string, url.Values) {
	t.Helper()
	page := string(readBody(t, res))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status: got %d, want 200; body %s", res.StatusCode, page)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type: got %q, want text/html", ct)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
	if loc := res.Header.Get("Location"); loc != "" {
		t.Errorf("Location: got %q, want none", loc)
	}
	if !strings.Contains(page, `onload="document.forms[0].submit()"`) {
		t.Errorf("page does not submit itself: %s", page)
	}
	m := regexp.MustCompile(`<form method="post" action="([^"]*)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no POST form in %s", page)
	}
	fields := url.Values{}
	for _, in := range hiddenInput.FindAllStringSubmatch(page, -1) {
		fields.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), fields
}

func TestFormPostResponseMode(t *testing.T) {
	const evil = `"><script>alert(1)</script>&<b>`
	tests := []struct {
		name    string
		query   url.Values
		decide  decision
		wantErr string
	}{
		{name: "code", query: codeRequest("response_mode", "form_post", "state", evil), decide: approve},
		{name: "denied", query: codeRequest("response_mode", "form_post", "state", evil), decide: deny, wantErr: "access_denied"},
		{name: "invalid scope", query: codeRequest("response_mode", "form_post", "state", evil, "scope", "admin"), decide: approve, wantErr: "invalid_scope"},
		{name: "implicit token", query: withParams(url.Values{"response_type": {"token"}, "client_id": {"p1"}, "redirect_uri": {cbURI}, "scope": {"profile"}}, "response_mode", "form_post", "state", evil), decide: approve},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			res := f.authorize(t, tt.query.Encode(), tt.decide)
			b := readBody(t, res)
			if strings.Contains(string(b), "<script>") || strings.Contains(string(b), "<b>") {
				t.Errorf("page holds unescaped markup from state: %s", b)
			}
			action, fields := formPostFields(t, res)
			if action != cbURI {
				t.Errorf("action: got %q, want %q", action, cbURI)
			}
			if got := fields.Get("state"); got != evil {
				t.Errorf("state: got %q, want %q", got, evil)
			}
			if got := fields.Get("iss"); got != testIssuer {
				t.Errorf("iss: got %q, want %q", got, testIssuer)
			}
			if got := fields.Get("error"); got != tt.wantErr {
				t.Errorf("error: got %q, want %q", got, tt.wantErr)
			}
			if tt.wantErr == "" && fields.Get("code") == "" && fields.Get("access_token") == "" {
				t.Errorf("fields: got %v, want a code or an access token", fields)
			}
		})
	}
}

// The application's own handler may ask the server for the validated
// request, show it, and answer later: the request keeps what was
// validated.
func TestValidatedAuthorizationRequest(t *testing.T) {
	f := newFixture(t)
	r := httptest.NewRequest(http.MethodGet, "https://as.test/authorize?"+codeRequest("code_challenge", rfcChallenge, "code_challenge_method", "S256").Encode(), nil)
	req, err := f.srv.ValidateAuthorizationRequest(r)
	if err != nil {
		t.Fatalf("ValidateAuthorizationRequest: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"client", req.Client.ID, "c1"},
		{"response type", string(req.ResponseType), "code"},
		{"redirect uri", req.RedirectURI, cbURI},
		{"response mode", req.ResponseMode, authserver.ModeQuery},
		{"scope", req.Scope.String(), "profile email"},
		{"state", req.State, "st"},
		{"code challenge", req.CodeChallenge, rfcChallenge},
		{"code challenge method", req.CodeChallengeMethod, "S256"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if !req.RedirectURIGiven {
		t.Errorf("RedirectURIGiven: got false, want true")
	}
}
