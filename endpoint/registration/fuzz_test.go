package registration_test

import (
	"encoding/json"
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
