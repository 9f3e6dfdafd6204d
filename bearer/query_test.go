package bearer_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/bearer"
)

// TestQueryTokenCachePrivate: RFC 6750 §2.3, "Server success (2XX
// status) responses to these requests SHOULD contain a Cache-Control
// header with the "private" option." Only a token from the query sets it.
func TestQueryTokenCachePrivate(t *testing.T) {
	both := bearer.Config{Realm: "api", AllowForm: true, InsecureAllowQuery: true}
	tests := []struct {
		name   string
		cfg    bearer.Config
		method string
		target string
		form   string // a form body when not empty
		header string
		want   answer
		wantCC string // the Cache-Control of the answer
	}{
		{"query token", both, "GET", "/resource?access_token=" + bothToken, "", "",
			answer{200, "", "", "bob profile email"}, "private"},
		{"query token and other parameters", both, "GET", "/resource?page=2&access_token=" + bothToken, "", "",
			answer{200, "", "", "bob profile email"}, "private"},
		{"query token under an encoded name", both, "GET", "/resource?access%5Ftoken=" + bothToken, "", "",
			answer{200, "", "", "bob profile email"}, "private"},
		{"header token", both, "GET", "/resource?page=2", "", "Bearer " + bothToken,
			answer{200, "", "", "bob profile email"}, ""},
		{"header token, query disabled", bearer.Config{Realm: "api"}, "GET", "/resource?access_token=x", "", "Bearer " + bothToken,
			answer{200, "", "", "bob profile email"}, ""},
		{"form token", both, "POST", "/resource", "access_token=" + bothToken, "",
			answer{200, "", "", "bob profile email"}, ""},
		{"refused query token", both, "GET", "/resource?access_token=nope", "", "",
			answer{401, invalidToken, "invalid_token", ""}, "no-store"},
		{"query token without the scope", both, "GET", "/resource?access_token=" + adminToken, "", "",
			answer{403, insufficient("profile"), "insufficient_scope", ""}, "no-store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtector(t, tt.cfg)
			var r *http.Request
			if tt.form != "" {
				r = httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.form))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				r = httptest.NewRequest(tt.method, tt.target, nil)
			}
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			rec := serve(p.Require("profile")(whoami), r)
			checkAnswer(t, rec, tt.want)
			if got := rec.Header().Get("Cache-Control"); got != tt.wantCC {
				t.Errorf("Cache-Control: got %q, want %q", got, tt.wantCC)
			}
		})
	}
	t.Run("the handler may ask for no-store instead", func(t *testing.T) {
		p := newProtector(t, both)
		h := p.Require()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
		}))
		rec := serve(h, httptest.NewRequest(http.MethodGet, "/resource?access_token="+bothToken, nil))
		if got := rec.Header().Values("Cache-Control"); rec.Code != 200 || len(got) != 1 || got[0] != "no-store" {
			t.Errorf("got %d Cache-Control %q, want 200 no-store", rec.Code, got)
		}
	})
}

// TestQueryPercentEncodedName: a percent-encoded unreserved character is
// the character itself (RFC 3986 §2.3, §6.2.2.2), so access%5Ftoken is
// the access_token parameter of RFC 6750 §2.3, as url.ParseQuery reads
// it; a token sent under both spellings, or also in the header, is
// invalid_request (RFC 6750 §3.1).
func TestQueryPercentEncodedName(t *testing.T) {
	twice := invalidRequest("the access token was sent in more than one place")
	repeated := invalidRequest("access_token is repeated")
	ok := answer{200, "", "", "bob profile email"}
	tests := []struct {
		name   string
		query  string
		header string
		want   answer
	}{
		{"encoded underscore", "access%5Ftoken=" + bothToken, "", ok},
		{"encoded underscore, lower-case hex", "access%5ftoken=" + bothToken, "", ok},
		{"encoded letter", "access_tok%65n=" + bothToken, "", ok},
		{"encoded first letter", "%61ccess_token=" + bothToken, "", ok},
		{"encoded name after other parameters", "page=2&q=a%20b&access%5Ftoken=" + bothToken, "", ok},
		{"encoded name and a header token", "access%5Ftoken=" + bothToken, "Bearer " + bothToken, answer{400, twice, "invalid_request", ""}},
		{"encoded and plain names", "access_token=" + bothToken + "&access%5Ftoken=" + bothToken, "", answer{400, repeated, "invalid_request", ""}},
		{"two encoded spellings", "access%5Ftoken=" + bothToken + "&%61ccess_token=" + bothToken, "", answer{400, repeated, "invalid_request", ""}},
		{"encoded name, empty value", "access%5Ftoken=", "", answer{400, invalidRequest("access_token is empty"), "invalid_request", ""}},
		{"encoded name, malformed query", "access%5Ftoken=" + bothToken + "&x=%zz", "", answer{400, invalidRequest("the query is malformed"), "invalid_request", ""}},
		{"encoded values only, header token", "next=%2Fhome&q=access%5Ftoken", "Bearer " + bothToken, ok},
		{"a name that decodes to another", "access%5Ftokens=" + bothToken, "", answer{401, noCredentials, "", ""}},
		{"plus is a space, not an underscore", "access+token=" + bothToken, "", answer{401, noCredentials, "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtector(t, bearer.Config{Realm: "api", InsecureAllowQuery: true})
			r := httptest.NewRequest(http.MethodGet, "/resource?"+tt.query, nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			checkAnswer(t, serve(p.Require("profile")(whoami), r), tt.want)
		})
	}
}

// FuzzQueryToken checks the query against url.ParseQuery: a well-formed
// query with one access_token in the b64token syntax, under any spelling
// of its name, reaches the validator; one without access_token is a
// request without credentials; any other answer is invalid_request.
func FuzzQueryToken(f *testing.F) {
	for _, s := range []string{"access_token=abc", "access%5Ftoken=abc", "a=1&%61ccess_token=x%2B", "access_token=a&access%5ftoken=b",
		"access_token=", "x=%zz", "access%5Ftoken=a&x=%zz", "a;b=c", "next=%2F", "access+token=a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var seen []string
		v := funcValidator(func(_ context.Context, token string) (grantry.TokenInfo, error) {
			seen = append(seen, token)
			return grantry.TokenInfo{Active: true}, nil
		})
		p := bearer.New(v, bearer.Config{InsecureAllowQuery: true})
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.RawQuery = raw
		rec := serve(p.Require()(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})), r)
		q, err := url.ParseQuery(raw)
		values := q["access_token"]
		switch {
		case err == nil && len(values) == 1 && b64token(values[0]):
			if rec.Code != 200 || !reflect.DeepEqual(seen, values) {
				t.Errorf("query %q: got %d, validator saw %q, want 200 and %q", raw, rec.Code, seen, values)
			}
		case err == nil && len(values) == 0:
			if rec.Code != 401 || len(seen) != 0 {
				t.Errorf("query %q: got %d, validator saw %q, want 401 and nothing", raw, rec.Code, seen)
			}
		case err == nil:
			if rec.Code != 400 || len(seen) != 0 {
				t.Errorf("query %q: got %d, validator saw %q, want 400 and nothing", raw, rec.Code, seen)
			}
		default:
			if (rec.Code != 400 && rec.Code != 401) || len(seen) != 0 {
				t.Errorf("malformed query %q: got %d, validator saw %q, want 400 or 401 and nothing", raw, rec.Code, seen)
			}
		}
	})
}
