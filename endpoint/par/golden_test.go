package par_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/grantry/grantry/internal/golden"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/par"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// wire renders status, the sorted headers and the body.
func wire(status int, h http.Header, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString(http.StatusText(status) + "\n")
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range names {
		b.WriteString(k + ": " + strings.Join(h[k], ", ") + "\n")
	}
	b.WriteString("\n")
	b.Write(body)
	return b.Bytes()
}

// TestGolden checks the wire documents without random values: the
// metadata of a server with pushed requests and request objects, a
// refused push, and a request_uri refused without a redirect URI to
// trust.
func TestGolden(t *testing.T) {
	t.Run("metadata", func(t *testing.T) {
		f := newFixture(t, par.Config{URL: "/par", Require: true}, func(cfg *authserver.Config, _ []*storage.Client) {
			cfg.RequestObjects = &authserver.RequestObjectConfig{
				Keys: authserver.NewClientKeys(keyset.RemoteConfig{}), Algorithms: []keyset.Algorithm{keyset.ES256, keyset.PS256},
			}
		})
		body, err := json.MarshalIndent(f.srv.Metadata(), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "metadata", append(body, '\n'))
	})
	t.Run("push refused", func(t *testing.T) {
		f := newFixture(t, par.Config{})
		form := codeRequest()
		form.Set("redirect_uri", "https://evil.test/cb")
		w := f.push("c1", "s1", form)
		golden.Check(t, "push_refused", wire(w.Code, w.Header(), w.Body.Bytes()))
	})
	t.Run("request_uri refused", func(t *testing.T) {
		f := newFixture(t, par.Config{})
		w := f.authorize(url.Values{"client_id": {"c1"}, "request_uri": {par.URIPrefix + "x"}, "redirect_uri": {"https://evil.test/cb"}})
		golden.Check(t, "request_uri_refused", wire(w.Code, w.Header(), w.Body.Bytes()))
	})
}
