package authserver_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// fzBasic returns a client_secret_basic header value (RFC 6749 §2.3.1).
func fzBasic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func FuzzParseBasicAuth(f *testing.F) {
	f.Add("s6BhdRkqt3", "gX1fBat3bV", "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
	f.Add("a-b:c", "s&c:r+t ü", "basic YSUyRGIlM0FjOnM=")
	f.Add("", "secret", "Basic OnNlY3JldA==")
	f.Add("id", "", "BASIC aWQ6")
	f.Add("%zz", "+", "Basic JXp6Og==")
	f.Add("x", "y", "Basic   eDp5  ")
	f.Add("x", "y", "Bearer eDp5")
	f.Add("\xff", "\x00", "Basic")
	f.Fuzz(func(t *testing.T, id, secret, header string) {
		for _, scheme := range []string{"Basic ", "basic ", "BASIC "} {
			h := scheme + strings.TrimPrefix(fzBasic(id, secret), "Basic ")
			gotID, gotSecret, ok := authserver.ParseBasicAuth(h)
			if id == "" {
				if ok {
					t.Fatalf("ParseBasicAuth(%q) = %q, %q, true; want false for an empty client ID", h, gotID, gotSecret)
				}
				continue
			}
			if !ok || gotID != id || gotSecret != secret {
				t.Fatalf("ParseBasicAuth(%q) = %q, %q, %v; want %q, %q, true", h, gotID, gotSecret, ok, id, secret)
			}
		}

		gotID, gotSecret, ok := authserver.ParseBasicAuth(header)
		if !ok {
			return
		}
		if gotID == "" {
			t.Fatalf("ParseBasicAuth(%q) accepted an empty client ID", header)
		}
		if len(header) < 6 || !strings.EqualFold(header[:6], "basic ") {
			t.Fatalf("ParseBasicAuth(%q) accepted a header of another scheme", header)
		}
		again := fzBasic(gotID, gotSecret)
		id2, secret2, ok2 := authserver.ParseBasicAuth(again)
		if !ok2 || id2 != gotID || secret2 != gotSecret {
			t.Fatalf("re-encoding %q, %q as %q parsed to %q, %q, %v", gotID, gotSecret, again, id2, secret2, ok2)
		}
	})
}

// The values a fuzzed token request may use to get further than client
// authentication: codes, a verifier and refresh tokens stored by fzSeed.
const (
	fzVerifier       = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	fzCodeWeb        = "fuzz-code-web"
	fzCodeNative     = "fuzz-code-native"
	fzCodeExpired    = "fuzz-code-expired"
	fzRefreshWeb     = "fuzz-refresh-web"
	fzRefreshNative  = "fuzz-refresh-native"
	fzRefreshRevoked = "fuzz-refresh-revoked"
)

// fzSeed stores the codes and tokens the fuzz seeds name.
func fzSeed(tb testing.TB, g *harness) {
	tb.Helper()
	ctx := context.Background()
	challenge := pkce.Challenge(pkce.MethodS256, fzVerifier)
	codes := []*storage.AuthorizationCode{
		{Hash: secret.Digest(fzCodeWeb), FamilyID: "fam-code-web", ClientID: "web", RedirectURI: "https://client.test/cb",
			Scope: grantry.Scope{"profile"}, Subject: "alice", CodeChallenge: challenge, CodeChallengeMethod: pkce.MethodS256,
			CreatedAt: harnessStart, ExpiresAt: harnessStart.Add(5 * time.Minute)},
		{Hash: secret.Digest(fzCodeNative), FamilyID: "fam-code-native", ClientID: "native",
			Scope: grantry.Scope{"profile", "email"}, Subject: "alice", CodeChallenge: challenge, CodeChallengeMethod: pkce.MethodS256,
			CreatedAt: harnessStart, ExpiresAt: harnessStart.Add(5 * time.Minute)},
		{Hash: secret.Digest(fzCodeExpired), FamilyID: "fam-code-expired", ClientID: "webpost",
			Scope: grantry.Scope{"email"}, Subject: "alice",
			CreatedAt: harnessStart.Add(-time.Hour), ExpiresAt: harnessStart.Add(-50 * time.Minute)},
	}
	for _, c := range codes {
		if err := g.Store().CreateAuthorizationCode(ctx, c); err != nil {
			tb.Fatal(err)
		}
	}
	tokens := []*storage.Token{
		{ID: "tok-web", FamilyID: "fam-web", ClientID: "web", Subject: "alice", GrantType: grantry.GrantAuthorizationCode,
			Scope: grantry.Scope{"profile", "email"}, AccessHash: secret.Digest("fuzz-access-web"), RefreshHash: secret.Digest(fzRefreshWeb),
			IssuedAt: harnessStart, ExpiresAt: harnessStart.Add(time.Hour), RefreshExpiresAt: harnessStart.Add(24 * time.Hour)},
		{ID: "tok-native", FamilyID: "fam-native", ClientID: "native", Subject: "alice", GrantType: grantry.GrantAuthorizationCode,
			Scope: grantry.Scope{"profile"}, AccessHash: secret.Digest("fuzz-access-native"), RefreshHash: secret.Digest(fzRefreshNative),
			IssuedAt: harnessStart, ExpiresAt: harnessStart.Add(time.Hour)},
		{ID: "tok-revoked", FamilyID: "fam-revoked", ClientID: "webpost", Subject: "alice", GrantType: grantry.GrantPassword,
			Scope: grantry.Scope{"email"}, AccessHash: secret.Digest("fuzz-access-revoked"), RefreshHash: secret.Digest(fzRefreshRevoked),
			IssuedAt: harnessStart, ExpiresAt: harnessStart.Add(time.Hour), Revoked: true},
	}
	for _, tok := range tokens {
		if err := g.Store().CreateToken(ctx, tok); err != nil {
			tb.Fatal(err)
		}
	}
}

// fzRequest builds a request without the checks of httptest.NewRequest,
// so that any method and body reach the handler.
func fzRequest(method, path, rawQuery, contentType, authorization, body string) *http.Request {
	r := &http.Request{
		Method:     method,
		URL:        &url.URL{Path: path, RawQuery: rawQuery},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header),
		Body:       io.NopCloser(strings.NewReader(body)),
		Host:       "as.test",
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}

// fzTokenErrors are the error codes the token endpoint may answer with.
var fzTokenErrors = []grantry.ErrorCode{
	grantry.ErrInvalidRequest, grantry.ErrInvalidClient, grantry.ErrInvalidGrant,
	grantry.ErrUnauthorizedClient, grantry.ErrUnsupportedGrantType, grantry.ErrInvalidScope,
}

// fzErrorDescription matches error_description (RFC 6749 §5.2).
var fzErrorDescription = regexp.MustCompile(`^[\x20-\x21\x23-\x5B\x5D-\x7E]+$`)

func FuzzTokenEndpoint(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	v := url.Values.Encode
	seeds := []struct{ method, contentType, authorization, body string }{
		{"POST", form, fzBasic("svc", "svc-secret"), "grant_type=client_credentials&scope=api%3Aread"},
		{"POST", form, fzBasic("svc", "svc-secret"), "grant_type=client_credentials&scope=admin"},
		{"POST", form, fzBasic("odd id:é", "s+e c&r=t%"), "grant_type=client_credentials"},
		{"POST", form, "", "grant_type=client_credentials&client_id=webpost&client_secret=webpost-secret"},
		{"POST", form, fzBasic("web", "web-secret"), v(url.Values{"grant_type": {"authorization_code"}, "code": {fzCodeWeb},
			"redirect_uri": {"https://client.test/cb"}, "code_verifier": {fzVerifier}})},
		{"POST", form, "", v(url.Values{"grant_type": {"authorization_code"}, "code": {fzCodeNative},
			"client_id": {"native"}, "code_verifier": {fzVerifier}})},
		{"POST", form, "", v(url.Values{"grant_type": {"authorization_code"}, "code": {fzCodeExpired},
			"client_id": {"webpost"}, "client_secret": {"webpost-secret"}})},
		{"POST", form, fzBasic("web", "web-secret"), "grant_type=refresh_token&refresh_token=" + fzRefreshWeb + "&scope=email"},
		{"POST", form, "", "grant_type=refresh_token&client_id=native&refresh_token=" + fzRefreshNative},
		{"POST", form, "", "grant_type=refresh_token&client_id=webpost&client_secret=webpost-secret&refresh_token=" + fzRefreshRevoked},
		{"POST", form, fzBasic("web", "web-secret"), "grant_type=password&username=alice&password=wonderland&scope=profile"},
		{"POST", form, fzBasic("web", "web-secret"), "grant_type=password&username=alice&password=wrong"},
		{"POST", form, fzBasic("web", "wrong"), "grant_type=password&username=alice&password=wonderland"},
		{"POST", form + "; charset=UTF-8", "Basic !!!", "grant_type=client_credentials"},
		{"POST", form, fzBasic("svc", "svc-secret"), "grant_type=client_credentials&client_id=svc&client_secret=svc-secret"},
		{"POST", form, "", "grant_type=client_credentials&grant_type=client_credentials"},
		{"POST", form, fzBasic("svc", "svc-secret"), "grant_type=client_credentials&resource=https%3A%2F%2Fa.test%2F&resource=urn%3Ax%3Ay"},
		{"POST", form, fzBasic("svc", "svc-secret"), "grant_type=client_credentials&resource=%2Frel&resource=https%3A%2F%2Fa.test%2F%23f&resource=%00"},
		{"POST", form, "", "grant_type=foo"},
		{"POST", form, "", "a=%zz;b"},
		{"POST", "application/json", "", `{"grant_type":"client_credentials"}`},
		{"GET", "", "", ""},
		{"PATCH", form, "Bearer x", "grant_type=client_credentials"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.contentType, s.authorization, s.body)
	}
	f.Fuzz(func(t *testing.T, method, contentType, authorization, body string) {
		g := newHarness(t, false)
		fzSeed(t, g)
		rec := httptest.NewRecorder()
		g.as.ServeToken(rec, fzRequest(method, "/token", "", contentType, authorization, body))
		res := rec.Result()

		if got := res.Header.Get("Content-Type"); got != "application/json;charset=UTF-8" {
			t.Fatalf("Content-Type = %q, want application/json;charset=UTF-8", got)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Fatalf("Cache-Control = %q, want no-store", got)
		}
		raw := rec.Body.Bytes()
		if !utf8.Valid(raw) {
			t.Fatalf("body is not UTF-8: %q", raw)
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("body %q is not a JSON object: %v", raw, err)
		}
		if res.StatusCode == http.StatusOK {
			fzCheckIssued(t, g, body, doc)
			return
		}
		fzCheckTokenError(t, res, doc)
	})
}

// fzCheckIssued checks a successful token response against the store.
func fzCheckIssued(t *testing.T, g *harness, body string, doc map[string]any) {
	t.Helper()
	access, _ := doc["access_token"].(string)
	if access == "" || doc["token_type"] != "Bearer" {
		t.Fatalf("200 response %v lacks access_token or token_type Bearer", doc)
	}
	if n, ok := doc["expires_in"].(float64); !ok || n <= 0 {
		t.Fatalf("expires_in = %v, want a positive number", doc["expires_in"])
	}
	tok, err := g.Store().TokenByAccess(context.Background(), secret.Digest(access))
	if err != nil {
		t.Fatalf("issued access token not in the store: %v", err)
	}
	params, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("a token was issued for the unparsable body %q", body)
	}
	if gt := params.Get("grant_type"); string(tok.GrantType) != gt {
		t.Fatalf("stored grant type %q, request asked for %q", tok.GrantType, gt)
	}
	client := harnessClient(tok.ClientID)
	if client == nil || !client.Scope.Contains(tok.Scope) {
		t.Fatalf("token of client %q has scope %q beyond the client's", tok.ClientID, tok.Scope)
	}
	if sc, ok := doc["scope"].(string); ok && sc != tok.Scope.String() {
		t.Fatalf("response scope %q, stored scope %q", sc, tok.Scope)
	}
	_, hasRefresh := doc["refresh_token"]
	if tok.GrantType == grantry.GrantClientCredentials && hasRefresh {
		t.Fatalf("client_credentials issued a refresh token (RFC 6749 §4.4.3)")
	}
}

// fzCheckTokenError checks an error response of the token endpoint.
func fzCheckTokenError(t *testing.T, res *http.Response, doc map[string]any) {
	t.Helper()
	name, _ := doc["error"].(string)
	code := grantry.ErrorCode(name)
	if !slices.Contains(fzTokenErrors, code) {
		t.Fatalf("status %d with error %q, want one of %q", res.StatusCode, code, fzTokenErrors)
	}
	if d, ok := doc["error_description"].(string); ok && !fzErrorDescription.MatchString(d) {
		t.Fatalf("error_description %q holds characters RFC 6749 §5.2 forbids", d)
	}
	if _, ok := doc["access_token"]; ok {
		t.Fatalf("error response carries an access_token: %v", doc)
	}
	switch res.StatusCode {
	case http.StatusBadRequest:
	case http.StatusUnauthorized:
		if code != grantry.ErrInvalidClient || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Fatalf("401 with error %q and WWW-Authenticate %q", code, res.Header.Get("WWW-Authenticate"))
		}
	case http.StatusMethodNotAllowed:
		if res.Header.Get("Allow") != http.MethodPost {
			t.Fatalf("405 with Allow %q, want POST", res.Header.Get("Allow"))
		}
	case http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		if code != grantry.ErrInvalidRequest {
			t.Fatalf("status %d with error %q, want invalid_request", res.StatusCode, code)
		}
	default:
		t.Fatalf("status %d (error %q) for a client's request", res.StatusCode, code)
	}
}

// fzFormAction finds the target of a form_post response.
var fzFormAction = regexp.MustCompile(`<form method="post" action="([^"]*)">`)

func FuzzAuthorize(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	challenge := pkce.Challenge(pkce.MethodS256, fzVerifier)
	seeds := []struct {
		method, query, contentType, body string
		approve                          bool
	}{
		{"GET", "response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fclient.test%2Fcb&scope=profile&state=xyz", "", "", true},
		{"GET", "response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fclient.test%2Fcb%3Ftenant%3D1&state=s", "", "", false},
		{"GET", "response_type=code&client_id=web&state=s", "", "", true},
		{"GET", "response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fevil.test%2Fcb&state=s", "", "", true},
		{"GET", "response_type=code&client_id=native&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcb&code_challenge=" + challenge + "&code_challenge_method=S256", "", "", true},
		{"GET", "response_type=code&client_id=native&redirect_uri=com.example.app%3A%2Fcb&code_challenge=short", "", "", true},
		{"GET", "response_type=token&client_id=native&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&scope=email&state=abc", "", "", true},
		{"GET", "response_type=token&client_id=native&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_mode=query", "", "", true},
		{"GET", "response_type=code&client_id=webpost&response_mode=form_post&state=%3Cb%3E", "", "", true},
		{"GET", "response_type=code&client_id=webpost&response_mode=form_post", "", "", false},
		{"GET", "response_type=foo&client_id=webpost&state=s", "", "", true},
		{"GET", "response_type=code&client_id=webpost&scope=admin", "", "", true},
		{"GET", "response_type=code&response_type=code&client_id=webpost", "", "", true},
		{"GET", "client_id=nobody&state=x", "", "", true},
		{"GET", "state=x", "", "", true},
		{"GET", "a=%zz;b", "", "", true},
		{"POST", "client_id=webpost", form, "response_type=code&state=p", true},
		{"POST", "client_id=webpost", form, "client_id=webpost&response_type=code", true},
		{"POST", "", "text/plain", "response_type=code&client_id=webpost", true},
		{"PUT", "response_type=code&client_id=webpost", "", "", true},
	}
	for _, s := range seeds {
		f.Add(s.method, s.query, s.contentType, s.body, s.approve)
	}
	f.Fuzz(func(t *testing.T, method, query, contentType, body string, approve bool) {
		g := newHarness(t, false)
		rec := httptest.NewRecorder()
		r := fzRequest(method, "/authorize", query, contentType, "", body)
		req, err := g.as.ValidateAuthorizationRequest(r)
		if err != nil {
			g.as.WriteError(rec, r, err)
		} else {
			var c *authserver.Consent
			if approve {
				c = &authserver.Consent{Subject: "alice"}
			}
			g.as.Authorize(rec, r, req, c)
		}
		res := rec.Result()
		clientID := fzParam(query, body, "client_id")
		switch res.StatusCode {
		case http.StatusFound:
			fzCheckRedirectTarget(t, clientID, res.Header.Get("Location"), false)
		case http.StatusOK:
			m := fzFormAction.FindSubmatch(rec.Body.Bytes())
			if m == nil || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("200 that is not a form_post page: %q", rec.Body.Bytes())
			}
			fzCheckRedirectTarget(t, clientID, html.UnescapeString(string(m[1])), true)
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			fzCheckAuthorizeError(t, res, rec.Body.Bytes())
		default:
			t.Fatalf("status %d for a client's request; body %q", res.StatusCode, rec.Body.Bytes())
		}
	})
}

// fzParam returns the one value of a parameter from the query and body,
// as a successful authorization request holds it.
func fzParam(query, body, name string) string {
	q, _ := url.ParseQuery(query)
	b, _ := url.ParseQuery(body)
	if v := q.Get(name); v != "" {
		return v
	}
	return b.Get(name)
}

// fzResponseParams are the parameters an authorization response may add
// to the redirect URI.
var fzResponseParams = []string{
	"code", "state", "iss", "error", "error_description", "error_uri",
	"access_token", "token_type", "expires_in", "scope",
}

// fzCheckRedirectTarget checks that a redirect goes to a URI the named
// client registered, followed by nothing but response parameters: the URI
// exactly, or for "http://127.0.0.1/cb" any port (RFC 8252 §7.3). A
// form_post target is checked with an empty parameter list.
func fzCheckRedirectTarget(t *testing.T, clientID, location string, formPost bool) {
	t.Helper()
	c := harnessClient(clientID)
	if c == nil {
		t.Fatalf("redirect to %q for unknown client %q", location, clientID)
	}
	for _, uri := range c.RedirectURIs {
		if formPost && location == uri {
			return
		}
		rest, ok := strings.CutPrefix(location, uri)
		if !formPost && ok && rest != "" && fzSeparatorOK(uri, rest[0]) && fzOnlyResponseParams(rest[1:]) {
			return
		}
	}
	base, rest := location, ""
	if i := strings.IndexAny(location, "?#"); i >= 0 {
		base, rest = location[:i], location[i+1:]
	}
	u, err := url.Parse(base)
	loopback := err == nil && u.Scheme == "http" && u.Hostname() == "127.0.0.1" && u.User == nil &&
		u.Path == "/cb" && u.RawQuery == "" && slices.Contains(c.RedirectURIs, "http://127.0.0.1/cb")
	if loopback && (formPost || (base != location && fzOnlyResponseParams(rest))) {
		return
	}
	t.Fatalf("redirect to %q, which client %q did not register (%q)", location, clientID, c.RedirectURIs)
}

// fzSeparatorOK reports whether sep may follow uri in a redirect: '#'
// starts a fragment response, '?' or '&' a query response depending on
// whether uri has a query already.
func fzSeparatorOK(uri string, sep byte) bool {
	switch sep {
	case '#':
		return true
	case '?':
		return !strings.Contains(uri, "?")
	case '&':
		return strings.Contains(uri, "?")
	}
	return false
}

// fzOnlyResponseParams reports whether an encoded query holds nothing but
// response parameters.
func fzOnlyResponseParams(query string) bool {
	v, err := url.ParseQuery(query)
	if err != nil || len(v) == 0 {
		return false
	}
	for k := range v {
		if !slices.Contains(fzResponseParams, k) {
			return false
		}
	}
	return true
}

// fzCheckAuthorizeError checks an error answered in the body: JSON with an
// error code, never a redirect.
func fzCheckAuthorizeError(t *testing.T, res *http.Response, raw []byte) {
	t.Helper()
	if loc := res.Header.Get("Location"); loc != "" {
		t.Fatalf("status %d with Location %q", res.StatusCode, loc)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control = %q, want no-store", got)
	}
	if !utf8.Valid(raw) {
		t.Fatalf("error body is not UTF-8 (RFC 8259 §8.1): %q", raw)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("error body %q is not JSON: %v", raw, err)
	}
	name, _ := doc["error"].(string)
	code := grantry.ErrorCode(name)
	if code != grantry.ErrInvalidRequest && code != grantry.ErrInvalidClient {
		t.Fatalf("body error %q, want invalid_request or invalid_client", code)
	}
}
