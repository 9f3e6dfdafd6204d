package registration_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/endpoint/registration"
)

// FuzzParseMetadata checks the invariants of ParseMetadata on any input:
// nothing panics; a refusal is invalid_client_metadata; accepted metadata,
// written out as JSON, parses again to the same value.
func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{
		fullMetadata, `{}`, `null`, `[]`, `{"redirect_uris":null}`, `{"scope":1}`, `{"jwks":{"keys":[]}}`,
		`{"jwks":[]}`, `{"redirect_uris":["a",1]}`, `{"REDIRECT_URIS":["x"]}`, `{"a":1,"a":2}`,
		`{"backchannel_logout_session_required":"true"}`, `{"contacts":[]}`, "\xff", `{"client_name":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := registration.ParseMetadata(data)
		if err != nil {
			if e, ok := grantry.AsError(err); !ok || e.Code != grantry.ErrInvalidClientMetadata {
				t.Fatalf("%q: got error %v, want invalid_client_metadata", data, err)
			}
			return
		}
		out, err := json.Marshal(md)
		if err != nil {
			t.Fatalf("%q: marshal: %v", data, err)
		}
		again, err := registration.ParseMetadata(out)
		if err != nil {
			t.Fatalf("%q: written out as %s, got %v", data, out, err)
		}
		if !reflect.DeepEqual(normal(md), normal(again)) {
			t.Errorf("%q: got %+v, then %+v from %s", data, md, again, out)
		}
	})
}

// normal drops the difference between an empty list and none, which
// omitempty does not write.
func normal(md *registration.Metadata) registration.Metadata {
	m := *md
	for _, l := range []*[]string{&m.RedirectURIs, &m.GrantTypes, &m.ResponseTypes, &m.Contacts, &m.PostLogoutRedirectURIs} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return m
}

// FuzzRegister posts any body, with any Authorization header, to the
// registration endpoint and to a client configuration endpoint: the answer
// is never a server error, and a refusal is a JSON error of RFC 7591
// §3.2.2, RFC 6750 §3.1 or invalid_request.
func FuzzRegister(f *testing.F) {
	for _, s := range []string{fullMetadata, `{}`, `{"redirect_uris":["http://x/cb"]}`, `{"software_statement":"a.b.c"}`,
		`{"jwks":{"keys":[{"kty":"EC"}]},"grant_types":["client_credentials"]}`, `{"grant_types":[]}`,
		`{"response_types":["code id_token token"],"redirect_uris":["https://a.example/cb"]}`} {
		f.Add([]byte(s), "", uint8(2))
		f.Add([]byte(s), "Bearer x", uint8(0))
	}
	fx := newFixture(f)
	reg := fx.register(f, `{"grant_types":["client_credentials"]}`)
	allowed := map[string]bool{
		"invalid_client_metadata": true, "invalid_redirect_uri": true, "invalid_software_statement": true,
		"unapproved_software_statement": true, "invalid_request": true, "invalid_token": true,
	}
	methods := []string{http.MethodPost, http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch}
	f.Fuzz(func(t *testing.T, body []byte, auth string, m uint8) {
		method := methods[int(m)%len(methods)]
		path := "/register"
		if method != http.MethodPost {
			path += "/" + reg.ClientID
		}
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		fx.reg.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: got status %d: %s", method, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var e struct{ Error string }
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || !allowed[e.Error] {
				t.Fatalf("%s %q: got %d %s, want an RFC error", method, body, rec.Code, rec.Body)
			}
		}
	})
}
