package oauth1

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSignatureBaseString builds the base string of arbitrary requests.
// It must never panic, must leave a form body readable and unchanged, and
// must yield exactly three "&"-separated parts of unreserved characters
// and %XX escapes, the first being the encoded uppercase method.
func FuzzSignatureBaseString(f *testing.F) {
	f.Add("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", "application/x-www-form-urlencoded", "c2&a3=2+q")
	f.Add("GET", "http://EXAMPLE.COM:80/r%20v/X?id=123", "", "")
	f.Add("get", "https://[::1]:443/?q=%E2%98%83&q=+", "application/x-www-form-urlencoded; charset=utf-8", "a=%zz")
	f.Add("PATCH", "https://example.com/p;x?a=1;b=2&&=v", "text/plain", "oauth_token=1")
	f.Fuzz(func(t *testing.T, method, rawURL, ctype, body string) {
		r, err := http.NewRequest(method, rawURL, strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", ctype)
		if _, err := baseStringURI(r); err != nil {
			return
		}
		var c Config
		_, own, err := c.collect(r)
		if err != nil {
			if !errors.Is(err, ErrInvalidEncoding) && !errors.Is(err, ErrReservedParameter) {
				t.Fatalf("collect: unexpected error %v", err)
			}
			return
		}
		got, err := requestBaseString(r, own, []param{{"oauth_nonce", body}})
		if err != nil {
			t.Fatalf("requestBaseString after a good URL: %v", err)
		}
		checkBaseString(t, got, methodName(method))
		if isForm(ctype) {
			again, _ := io.ReadAll(r.Body)
			if !bytes.Equal(again, []byte(body)) {
				t.Fatalf("body after collect = %q, want %q", again, body)
			}
		}
	})
}

func checkBaseString(t *testing.T, s, method string) {
	parts := strings.Split(s, "&")
	if len(parts) != 3 {
		t.Fatalf("base string %q has %d parts, want 3", s, len(parts))
	}
	if parts[0] != percentEncode(strings.ToUpper(method)) {
		t.Fatalf("method part %q, want %q", parts[0], percentEncode(strings.ToUpper(method)))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved(c) && c != '%' && c != '&' {
			t.Fatalf("base string has raw byte %q at %d", c, i)
		}
	}
	for _, p := range parts {
		if _, err := url.PathUnescape(p); err != nil {
			t.Fatalf("part %q is not valid percent-encoding: %v", p, err)
		}
	}
}

// FuzzParseCredentials parses arbitrary credentials responses. Success
// means a token and a secret; a summary is always short valid UTF-8 and
// redacts every oauth_token_secret.
func FuzzParseCredentials(f *testing.F) {
	f.Add([]byte("oauth_token=hh5s93j4hdidpola&oauth_token_secret=hdhd0244k9j7ao03&oauth_callback_confirmed=true"), true)
	f.Add([]byte("oauth_token=nnch734d00sl2jdk&oauth_token_secret=pfkkdhi9sl3r4s00&user_id=1"), false)
	f.Add([]byte("oauth_token=a&oauth_token=b&oauth_token_secret=%zz"), false)
	f.Add([]byte("\xff\x00oauth_token_secret=x&&"), true)
	f.Fuzz(func(t *testing.T, body []byte, confirm bool) {
		cred, err := parseCredentials(body, confirm)
		if err == nil && (cred.Token == "" || cred.Secret == "") {
			t.Fatalf("parseCredentials(%q) = %+v with no error, want token and secret", body, cred)
		}
		if err == nil && cred.Extra.Has("oauth_token_secret") {
			t.Fatalf("Extra keeps the secret: %v", cred.Extra)
		}
		s := summarize(body)
		if len(s) > maxSummary+len("…") || !utf8.ValidString(s) {
			t.Fatalf("summarize(%q) = %q: too long or not UTF-8", body, s)
		}
		if err == nil {
			redacted, err := parseForm(redactSecret(string(body)))
			if err != nil {
				t.Fatalf("redactSecret(%q) no longer parses: %v", body, err)
			}
			for _, p := range redacted {
				if p.name == "oauth_token_secret" && p.value != "REDACTED" {
					t.Fatalf("redactSecret(%q) keeps secret %q", body, p.value)
				}
			}
		}
	})
}

// FuzzParseCallback parses arbitrary callback queries: a verifier comes
// back only with the temporary token present once.
func FuzzParseCallback(f *testing.F) {
	f.Add("x=1&oauth_token=hdk48Djdsa&oauth_verifier=473f82d3", "hdk48Djdsa")
	f.Add("oauth_token=a&oauth_token=a&oauth_verifier=v", "a")
	f.Add("denied=a&oauth_verifier=v", "a")
	f.Fuzz(func(t *testing.T, query, token string) {
		v, err := ParseCallback(query, Credentials{Token: token})
		if err != nil {
			return
		}
		ps, _ := parseForm(query)
		var tokens, verifiers int
		for _, p := range ps {
			switch p.name {
			case "oauth_token":
				tokens++
				if p.value != token {
					t.Fatalf("accepted oauth_token %q for temporary token %q", p.value, token)
				}
			case "oauth_verifier":
				verifiers++
				if p.value != v {
					t.Fatalf("verifier %q, query has %q", v, p.value)
				}
			}
		}
		if tokens != 1 || verifiers != 1 || v == "" || token == "" {
			t.Fatalf("ParseCallback(%q, %q) = %q with %d tokens, %d verifiers", query, token, v, tokens, verifiers)
		}
	})
}
