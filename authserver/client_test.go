package authserver_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
)

// RFC 6749 §2.3 forbids more than one authentication method in a request
// and §5.2 answers a request that "utilizes more than one mechanism for
// authenticating the client, or is otherwise malformed" with 400
// invalid_request. Authorization is a singleton field (RFC 9110 §5.3,
// §11.6.2): two of them are ambiguous credentials, which a proxy and the
// server may read differently. The server must refuse the request instead
// of authenticating whichever header comes first (package bearer already
// refuses two Authorization headers).
func TestTokenTwoAuthorizationHeaders(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	good := "Basic " + b64("cc1:cc-secret")
	tests := []struct {
		name    string
		headers []string
	}{
		{"valid Basic then another client's", []string{good, "Basic " + b64("a-b%3Ac:wrong")}},
		{"another client's Basic then valid", []string{"Basic " + b64("c1:s1"), good}},
		{"valid Basic then Bearer", []string{good, "Bearer abc"}},
		{"the same Basic twice", []string{good, good}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := tokenRequest(url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}})
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			res := f.token(t, r)
			body := jsonBody(t, res)
			if res.StatusCode != http.StatusBadRequest || body["error"] != "invalid_request" {
				t.Errorf("got %d %v, want 400 invalid_request", res.StatusCode, body)
			}
			if _, issued := body["access_token"]; issued {
				t.Errorf("access_token: got one, want none for ambiguous credentials")
			}
		})
	}
}
