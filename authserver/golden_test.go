package authserver_test

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/grantry/grantry/internal/golden"
)

// dump renders a response as its wire form, headers sorted, so that it can
// be compared with a golden file.
func wireDump(t *testing.T, res *http.Response) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(res.StatusCode) + " " + http.StatusText(res.StatusCode) + "\r\n")
	names := make([]string, 0, len(res.Header))
	for k := range res.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range res.Header[k] {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	b.Write(readBody(t, res))
	return b.Bytes()
}

// The wire form of the answers that carry no random value.
func TestGoldenResponses(t *testing.T) {
	tests := []struct {
		name string
		send func(t *testing.T, f *fixture, fl *flakyStore) *http.Response
	}{
		{name: "authorize_form_post_denied", send: func(t *testing.T, f *fixture, fl *flakyStore) *http.Response {
			return f.authorize(t, codeRequest("response_mode", "form_post", "state", `x"y<z>&`).Encode(), deny)
		}},
		{name: "authorize_redirect_denied", send: func(t *testing.T, f *fixture, fl *flakyStore) *http.Response {
			return f.authorize(t, codeRequest("state", "xyz").Encode(), deny)
		}},
		{name: "authorize_unknown_client", send: func(t *testing.T, f *fixture, fl *flakyStore) *http.Response {
			return f.authorize(t, rawQuery("response_type", "code", "client_id", "nope", "state", `x"y<z>&`), approve)
		}},
		{name: "token_invalid_client", send: func(t *testing.T, f *fixture, fl *flakyStore) *http.Response {
			return f.token(t, basic(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "cc1", "wrong"))
		}},
		{name: "token_method_not_allowed", send: func(t *testing.T, f *fixture, fl *flakyStore) *http.Response {
			r := tokenRequest(url.Values{})
			r.Method = http.MethodGet
			return f.token(t, r)
		}},
		{name: "token_unavailable", send: func(t *testing.T, f *fixture, fl *flakyStore) *http.Response {
			fl.breakOp("GetClient", errOutage)
			return f.token(t, asClient(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "cc1"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := &flakyStore{}
			f := newFixture(t, withFlaky(fl))
			got := wireDump(t, tt.send(t, f, fl))
			if strings.Contains(string(got), causeText) {
				t.Errorf("the response leaks the internal cause")
			}
			golden.Check(t, tt.name, got)
		})
	}
}
