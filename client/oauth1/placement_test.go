package oauth1_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/client/oauth1"
)

type echoed struct {
	Method      string     `json:"method"`
	Query       url.Values `json:"query"`
	Form        url.Values `json:"form"`
	Placement   string     `json:"placement"`
	ContentType string     `json:"content_type"`
}

// TestPlacement sends requests with every placement through the provider,
// which checks the signature with its own code and reports what it got.
func TestPlacement(t *testing.T) {
	p := newProvider()
	defer p.Close()
	tests := []struct {
		name      string
		placement oauth1.Placement
		method    string
		query     string
		ctype     string
		body      string
		want      echoed
		wantErr   error
	}{
		{"header GET", oauth1.AuthHeader, "GET", "a=1&b=x+y", "", "",
			echoed{Method: "GET", Query: url.Values{"a": {"1"}, "b": {"x y"}}, Form: url.Values{}, Placement: "header"}, nil},
		{"header POST form", oauth1.AuthHeader, "POST", "q=1", "application/x-www-form-urlencoded", "status=hello+world&n=%E2%98%83",
			echoed{Method: "POST", Query: url.Values{"q": {"1"}}, Form: url.Values{"status": {"hello world"}, "n": {"☃"}},
				Placement: "header", ContentType: "application/x-www-form-urlencoded"}, nil},
		{"header POST json not signed", oauth1.AuthHeader, "POST", "", "application/json", `{"a":1}`,
			echoed{Method: "POST", Query: url.Values{}, Form: url.Values{}, Placement: "header", ContentType: "application/json"}, nil},
		{"query GET", oauth1.URIQuery, "GET", "a=1", "", "",
			echoed{Method: "GET", Query: url.Values{"a": {"1"}}, Form: url.Values{}, Placement: "query"}, nil},
		{"query POST form", oauth1.URIQuery, "POST", "", "application/x-www-form-urlencoded", "s=%21%2A",
			echoed{Method: "POST", Query: url.Values{}, Form: url.Values{"s": {"!*"}}, Placement: "query",
				ContentType: "application/x-www-form-urlencoded"}, nil},
		{"body POST form", oauth1.FormBody, "POST", "a=1", "application/x-www-form-urlencoded", "status=hi",
			echoed{Method: "POST", Query: url.Values{"a": {"1"}}, Form: url.Values{"status": {"hi"}}, Placement: "body",
				ContentType: "application/x-www-form-urlencoded"}, nil},
		{"body POST empty gets a form", oauth1.FormBody, "POST", "", "", "",
			echoed{Method: "POST", Query: url.Values{}, Form: url.Values{}, Placement: "body",
				ContentType: "application/x-www-form-urlencoded"}, nil},
		{"body refused for GET", oauth1.FormBody, "GET", "", "", "", echoed{}, oauth1.ErrBodyPlacement},
		{"body refused for json", oauth1.FormBody, "POST", "", "application/json", "{}", echoed{}, oauth1.ErrBodyPlacement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &oauth1.Config{ConsumerKey: p.key, ConsumerSecret: p.secret, Placement: tt.placement}
			req, _ := http.NewRequest(tt.method, p.URL+"/echo?"+tt.query, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			got, err := doEcho(cfg.Client(p.issue()), req)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("server saw %+v, want %+v", got, tt.want)
			}
		})
	}
}

func doEcho(c *http.Client, req *http.Request) (echoed, error) {
	resp, err := c.Do(req)
	if err != nil {
		return echoed{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return echoed{}, errors.New(resp.Status + ": " + string(b))
	}
	var e echoed
	err = json.NewDecoder(resp.Body).Decode(&e)
	return e, err
}

// TestPlacementOrder checks that protocol parameters follow the request's
// own parameters (RFC 5849 §3.5.2, §3.5.3) and the header's shape (§3.5.1).
func TestPlacementOrder(t *testing.T) {
	fixed := oauth1.Config{
		ConsumerKey: "k", ConsumerSecret: "s",
		Now: func() time.Time { return time.Unix(1, 0) }, Nonce: func() string { return "n" },
	}
	tests := []struct {
		name      string
		placement oauth1.Placement
		realm     string
		want      func(*http.Request) string
		prefix    string
	}{
		{"body after own parameters", oauth1.FormBody, "", readAll,
			"a=1&oauth_consumer_key=k&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1&oauth_nonce=n&oauth_signature="},
		{"query after own parameters", oauth1.URIQuery, "", func(r *http.Request) string { return r.URL.RawQuery },
			"q=1&oauth_consumer_key=k&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1&oauth_nonce=n&oauth_signature="},
		{"header without realm", oauth1.AuthHeader, "", authz,
			`OAuth oauth_consumer_key="k", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1", oauth_nonce="n", oauth_signature="`},
		{"header realm quoted", oauth1.AuthHeader, `a "b" \c`, authz,
			`OAuth realm="a \"b\" \\c", oauth_consumer_key="k"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fixed
			cfg.Placement, cfg.Realm = tt.placement, tt.realm
			req, _ := http.NewRequest("POST", "https://example.com/p?q=1", strings.NewReader("a=1"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if err := cfg.Sign(req, oauth1.Credentials{}); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if got := tt.want(req); !strings.HasPrefix(got, tt.prefix) {
				t.Errorf("got %q, want prefix %q", got, tt.prefix)
			}
			if tt.placement != oauth1.AuthHeader && req.Header.Get("Authorization") != "" {
				t.Errorf("Authorization = %q, want none", req.Header.Get("Authorization"))
			}
		})
	}
}

func authz(r *http.Request) string { return r.Header.Get("Authorization") }

func readAll(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	if int64(len(b)) != r.ContentLength {
		return "ContentLength mismatch"
	}
	return string(b)
}
