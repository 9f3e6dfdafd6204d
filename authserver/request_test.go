package authserver_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry/secret"
)

// tokenRequest builds a POST to the token endpoint with a form body.
func tokenRequest(form url.Values) *http.Request {
	return rawTokenRequest(form.Encode())
}

func rawTokenRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://as.test/token", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// basic sets client_secret_basic credentials, form-urlencoded first
// (RFC 6749 §2.3.1).
func basic(r *http.Request, id, secret string) *http.Request {
	raw := url.QueryEscape(id) + ":" + url.QueryEscape(secret)
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(raw)))
	return r
}

// asClient authenticates r as a registered client with its own secret.
func asClient(r *http.Request, id string) *http.Request { return basic(r, id, clientSecrets[id]) }

func (f *fixture) token(t *testing.T, r *http.Request) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	f.srv.ServeToken(w, r)
	return w.Result()
}

// exchange redeems a code of c1 with client_secret_basic.
func (f *fixture) exchange(t *testing.T, code string, extra ...string) *http.Response {
	t.Helper()
	form := withParams(url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {code},
		"redirect_uri": {cbURI},
	}, extra...)
	return f.token(t, asClient(tokenRequest(form), "c1"))
}

func readBody(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// jsonBody decodes a JSON object body.
func jsonBody(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	b := readBody(t, res)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", b, err)
	}
	return m
}

// tokenJSON is a successful token response.
type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// mustToken checks a 200 token response (RFC 6749 §5.1) and decodes it.
func mustToken(t *testing.T, res *http.Response) tokenJSON {
	t.Helper()
	b := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status: got %d, want 200; body %s", res.StatusCode, b)
	}
	checkJSONHeaders(t, res)
	var tr tokenJSON
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatalf("body %q: %v", b, err)
	}
	if tr.AccessToken == "" || tr.TokenType != "Bearer" || tr.ExpiresIn <= 0 {
		t.Fatalf("token response: got %s, want access_token, token_type Bearer and expires_in", b)
	}
	return tr
}

// checkJSONHeaders checks the headers of every token endpoint answer
// (RFC 6749 §5.1, §5.2).
func checkJSONHeaders(t *testing.T, res *http.Response) {
	t.Helper()
	mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		t.Errorf("Content-Type: got %q, want application/json", res.Header.Get("Content-Type"))
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
	if got := res.Header.Get("Pragma"); got != "no-cache" {
		t.Errorf("Pragma: got %q, want no-cache", got)
	}
}

// checkJSONError checks a JSON error response: status, error code, the
// no-store headers, and a WWW-Authenticate: Basic challenge exactly when
// the status is 401 (RFC 6749 §5.2).
func checkJSONError(t *testing.T, res *http.Response, status int, code string) map[string]any {
	t.Helper()
	body := jsonBody(t, res)
	if res.StatusCode != status {
		t.Errorf("status: got %d, want %d; body %v", res.StatusCode, status, body)
	}
	if body["error"] != code {
		t.Errorf("error: got %v, want %q", body["error"], code)
	}
	checkJSONHeaders(t, res)
	if loc := res.Header.Get("Location"); loc != "" {
		t.Errorf("Location: got %q, want none", loc)
	}
	challenge := res.Header.Get("WWW-Authenticate")
	switch {
	case status == http.StatusUnauthorized && !strings.HasPrefix(challenge, "Basic "):
		t.Errorf("WWW-Authenticate: got %q, want a Basic challenge", challenge)
	case status != http.StatusUnauthorized && challenge != "":
		t.Errorf("WWW-Authenticate: got %q, want none on %d", challenge, status)
	}
	return body
}

// activeToken reports whether the store holds the access token and it is
// usable now.
func (f *fixture) activeToken(t *testing.T, access string) bool {
	t.Helper()
	tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(access))
	if err != nil {
		t.Fatalf("TokenByAccess: %v", err)
	}
	return tok.Active(f.clock.Now())
}

// refreshForm is a refresh request.
func refreshForm(rt string, extra ...string) url.Values {
	return withParams(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, extra...)
}
