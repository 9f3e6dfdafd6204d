package oidc

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/grantry/grantry/keyset"
)

func FuzzParseMetadata(f *testing.F) {
	if doc, err := os.ReadFile(filepath.Join("testdata", "openid-configuration.json")); err == nil {
		f.Add(doc)
	}
	f.Add([]byte(`{"issuer":"https://op.test?x"}`))
	f.Add([]byte(`{"issuer":"https://op.test","scopes_supported":"openid"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMetadata(data)
		if err != nil {
			if !errors.Is(err, ErrMetadata) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if m.Issuer == "" || m.Raw == nil {
			t.Fatalf("accepted metadata without issuer: %+v", m)
		}
	})
}

func FuzzParseIDTokenClaims(f *testing.F) {
	f.Add([]byte(`{"iss":"https://op.test","sub":"a","aud":["c1"],"exp":1700000300,"iat":1700000000,"auth_time":1.5e9}`))
	f.Add([]byte(`{"iss":"x","sub":"a","aud":"c1","exp":1e300,"iat":-1e300}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok, err := parseIDToken("raw", &keyset.Verified{Payload: payload, Header: keyset.Header{Algorithm: keyset.RS256}})
		if err != nil {
			if !errors.Is(err, ErrClaims) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if tok.Issuer == "" || tok.Subject == "" || len(tok.Audience) == 0 {
			t.Fatalf("accepted claims without a required member: %+v", tok)
		}
	})
}

func FuzzParseUserInfo(f *testing.F) {
	f.Add([]byte(`{"sub":"alice","email_verified":true}`), "alice")
	f.Add([]byte(`{"sub":1}`), "")
	f.Fuzz(func(t *testing.T, body []byte, subject string) {
		u, err := parseUserInfo(body, subject, nil)
		if err != nil {
			return
		}
		if u.Subject == "" || (subject != "" && u.Subject != subject) {
			t.Fatalf("accepted sub %q for subject %q", u.Subject, subject)
		}
	})
}

func FuzzParseChallenge(f *testing.F) {
	f.Add(`Bearer realm="example", error="invalid_token", error_description="The access token expired"`)
	f.Add(`Basic realm="x", Bearer error=a`)
	f.Add(`Bearer error="\`)
	f.Fuzz(func(t *testing.T, header string) {
		for name := range parseChallenge(header) {
			if name == "" {
				t.Fatalf("empty parameter name from %q", header)
			}
		}
	})
}
