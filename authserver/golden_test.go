package authserver_test

import (
	"bytes"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the authserver testdata/*.golden files")

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

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update-golden to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, got, want)
	}
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
			checkGolden(t, tt.name, got)
		})
	}
}
