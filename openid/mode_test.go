package openid_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// respond makes an authorization request and returns the response
// parameters and where they were: "query", "fragment" or "form_post".
func respond(t *testing.T, p *rp, params map[string]string) (url.Values, string) {
	t.Helper()
	c := *p.srv.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Get(p.authURL(params))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		got := url.Values{}
		for _, m := range hiddenInput.FindAllStringSubmatch(string(body), -1) {
			got.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
		return got, "form_post"
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("authorization: status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if loc.Fragment != "" {
		got, _ := url.ParseQuery(loc.Fragment)
		return got, "fragment"
	}
	return loc.Query(), "query"
}

// TestResponseModes checks response_mode for every flow: fragment and
// form_post always, query only for a response without a token (Multiple
// Response Type Encoding Practices §2.1, §3; Form Post Response Mode §2).
func TestResponseModes(t *testing.T) {
	p := newRP(t, authtest.Config{})
	for _, rt := range []string{"code", "id_token", "id_token token", "code id_token", "code token", "code id_token token"} {
		for _, mode := range []string{"", "query", "fragment", "form_post"} {
			t.Run(rt+"/"+mode, func(t *testing.T) {
				got, where := respond(t, p, map[string]string{"response_type": rt, "scope": "openid", "nonce": "n", "response_mode": mode})
				wantWhere, wantErr := mode, ""
				switch {
				case mode == "" && rt == "code":
					wantWhere = "query"
				case mode == "" || (mode == "query" && rt != "code"):
					wantWhere = "fragment"
				}
				if mode == "query" && rt != "code" {
					wantErr = "invalid_request"
				}
				if where != wantWhere || got.Get("error") != wantErr {
					t.Errorf("got %s with error %q, want %s with error %q (%v)", where, got.Get("error"), wantWhere, wantErr, got)
				}
				if got.Get("state") != "xyz" {
					t.Errorf("state: got %q, want xyz", got.Get("state"))
				}
			})
		}
	}
}

// TestAuthenticationClaims checks that how the user authenticated, as the
// application's consent says, reaches the ID tokens of every flow.
func TestAuthenticationClaims(t *testing.T) {
	authTime := authtest.DefaultTime.Add(-5 * time.Minute)
	decide := func(*authserver.AuthorizationRequest) *authserver.Consent {
		return &authserver.Consent{AuthTime: authTime, SessionID: "sess-1", ACR: "urn:grantry:acr:password", AMR: []string{"pwd", "otp"}}
	}
	p := newRP(t, authtest.Config{Decision: decide})
	for _, rt := range []string{"code", "id_token", "code id_token"} {
		t.Run(rt, func(t *testing.T) {
			got := p.authorize(map[string]string{"response_type": rt, "scope": "openid", "nonce": "n"})
			id := got.Get("id_token")
			if rt == "code" {
				id = str(p.exchange(got.Get("code"))["id_token"])
			}
			claims, _ := p.verify(id)
			if claims["sid"] != "sess-1" || claims["acr"] != "urn:grantry:acr:password" || num(claims["auth_time"]) != authTime.Unix() {
				t.Errorf("got sid %v acr %v auth_time %v, want sess-1, the acr and %d", claims["sid"], claims["acr"], claims["auth_time"], authTime.Unix())
			}
			amr, _ := claims["amr"].([]any)
			if len(amr) != 2 || amr[0] != "pwd" || amr[1] != "otp" {
				t.Errorf("amr: got %v, want [pwd otp]", claims["amr"])
			}
		})
	}
}
