package authserver_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

// p1CodeRequest is a code request of the public client p1 with a PKCE
// challenge.
func p1CodeRequest(method, challenge string) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {"p1"},
		"redirect_uri":          {cbURI},
		"scope":                 {"profile"},
		"state":                 {"st"},
		"code_challenge":        {challenge},
		"code_challenge_method": {method},
	}
}

// p1Exchange is p1's token request for a code, with "none" authentication.
func p1Exchange(code string, extra ...string) *http.Request {
	return tokenRequest(withParams(url.Values{
		"grant_type":   {"authorization_code"},
		"client_id":    {"p1"},
		"code":         {code},
		"redirect_uri": {cbURI},
	}, extra...))
}

// c1Tokens runs c1's code flow and returns the tokens.
func (f *fixture) c1Tokens(t *testing.T) tokenJSON {
	t.Helper()
	tok := mustToken(t, f.exchange(t, f.obtainCode(t, codeRequest())))
	if tok.RefreshToken == "" {
		t.Fatalf("c1's code exchange issued no refresh token")
	}
	return tok
}

// request builders for the table.
type reqFunc func(t *testing.T, f *fixture) *http.Request

func tokenForm(auth func(*http.Request) *http.Request, pairs ...string) reqFunc {
	return func(*testing.T, *fixture) *http.Request {
		v := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			v.Add(pairs[i], pairs[i+1])
		}
		r := tokenRequest(v)
		if auth != nil {
			r = auth(r)
		}
		return r
	}
}

func basicAs(id string) func(*http.Request) *http.Request {
	return func(r *http.Request) *http.Request { return asClient(r, id) }
}

func authHeader(value string) func(*http.Request) *http.Request {
	return func(r *http.Request) *http.Request {
		r.Header.Set("Authorization", value)
		return r
	}
}

func std64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// withCode makes a request for a fresh code of c1.
func withCode(build func(code string) *http.Request) reqFunc {
	return func(t *testing.T, f *fixture) *http.Request {
		return build(f.obtainCode(t, codeRequest()))
	}
}

func c1Exchange(code string, extra ...string) *http.Request {
	return asClient(tokenRequest(withParams(url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {code},
		"redirect_uri": {cbURI},
	}, extra...)), "c1")
}

func exchangeC1(code string) *http.Request { return c1Exchange(code) }

// withPKCE makes a request for a fresh code of p1 issued for a challenge.
func withPKCE(method, challenge string, build func(code string) *http.Request) reqFunc {
	return func(t *testing.T, f *fixture) *http.Request {
		return build(f.obtainCode(t, p1CodeRequest(method, challenge)))
	}
}

// withRefresh makes a request with a fresh refresh token of c1.
func withRefresh(build func(rt string) *http.Request) reqFunc {
	return func(t *testing.T, f *fixture) *http.Request {
		return build(f.c1Tokens(t).RefreshToken)
	}
}

func TestTokenEndpoint(t *testing.T) {
	const plainVerifier = "plain-verifier-of-forty-three-characters-xyz"
	tests := []struct {
		name   string
		edit   func(*fixtureSetup)
		before func(f *fixture) // runs after the request is built
		req    reqFunc
		status int
		err    string // "" for a success
		check  func(t *testing.T, tok tokenJSON)
	}{
		// ACCEPTANCE 12–23.
		{name: "T12 Basic with the wrong secret", req: withCode(func(c string) *http.Request {
			return basic(c1Exchange(c), "c1", "wrong")
		}), status: 401, err: "invalid_client"},
		{name: "T12 Basic with an unknown client", req: tokenForm(func(r *http.Request) *http.Request { return basic(r, "nope", "s1") },
			"grant_type", "client_credentials"), status: 401, err: "invalid_client"},
		{name: "T12a Basic id form-urlencoded as a%2Db%3Ac", req: tokenForm(authHeader("Basic "+std64("a%2Db%3Ac:"+url.QueryEscape(clientSecrets["a-b:c"]))),
			"grant_type", "client_credentials"), status: 200},
		{name: "T12a Basic id form-urlencoded as a-b%3Ac", req: tokenForm(basicAs("a-b:c"),
			"grant_type", "client_credentials"), status: 200},
		{name: "T12a Basic id not form-urlencoded", req: tokenForm(authHeader("Basic "+std64("a-b:c:"+url.QueryEscape(clientSecrets["a-b:c"]))),
			"grant_type", "client_credentials"), status: 401, err: "invalid_client"},
		{name: "T13 no credentials, grant allows basic", req: tokenForm(nil, "grant_type", "client_credentials"),
			status: 401, err: "invalid_client"},
		{name: "T13 no credentials at the code grant", req: withCode(func(c string) *http.Request {
			return tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {cbURI}})
		}), status: 401, err: "invalid_client"},
		{name: "T13 grant allows only none, no client_id",
			edit: func(s *fixtureSetup) { s.CodeAuthMethods = []grantry.AuthMethod{grantry.AuthNone} },
			req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
				return tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {cbURI}, "code_verifier": {rfcVerifier}})
			}), status: 400, err: "invalid_client"},
		{name: "T13 grant allows only none, public client", edit: func(s *fixtureSetup) { s.CodeAuthMethods = []grantry.AuthMethod{grantry.AuthNone} },
			req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
				return p1Exchange(c, "code_verifier", rfcVerifier)
			}), status: 200},
		{name: "T14 client_secret_post with an unknown client", req: tokenForm(nil,
			"grant_type", "authorization_code", "code", "x", "client_id", "nope", "client_secret", "s"), status: 401, err: "invalid_client"},
		{name: "T15 GET", req: func(*testing.T, *fixture) *http.Request {
			return httptest.NewRequest(http.MethodGet, "https://as.test/token?grant_type=client_credentials", nil)
		}, status: 405, err: "invalid_request"},
		{name: "T15 unknown grant_type", req: tokenForm(basicAs("c1"), "grant_type", "foo"), status: 400, err: "unsupported_grant_type"},
		{name: "T15 grant_type=implicit is no token grant", req: tokenForm(basicAs("c1"), "grant_type", "implicit"), status: 400, err: "unsupported_grant_type"},
		{name: "T16 client lacks the grant type", req: tokenForm(basicAs("c1"), "grant_type", "client_credentials"), status: 400, err: "unauthorized_client"},
		{name: "T16 client lacks the password grant", req: tokenForm(basicAs("c1"), "grant_type", "password", "username", "alice", "password", "wonderland"), status: 400, err: "unauthorized_client"},
		{name: "T17 code grant without code", req: tokenForm(basicAs("c1"), "grant_type", "authorization_code", "redirect_uri", cbURI), status: 400, err: "invalid_request"},
		{name: "T17 unknown code", req: tokenForm(basicAs("c1"), "grant_type", "authorization_code", "code", "unknown", "redirect_uri", cbURI), status: 400, err: "invalid_grant"},
		{name: "T17 expired code", req: withCode(exchangeC1), before: func(f *fixture) { f.clock.Advance(5*time.Minute + time.Second) },
			status: 400, err: "invalid_grant"},
		{name: "T17 code at the end of its lifetime", req: withCode(exchangeC1), before: func(f *fixture) { f.clock.Advance(5 * time.Minute) },
			status: 400, err: "invalid_grant"},
		{name: "T17 code just before it expires", req: withCode(exchangeC1), before: func(f *fixture) { f.clock.Advance(5*time.Minute - time.Second) },
			status: 200},
		{name: "T17 used code", req: func(t *testing.T, f *fixture) *http.Request {
			c := f.obtainCode(t, codeRequest())
			mustToken(t, f.exchange(t, c))
			return c1Exchange(c)
		}, status: 400, err: "invalid_grant"},
		{name: "T19 success", req: withCode(exchangeC1), status: 200, check: func(t *testing.T, tok tokenJSON) {
			if tok.Scope != "profile email" || tok.ExpiresIn != 864000 || tok.RefreshToken == "" {
				t.Errorf("token: got scope %q, expires_in %d, refresh %q; want profile email, 864000, a refresh token", tok.Scope, tok.ExpiresIn, tok.RefreshToken)
			}
		}},
		{name: "T20 PKCE missing verifier", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request { return p1Exchange(c) }),
			status: 400, err: "invalid_request"},
		{name: "T20 PKCE verifier of 42 characters", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
			return p1Exchange(c, "code_verifier", rfcVerifier[:42])
		}), status: 400, err: "invalid_request"},
		{name: "T20 PKCE verifier with a character outside the ABNF", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
			return p1Exchange(c, "code_verifier", rfcVerifier[:42]+"=")
		}), status: 400, err: "invalid_request"},
		{name: "T20 PKCE wrong verifier", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
			return p1Exchange(c, "code_verifier", strings.Repeat("a", 43))
		}), status: 400, err: "invalid_grant"},
		{name: "T20 PKCE the challenge sent as verifier", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
			return p1Exchange(c, "code_verifier", rfcChallenge)
		}), status: 400, err: "invalid_grant"},
		{name: "T20 PKCE correct S256", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
			return p1Exchange(c, "code_verifier", rfcVerifier)
		}), status: 200},
		{name: "T20 PKCE correct plain", req: withPKCE("plain", plainVerifier, func(c string) *http.Request {
			return p1Exchange(c, "code_verifier", plainVerifier)
		}), status: 200},
		{name: "T20 PKCE wrong plain", req: withPKCE("plain", plainVerifier, func(c string) *http.Request {
			return p1Exchange(c, "code_verifier", plainVerifier[:43]+"q")
		}), status: 400, err: "invalid_grant"},
		{name: "T21 password missing username", req: tokenForm(basicAs("pw1"), "grant_type", "password", "password", "wonderland"), status: 400, err: "invalid_request"},
		{name: "T21 password wrong password", req: tokenForm(basicAs("pw1"), "grant_type", "password", "username", "alice", "password", "x"), status: 400, err: "invalid_grant"},
		{name: "T21 password success", req: tokenForm(basicAs("pw1"), "grant_type", "password", "username", "alice", "password", "wonderland", "scope", "profile"), status: 200},
		{name: "T22 client credentials", req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials", "scope", "read"), status: 200, check: func(t *testing.T, tok tokenJSON) {
			if tok.RefreshToken != "" {
				t.Errorf("refresh_token: got %q, want none (RFC 6749 §4.4.3)", tok.RefreshToken)
			}
			if tok.Scope != "read" {
				t.Errorf("scope: got %q, want read", tok.Scope)
			}
		}},
		{name: "T22 client credentials beyond the client's scope", req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials", "scope", "read profile"), status: 400, err: "invalid_scope"},
		{name: "T22 client credentials with a scope the client may hold but the server does not know", req: tokenForm(basicAs("wide1"), "grant_type", "client_credentials", "scope", "admin"),
			status: 400, err: "invalid_scope"},
		{name: "T22 client credentials with a scope the client may hold and the server knows", req: tokenForm(basicAs("wide1"), "grant_type", "client_credentials", "scope", "profile"),
			status: 200},
		{name: "T23 refresh missing token", req: tokenForm(basicAs("c1"), "grant_type", "refresh_token"), status: 400, err: "invalid_request"},
		{name: "T23 refresh unknown token", req: tokenForm(basicAs("c1"), "grant_type", "refresh_token", "refresh_token", "unknown"), status: 400, err: "invalid_grant"},
		{name: "T23 refresh wider scope", req: withRefresh(func(rt string) *http.Request {
			return asClient(tokenRequest(refreshForm(rt, "scope", "profile email read")), "c1")
		}), status: 400, err: "invalid_scope"},
		{name: "T23 refresh narrower scope", req: withRefresh(func(rt string) *http.Request {
			return asClient(tokenRequest(refreshForm(rt, "scope", "email")), "c1")
		}), status: 200, check: func(t *testing.T, tok tokenJSON) {
			if tok.Scope != "email" {
				t.Errorf("scope: got %q, want email", tok.Scope)
			}
		}},
		{name: "T23 refresh without scope keeps the original", req: withRefresh(func(rt string) *http.Request {
			return asClient(tokenRequest(refreshForm(rt)), "c1")
		}), status: 200, check: func(t *testing.T, tok tokenJSON) {
			if tok.Scope != "profile email" || tok.RefreshToken == "" {
				t.Errorf("token: got scope %q, refresh %q; want profile email and a new refresh token", tok.Scope, tok.RefreshToken)
			}
		}},

		// Beyond ACCEPTANCE.md: RFC 6749 §2.3, §3.2, §5.2.
		{name: "wrong content type", req: func(*testing.T, *fixture) *http.Request {
			r := asClient(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "cc1")
			r.Header.Set("Content-Type", "application/json")
			return r
		}, status: 415, err: "invalid_request"},
		{name: "no content type", req: func(*testing.T, *fixture) *http.Request {
			r := asClient(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "cc1")
			r.Header.Del("Content-Type")
			return r
		}, status: 415, err: "invalid_request"},
		{name: "gzip-coded body", req: func(*testing.T, *fixture) *http.Request {
			r := asClient(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "cc1")
			r.Header.Set("Content-Encoding", "gzip")
			return r
		}, status: 415, err: "invalid_request"},
		{name: "content type with a charset", req: func(*testing.T, *fixture) *http.Request {
			r := asClient(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "cc1")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
			return r
		}, status: 200},
		{name: "oversized body", req: func(*testing.T, *fixture) *http.Request {
			return asClient(rawTokenRequest("grant_type=client_credentials&pad="+strings.Repeat("x", 64<<10)), "cc1")
		}, status: 413, err: "invalid_request"},
		{name: "repeated parameter", req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials", "scope", "read", "scope", "write"),
			status: 400, err: "invalid_request"},
		{name: "repeated grant_type", req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials", "grant_type", "client_credentials"),
			status: 400, err: "invalid_request"},
		{name: "missing grant_type", req: tokenForm(basicAs("cc1"), "scope", "read"), status: 400, err: "invalid_request"},
		{name: "Basic header and client_secret in the body", req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials", "client_secret", "cc-secret"),
			status: 400, err: "invalid_request"},
		{name: "Basic header with malformed base64", req: tokenForm(authHeader("Basic !!!notbase64"), "grant_type", "client_credentials"),
			status: 401, err: "invalid_client"},
		{name: "Basic header without a colon", req: tokenForm(authHeader("Basic "+std64("cc1")), "grant_type", "client_credentials"),
			status: 401, err: "invalid_client"},
		{name: "Basic header with an empty secret", req: tokenForm(authHeader("Basic "+std64("cc1:")), "grant_type", "client_credentials"),
			status: 401, err: "invalid_client"},
		{name: "Basic scheme in lower case", req: tokenForm(authHeader("basic "+std64("cc1:cc-secret")), "grant_type", "client_credentials"),
			status: 200},
		{name: "Bearer header at the token endpoint", req: tokenForm(authHeader("Bearer abc"), "grant_type", "client_credentials"),
			status: 401, err: "invalid_client"},
		{name: "client_id in the body differs from the Basic id", req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials", "client_id", "c1"),
			status: 401, err: "invalid_client"},
		{name: "client_id in the body equals the Basic id", req: tokenForm(basicAs("cc1"), "grant_type", "client_credentials", "client_id", "cc1"),
			status: 200},
		{name: "confidential client without its secret", req: withCode(func(c string) *http.Request {
			return tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {cbURI}, "client_id": {"c1"}})
		}), status: 401, err: "invalid_client"},
		{name: "client_secret_post client with its method", req: postClientCode(func(c string) *http.Request {
			return tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {"https://post.test/cb"},
				"client_id": {"post1"}, "client_secret": {"post-secret"}})
		}), status: 200},
		{name: "client_secret_post client with Basic", req: postClientCode(func(c string) *http.Request {
			return asClient(tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {"https://post.test/cb"}}), "post1")
		}), status: 401, err: "invalid_client"},
		{name: "client_secret_basic client with client_secret_post", req: withCode(func(c string) *http.Request {
			return tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {cbURI},
				"client_id": {"c1"}, "client_secret": {"s1"}})
		}), status: 401, err: "invalid_client"},
		{name: "client_secret_post without client_id", req: tokenForm(nil, "grant_type", "authorization_code", "code", "x", "client_secret", "s1"),
			status: 401, err: "invalid_client"},
		{name: "code exchanged by another client", req: withCode(func(c string) *http.Request {
			return tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {cbURI},
				"client_id": {"post1"}, "client_secret": {"post-secret"}})
		}), status: 400, err: "invalid_grant"},
		{name: "code of a public client exchanged by a confidential one", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
			return c1Exchange(c, "code_verifier", rfcVerifier)
		}), status: 400, err: "invalid_grant"},
		{name: "redirect_uri differs from the authorization request", req: withCode(func(c string) *http.Request {
			return c1Exchange(c, "redirect_uri", cbURI+"/other")
		}), status: 400, err: "invalid_grant"},
		{name: "redirect_uri omitted though the authorization request had it", req: withCode(func(c string) *http.Request {
			return c1Exchange(c, "redirect_uri", "")
		}), status: 400, err: "invalid_grant"},
		{name: "public client without client_id", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
			return tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {cbURI}, "code_verifier": {rfcVerifier}})
		}), status: 401, err: "invalid_client"},
		{name: "public client presenting a secret", req: withPKCE("S256", rfcChallenge, func(c string) *http.Request {
			return p1Exchange(c, "code_verifier", rfcVerifier, "client_secret", "guess")
		}), status: 401, err: "invalid_client"},
		{name: "public client at the client credentials grant", req: tokenForm(nil, "grant_type", "client_credentials", "client_id", "p1"),
			status: 401, err: "invalid_client"},
		{name: "refresh of another client's token", req: withRefresh(func(rt string) *http.Request {
			return tokenRequest(refreshForm(rt, "client_id", "post1", "client_secret", "post-secret"))
		}), status: 400, err: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*fixtureSetup)
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			f := newFixture(t, edits...)
			r := tt.req(t, f)
			if tt.before != nil {
				tt.before(f)
			}
			res := f.token(t, r)
			if tt.err == "" {
				tok := mustToken(t, res)
				if tt.check != nil {
					tt.check(t, tok)
				}
				return
			}
			body := checkJSONError(t, res, tt.status, tt.err)
			if _, ok := body["access_token"]; ok {
				t.Errorf("an error response carries an access token: %v", body)
			}
			if tt.status == http.StatusMethodNotAllowed {
				if got := res.Header.Get("Allow"); got != http.MethodPost {
					t.Errorf("Allow: got %q, want POST", got)
				}
			}
			if r.Header.Get("Content-Encoding") != "" {
				if got := res.Header.Get("Accept-Encoding"); got != "identity" {
					t.Errorf("Accept-Encoding: got %q, want identity (RFC 9110 §15.5.16)", got)
				}
			}
		})
	}
}

// postClientCode makes a request for a fresh code of the
// client_secret_post client.
func postClientCode(build func(code string) *http.Request) reqFunc {
	return func(t *testing.T, f *fixture) *http.Request {
		return build(f.obtainCode(t, url.Values{
			"response_type": {"code"}, "client_id": {"post1"},
			"redirect_uri": {"https://post.test/cb"}, "scope": {"profile"},
		}))
	}
}

// ACCEPTANCE 14: an unknown client and a known client with a wrong secret
// get the same answer, so client IDs cannot be probed.
func TestUnknownClientLooksLikeWrongSecret(t *testing.T) {
	tests := []struct {
		name  string
		build func(id, secret string) *http.Request
	}{
		{name: "client_secret_post", build: func(id, secret string) *http.Request {
			return tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {"x"},
				"redirect_uri": {"https://post.test/cb"}, "client_id": {id}, "client_secret": {secret}})
		}},
		{name: "client_secret_basic", build: func(id, secret string) *http.Request {
			return basic(tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {"x"},
				"redirect_uri": {"https://post.test/cb"}}), id, secret)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a := f.token(t, tt.build("nope", "post-secret"))
			b := f.token(t, tt.build("post1", "wrong"))
			checkJSONError(t, a, 401, "invalid_client")
			if a.StatusCode != b.StatusCode {
				t.Errorf("status: got %d for an unknown client and %d for a wrong secret, want the same", a.StatusCode, b.StatusCode)
			}
			if ab, bb := string(readBody(t, a)), string(readBody(t, b)); ab != bb {
				t.Errorf("body: got %s for an unknown client and %s for a wrong secret, want the same", ab, bb)
			}
			for _, h := range []string{"WWW-Authenticate", "Content-Type", "Cache-Control"} {
				if a.Header.Get(h) != b.Header.Get(h) {
					t.Errorf("%s: got %q and %q, want the same", h, a.Header.Get(h), b.Header.Get(h))
				}
			}
		})
	}
}

// ACCEPTANCE 12: the challenge names the Basic scheme and a realm.
func TestBasicChallenge(t *testing.T) {
	tests := []struct {
		name   string
		issuer string
		want   string
	}{
		{name: "issuer as realm", issuer: testIssuer, want: `Basic realm="https://as.test", charset="UTF-8"`},
		{name: "no issuer", want: `Basic realm="oauth", charset="UTF-8"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(s *fixtureSetup) { s.Config.Issuer = tt.issuer })
			res := f.token(t, basic(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "cc1", "wrong"))
			checkJSONError(t, res, 401, "invalid_client")
			if got := res.Header.Get("WWW-Authenticate"); got != tt.want {
				t.Errorf("WWW-Authenticate: got %q, want %q", got, tt.want)
			}
		})
	}
}

// Config.AccessTokenLifetime replaces the per-grant defaults, and
// Config.ExpiresIn still wins for the grant types it names.
func TestAccessTokenLifetime(t *testing.T) {
	tests := []struct {
		name     string
		lifetime time.Duration
		perGrant map[grantry.GrantType]time.Duration
		wantCode int64 // expires_in of the code grant
		wantCC   int64 // and of client_credentials
	}{
		{"defaults", 0, nil, 864000, 864000},
		{"one lifetime", 2 * time.Hour, nil, 7200, 7200},
		{"per grant wins", 2 * time.Hour, map[grantry.GrantType]time.Duration{grantry.GrantClientCredentials: 10 * time.Minute}, 7200, 600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(s *fixtureSetup) {
				s.Config.AccessTokenLifetime = tt.lifetime
				s.Config.ExpiresIn = tt.perGrant
			})
			if got := f.c1Tokens(t).ExpiresIn; got != tt.wantCode {
				t.Errorf("authorization_code: expires_in %d, want %d", got, tt.wantCode)
			}
			cc := mustToken(t, f.token(t, asClient(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "cc1")))
			if cc.ExpiresIn != tt.wantCC {
				t.Errorf("client_credentials: expires_in %d, want %d", cc.ExpiresIn, tt.wantCC)
			}
		})
	}
}
