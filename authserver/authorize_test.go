package authserver_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry/authserver"
)

// q encodes name/value pairs as a query string, keeping their order and
// allowing repeats.
func rawQuery(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(pairs[i]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(pairs[i+1]))
	}
	return b.String()
}

// c1q is a code request of c1 with further pairs.
func c1q(pairs ...string) string {
	return rawQuery(append([]string{"client_id", "c1", "redirect_uri", cbURI}, pairs...)...)
}

// p1q is a request of the public client p1 with further pairs.
func p1q(pairs ...string) string {
	return rawQuery(append([]string{"client_id", "p1", "redirect_uri", cbURI}, pairs...)...)
}

func TestAuthorizationEndpoint(t *testing.T) {
	f := newFixture(t)
	s256 := []string{"code_challenge", rfcChallenge, "code_challenge_method", "S256"}
	tests := []struct {
		name   string
		query  string
		decide decision
		// A JSON answer: status and error code.
		status  int
		jsonErr string
		// A redirect: where to, in which mode, and the error or the
		// parameters of a success.
		to    string
		mode  string
		err   string
		want  []string // parameters a success carries
		state string   // expected state; in a redirect "" means absent
	}{
		// ACCEPTANCE 1–11.
		{name: "A1 no client_id", query: rawQuery("response_type", "code", "redirect_uri", cbURI, "state", "x"),
			status: 400, jsonErr: "invalid_request", state: "x"},
		{name: "A2 unknown client_id echoes state", query: rawQuery("response_type", "code", "client_id", "nope", "state", "x"),
			status: 400, jsonErr: "invalid_client", state: "x"},
		{name: "A2 unknown client_id with a redirect_uri", query: rawQuery("response_type", "code", "client_id", "nope", "redirect_uri", cbURI, "state", "x"),
			status: 400, jsonErr: "invalid_client", state: "x"},
		{name: "A3 unregistered redirect_uri", query: rawQuery("response_type", "code", "client_id", "c1", "redirect_uri", "https://evil.test/cb", "state", "s"),
			status: 400, jsonErr: "invalid_request"},
		{name: "A3 redirect_uri differing only in case", query: rawQuery("response_type", "code", "client_id", "c1", "redirect_uri", "https://CLIENT.test/cb"),
			status: 400, jsonErr: "invalid_request"},
		{name: "A3 redirect_uri with an extra path segment", query: rawQuery("response_type", "code", "client_id", "c1", "redirect_uri", cbURI+"/x"),
			status: 400, jsonErr: "invalid_request"},
		{name: "A3 redirect_uri omitted by a client with several", query: rawQuery("response_type", "code", "client_id", "multi", "state", "s"),
			status: 400, jsonErr: "invalid_request"},
		{name: "A4 response_type twice", query: c1q("response_type", "code", "response_type", "code", "state", "s"),
			status: 400, jsonErr: "invalid_request"},
		{name: "A5 client not allowed response_type=code", query: rawQuery("response_type", "code", "client_id", "cc1", "redirect_uri", "https://cc.test/cb", "state", "s5"),
			to: "https://cc.test/cb", mode: "query", err: "unauthorized_client", state: "s5"},
		{name: "A6 unknown response_type", query: c1q("response_type", "foo", "state", "s"),
			to: cbURI, mode: "query", err: "unsupported_response_type", state: "s"},
		{name: "A7 scope unknown to the server", query: c1q("response_type", "code", "scope", "admin", "state", "foo"),
			to: cbURI, mode: "query", err: "invalid_scope", state: "foo"},
		{name: "A7 scope beyond the client's", query: c1q("response_type", "code", "scope", "profile read", "state", "foo"),
			to: cbURI, mode: "query", err: "invalid_scope", state: "foo"},
		{name: "A8 user denies", query: c1q("response_type", "code", "scope", "profile", "state", "xyz"), decide: deny,
			to: cbURI, mode: "query", err: "access_denied", state: "xyz"},
		{name: "A8 user denies implicit: fragment", query: p1q("response_type", "token", "state", "xyz"), decide: deny,
			to: cbURI, mode: "fragment", err: "access_denied", state: "xyz"},
		{name: "A9 user approves", query: c1q("response_type", "code", "scope", "profile email", "state", "bar"),
			to: cbURI, mode: "query", want: []string{"code"}, state: "bar"},
		{name: "A10 implicit approve", query: p1q("response_type", "token", "scope", "profile email", "state", "s10"),
			to: cbURI, mode: "fragment", want: []string{"access_token", "token_type", "expires_in", "scope"}, state: "s10"},
		{name: "A11 plain method without a challenge", query: c1q("response_type", "code", "code_challenge_method", "plain", "state", "s"),
			to: cbURI, mode: "query", err: "invalid_request", state: "s"},
		{name: "A11 challenge of 42 characters", query: c1q("response_type", "code", "code_challenge", rfcChallenge[:42], "code_challenge_method", "S256", "state", "s"),
			to: cbURI, mode: "query", err: "invalid_request", state: "s"},
		{name: "A11 challenge of 129 characters", query: c1q("response_type", "code", "code_challenge", strings.Repeat("a", 129), "state", "s"),
			to: cbURI, mode: "query", err: "invalid_request", state: "s"},
		{name: "A11 challenge with a character outside the ABNF", query: c1q("response_type", "code", "code_challenge", rfcChallenge[:42]+"+", "code_challenge_method", "S256", "state", "s"),
			to: cbURI, mode: "query", err: "invalid_request", state: "s"},
		{name: "A11 unknown challenge method", query: c1q("response_type", "code", "code_challenge", rfcChallenge, "code_challenge_method", "S512", "state", "s"),
			to: cbURI, mode: "query", err: "invalid_request", state: "s"},
		{name: "A11 public client without a challenge", query: p1q("response_type", "code", "state", "s"),
			to: cbURI, mode: "query", err: "invalid_request", state: "s"},
		{name: "A11 public client with a challenge", query: p1q(append([]string{"response_type", "code", "state", "s"}, s256...)...),
			to: cbURI, mode: "query", want: []string{"code"}, state: "s"},

		// Beyond ACCEPTANCE.md: RFC 6749 §3.1, §3.1.2, §3.3, RFC 8252 §7.3,
		// OAuth 2.0 Multiple Response Type Encoding Practices.
		{name: "missing response_type", query: c1q("state", "s"),
			to: cbURI, mode: "query", err: "invalid_request", state: "s"},
		{name: "empty response_type counts as missing", query: c1q("response_type", "", "state", "s"),
			to: cbURI, mode: "query", err: "invalid_request", state: "s"},
		{name: "response_mode=query with a token", query: p1q("response_type", "token", "response_mode", "query", "state", "s"),
			to: cbURI, mode: "fragment", err: "invalid_request", state: "s"},
		{name: "unknown response_mode", query: c1q("response_type", "code", "response_mode", "web_message", "state", "s"),
			to: cbURI, mode: "query", err: "invalid_request", state: "s"},
		{name: "response_mode=fragment for a code", query: c1q("response_type", "code", "response_mode", "fragment", "state", "s"),
			to: cbURI, mode: "fragment", want: []string{"code"}, state: "s"},
		{name: "redirect_uri with a fragment", query: rawQuery("response_type", "code", "client_id", "c1", "redirect_uri", cbURI+"#frag", "state", "s"),
			status: 400, jsonErr: "invalid_request"},
		{name: "redirect_uri with an empty fragment", query: rawQuery("response_type", "code", "client_id", "c1", "redirect_uri", cbURI+"#", "state", "s"),
			status: 400, jsonErr: "invalid_request"},
		{name: "registered http redirect_uri on a non-loopback host", query: rawQuery("response_type", "code", "client_id", "http1", "redirect_uri", "http://client.test/cb", "state", "s"),
			status: 400, jsonErr: "invalid_request"},
		{name: "default http redirect_uri on a non-loopback host", query: rawQuery("response_type", "code", "client_id", "http1", "state", "s"),
			status: 400, jsonErr: "invalid_request"},
		{name: "loopback redirect_uri as registered", query: rawQuery(append([]string{"response_type", "code", "client_id", "loop1", "redirect_uri", "http://127.0.0.1/cb"}, s256...)...),
			to: "http://127.0.0.1/cb", mode: "query", want: []string{"code"}},
		{name: "loopback redirect_uri on any port", query: rawQuery(append([]string{"response_type", "code", "client_id", "loop1", "redirect_uri", "http://127.0.0.1:51004/cb"}, s256...)...),
			to: "http://127.0.0.1:51004/cb", mode: "query", want: []string{"code"}},
		{name: "loopback redirect_uri with another path", query: rawQuery(append([]string{"response_type", "code", "client_id", "loop1", "redirect_uri", "http://127.0.0.1:51004/other"}, s256...)...),
			status: 400, jsonErr: "invalid_request"},
		{name: "loopback port flexibility is for IP literals only", query: rawQuery(append([]string{"response_type", "code", "client_id", "loop1", "redirect_uri", "http://localhost:51004/cb"}, s256...)...),
			status: 400, jsonErr: "invalid_request"},
		{name: "loopback redirect_uri over another scheme", query: rawQuery(append([]string{"response_type", "code", "client_id", "loop1", "redirect_uri", "https://127.0.0.1:51004/cb"}, s256...)...),
			status: 400, jsonErr: "invalid_request"},
		{name: "localhost redirect_uri as registered, over http", query: rawQuery(append([]string{"response_type", "code", "client_id", "lh1", "redirect_uri", "http://localhost/cb"}, s256...)...),
			to: "http://localhost/cb", mode: "query", want: []string{"code"}},
		{name: "localhost redirect_uri omitted by a client with one", query: rawQuery(append([]string{"response_type", "code", "client_id", "lh1"}, s256...)...),
			to: "http://localhost/cb", mode: "query", want: []string{"code"}},
		{name: "localhost redirect_uri on another port", query: rawQuery(append([]string{"response_type", "code", "client_id", "lh1", "redirect_uri", "http://localhost:51004/cb"}, s256...)...),
			status: 400, jsonErr: "invalid_request"},
		{name: "registered javascript: redirect_uri", query: rawQuery("response_type", "code", "client_id", "js1", "redirect_uri", unsafeRedirects["js1"], "state", "s"),
			status: 400, jsonErr: "invalid_request", state: "s"},
		{name: "registered javascript: redirect_uri with form_post", query: rawQuery("response_type", "code", "client_id", "js1", "redirect_uri", unsafeRedirects["js1"], "response_mode", "form_post"),
			status: 400, jsonErr: "invalid_request"},
		{name: "registered JavaScript:// redirect_uri used by default", query: rawQuery("response_type", "code", "client_id", "js2", "state", "s"),
			status: 400, jsonErr: "invalid_request", state: "s"},
		{name: "registered JavaScript:// redirect_uri with form_post", query: rawQuery("response_type", "code", "client_id", "js2", "redirect_uri", unsafeRedirects["js2"], "response_mode", "form_post"),
			status: 400, jsonErr: "invalid_request"},
		{name: "registered data: redirect_uri", query: rawQuery("response_type", "code", "client_id", "data1", "redirect_uri", unsafeRedirects["data1"]),
			status: 400, jsonErr: "invalid_request"},
		{name: "registered data: redirect_uri with form_post", query: rawQuery("response_type", "code", "client_id", "data1", "response_mode", "form_post"),
			status: 400, jsonErr: "invalid_request"},
		{name: "registered redirect_uri with a fragment", query: rawQuery("response_type", "code", "client_id", "frag1", "redirect_uri", unsafeRedirects["frag1"], "state", "s"),
			status: 400, jsonErr: "invalid_request", state: "s"},
		{name: "registered redirect_uri with a fragment used by default", query: rawQuery("response_type", "code", "client_id", "frag1", "response_mode", "form_post"),
			status: 400, jsonErr: "invalid_request"},
		{name: "registered redirect_uri with an empty fragment", query: rawQuery("response_type", "code", "client_id", "frag2", "redirect_uri", unsafeRedirects["frag2"], "state", "s"),
			status: 400, jsonErr: "invalid_request", state: "s"},
		{name: "registered redirect_uri with user information", query: rawQuery("response_type", "code", "client_id", "user1", "redirect_uri", unsafeRedirects["user1"], "state", "s"),
			status: 400, jsonErr: "invalid_request", state: "s"},
		{name: "scope the client may hold but the server does not know", query: rawQuery("response_type", "code", "client_id", "wide1", "redirect_uri", "https://wide.test/cb", "scope", "admin", "state", "s"),
			to: "https://wide.test/cb", mode: "query", err: "invalid_scope", state: "s"},
		{name: "scope the client may hold and the server knows", query: rawQuery("response_type", "code", "client_id", "wide1", "redirect_uri", "https://wide.test/cb", "scope", "profile", "state", "s"),
			to: "https://wide.test/cb", mode: "query", want: []string{"code"}, state: "s"},
		{name: "malformed scope", query: c1q("response_type", "code", "scope", `profile "email"`, "state", "s"),
			to: cbURI, mode: "query", err: "invalid_scope", state: "s"},
		{name: "scope with a backslash", query: c1q("response_type", "code", "scope", `pro\file`, "state", "s"),
			to: cbURI, mode: "query", err: "invalid_scope", state: "s"},
		{name: "no state: none echoed", query: c1q("response_type", "code", "scope", "profile"),
			to: cbURI, mode: "query", want: []string{"code"}},
		{name: "no state: none echoed in an error", query: c1q("response_type", "foo"),
			to: cbURI, mode: "query", err: "unsupported_response_type"},
		{name: "state with reserved characters round-trips", query: c1q("response_type", "code", "state", "a b&c=d#e/é"),
			to: cbURI, mode: "query", want: []string{"code"}, state: "a b&c=d#e/é"},
		{name: "redirect_uri omitted by a client with one", query: rawQuery("response_type", "code", "client_id", "c1", "state", "s"),
			to: cbURI, mode: "query", want: []string{"code"}, state: "s"},
		{name: "registered redirect_uri with a query keeps it", query: rawQuery("response_type", "code", "client_id", "q1", "redirect_uri", "https://query.test/cb?tenant=7", "state", "s"),
			to: "https://query.test/cb", mode: "query", want: []string{"code", "tenant"}, state: "s"},
		{name: "unregistered response type carrying a token: fragment", query: c1q("response_type", "code token", "state", "s"),
			to: cbURI, mode: "fragment", err: "unsupported_response_type", state: "s"},
		{name: "client not allowed response_type=token: fragment", query: c1q("response_type", "token", "state", "s"),
			to: cbURI, mode: "fragment", err: "unauthorized_client", state: "s"},
		{name: "client_id twice", query: c1q("response_type", "code", "client_id", "p1"),
			status: 400, jsonErr: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decide := tt.decide
			if decide == nil {
				decide = approve
			}
			res := f.authorize(t, tt.query, decide)
			if tt.jsonErr != "" {
				body := checkJSONError(t, res, tt.status, tt.jsonErr)
				if tt.state != "" && body["state"] != tt.state {
					t.Errorf("state: got %v, want %q", body["state"], tt.state)
				}
				return
			}
			rd := parseRedirect(t, res)
			if rd.base != tt.to {
				t.Errorf("redirect to: got %q, want %q", rd.base, tt.to)
			}
			if rd.mode != tt.mode {
				t.Errorf("response in: got %s, want %s", rd.mode, tt.mode)
			}
			if got := rd.params.Get("error"); got != tt.err {
				t.Errorf("error: got %q, want %q (params %v)", got, tt.err, rd.params)
			}
			if got, ok := rd.params["state"]; tt.state == "" && ok {
				t.Errorf("state: got %q, want none", got)
			} else if got := rd.params.Get("state"); got != tt.state {
				t.Errorf("state: got %q, want %q", got, tt.state)
			}
			if got := rd.params.Get("iss"); got != testIssuer {
				t.Errorf("iss: got %q, want %q (RFC 9207)", got, testIssuer)
			}
			for _, p := range tt.want {
				if rd.params.Get(p) == "" {
					t.Errorf("parameter %s: missing from %v", p, rd.params)
				}
			}
			if tt.err == "" && rd.params.Has("error") {
				t.Errorf("error: got %q in a success", rd.params.Get("error"))
			}
			if tt.err != "" && (rd.params.Has("code") || rd.params.Has("access_token")) {
				t.Errorf("an error redirect carries a credential: %v", rd.params)
			}
		})
	}
}

// ACCEPTANCE 10: the implicit response carries exactly the RFC 6749 §4.2.2
// parameters, never a refresh token, in the fragment.
func TestImplicitResponse(t *testing.T) {
	f := newFixture(t)
	res := f.authorize(t, p1q("response_type", "token", "scope", "profile email", "state", "s10"), approve)
	rd := parseRedirect(t, res)
	want := map[string]string{
		"token_type": "Bearer",
		"expires_in": "3600",
		"scope":      "profile email",
		"state":      "s10",
		"iss":        testIssuer,
	}
	for k, v := range want {
		if got := rd.params.Get(k); got != v {
			t.Errorf("%s: got %q, want %q", k, got, v)
		}
	}
	if rd.params.Has("refresh_token") {
		t.Errorf("refresh_token: got %q, want none (RFC 6749 §4.2.2)", rd.params.Get("refresh_token"))
	}
	if len(rd.params) != len(want)+1 {
		t.Errorf("parameters: got %v, want %d", rd.params, len(want)+1)
	}
	if rd.mode != authserver.ModeFragment {
		t.Errorf("response in: got %s, want fragment", rd.mode)
	}
	if !f.activeToken(t, rd.params.Get("access_token")) {
		t.Errorf("the issued access token is not active in the store")
	}
}

// ACCEPTANCE 9: a code carries at least 128 bits; Grantry's carry 256,
// after the ID of its family and a dot (secret.TokenWithID), which are
// not counted.
func TestAuthorizationCodeEntropy(t *testing.T) {
	f := newFixture(t)
	seen := make(map[string]bool)
	for range 64 {
		code := f.obtainCode(t, codeRequest())
		id, random, ok := strings.Cut(code, ".")
		if !ok || len(id) != 22 {
			t.Fatalf("code %q: want an ID of 22 characters, a dot and the random part", code)
		}
		raw, err := base64.RawURLEncoding.DecodeString(random)
		if err != nil {
			t.Fatalf("code %q: random part is not base64url: %v", code, err)
		}
		if len(random) < 43 || len(raw) < 16 {
			t.Fatalf("code %q: got %d characters (%d bits), want ≥ 43 characters and ≥ 128 bits", code, len(code), 8*len(raw))
		}
		if seen[code] {
			t.Fatalf("code %q issued twice", code)
		}
		seen[code] = true
	}
}

func TestConsentScope(t *testing.T) {
	tests := []struct {
		name      string
		requested string
		decide    decision
		wantScope string // of the token exchanged for the code
		wantErr   string // of the authorization response
	}{
		{name: "consent grants all", requested: "profile email", decide: approve, wantScope: "profile email"},
		{name: "consent narrows the scope", requested: "profile email", decide: approveScope("profile"), wantScope: "profile"},
		{name: "consent widening the scope is a server error", requested: "profile", decide: approveScope("profile", "email"), wantErr: "server_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rd := parseRedirect(t, f.authorize(t, codeRequest("scope", tt.requested).Encode(), tt.decide))
			if got := rd.params.Get("error"); got != tt.wantErr {
				t.Fatalf("error: got %q, want %q", got, tt.wantErr)
			}
			if tt.wantErr != "" {
				if rd.params.Has("code") {
					t.Errorf("code: got %q, want none", rd.params.Get("code"))
				}
				return
			}
			tok := mustToken(t, f.exchange(t, rd.params.Get("code")))
			if tok.Scope != tt.wantScope {
				t.Errorf("scope: got %q, want %q", tok.Scope, tt.wantScope)
			}
		})
	}
}

// RFC 9207: iss goes with every authorization response when the issuer is
// configured, and not otherwise.
func TestIssuerParameter(t *testing.T) {
	tests := []struct {
		name    string
		issuer  string
		decide  decision
		wantIss string
	}{
		{name: "success with issuer", issuer: testIssuer, decide: approve, wantIss: testIssuer},
		{name: "error with issuer", issuer: testIssuer, decide: deny, wantIss: testIssuer},
		{name: "success without issuer", decide: approve},
		{name: "error without issuer", decide: deny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(s *fixtureSetup) { s.Config.Issuer = tt.issuer })
			rd := parseRedirect(t, f.authorize(t, codeRequest().Encode(), tt.decide))
			got, ok := rd.params["iss"]
			if tt.wantIss == "" && ok {
				t.Errorf("iss: got %q, want none", got)
			}
			if tt.wantIss != "" && rd.params.Get("iss") != tt.wantIss {
				t.Errorf("iss: got %q, want %q", rd.params.Get("iss"), tt.wantIss)
			}
		})
	}
}

// RFC 6749 §3.1: the authorization endpoint may take POST; its parameters
// are then the query and the form body together, each at most once.
func TestAuthorizationPOST(t *testing.T) {
	body := codeRequest().Encode()
	tests := []struct {
		name        string
		query       string
		body        string
		contentType string
		parseFirst  bool // the application called r.ParseForm before
		wantStatus  int
		wantErr     string // JSON error
	}{
		{name: "all in the body", body: body, wantStatus: 302},
		{name: "split between query and body", query: rawQuery("client_id", "c1", "redirect_uri", cbURI), body: rawQuery("response_type", "code", "scope", "profile", "state", "st"), wantStatus: 302},
		{name: "all in the query, empty body", query: body, wantStatus: 302},
		{name: "body parsed by the application first", body: body, parseFirst: true, wantStatus: 302},
		{name: "parameter repeated across query and body", query: rawQuery("client_id", "c1"), body: body, wantStatus: 400, wantErr: "invalid_request"},
		{name: "state repeated across query and body", query: rawQuery("state", "other"), body: body, wantStatus: 400, wantErr: "invalid_request"},
		{name: "parameter repeated in the body", body: body + "&scope=email", wantStatus: 400, wantErr: "invalid_request"},
		{name: "parameter repeated in a body the application parsed", body: body + "&scope=email", parseFirst: true, wantStatus: 400, wantErr: "invalid_request"},
		{name: "body that is not a form", body: `{"client_id":"c1"}`, contentType: "application/json", wantStatus: 415, wantErr: "invalid_request"},
		{name: "body over the size limit", body: body + "&pad=" + strings.Repeat("x", 64<<10), wantStatus: 413, wantErr: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			target := "https://as.test/authorize"
			if tt.query != "" {
				target += "?" + tt.query
			}
			r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(tt.body))
			ct := tt.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			r.Header.Set("Content-Type", ct)
			if tt.parseFirst {
				if err := r.ParseForm(); err != nil {
					t.Fatalf("ParseForm: %v", err)
				}
			}
			w := httptest.NewRecorder()
			f.authorizeHandler(approve)(w, r)
			res := w.Result()
			if tt.wantErr != "" {
				checkJSONError(t, res, tt.wantStatus, tt.wantErr)
				return
			}
			rd := parseRedirect(t, res)
			if rd.base != cbURI || rd.params.Get("code") == "" || rd.params.Get("state") != "st" {
				t.Errorf("redirect: got %s %v, want %s with a code and state st", rd.base, rd.params, cbURI)
			}
		})
	}
}
