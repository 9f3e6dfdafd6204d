package keyset

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// RFC 7517 Appendix A.1: example public keys.
const rfc7517Set = `{"keys":
 [
   {"kty":"EC",
    "crv":"P-256",
    "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
    "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
    "use":"enc",
    "kid":"1"},
   {"kty":"RSA",
    "n": "` + rfc7638N + `",
    "e":"AQAB",
    "alg":"RS256",
    "kid":"2011-04-29"}
 ]
}`

func TestParseJWKSRFC7517(t *testing.T) {
	set, err := ParseJWKS([]byte(rfc7517Set))
	if err != nil {
		t.Fatalf("ParseJWKS: %v", err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("got %d keys, want 2", len(set.Keys))
	}
	ec, rs := set.Keys[0], set.Keys[1]
	if _, ok := ec.Key.(*ecdsa.PublicKey); !ok || ec.KeyID != "1" || ec.Use != "enc" {
		t.Errorf("first key = %+v, want EC key kid 1 use enc", ec)
	}
	if k, ok := rs.Key.(*rsa.PublicKey); !ok || k.E != 65537 || rs.Algorithm != RS256 || rs.KeyID != "2011-04-29" {
		t.Errorf("second key = %+v, want RSA key e 65537 alg RS256 kid 2011-04-29", rs)
	}
	if ec.usableFor(ES256) {
		t.Error("key with use enc is usable for signatures")
	}
}

func TestParseJWKS(t *testing.T) {
	ecKey := `{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","kid":"ec"}`
	tests := []struct {
		name     string
		doc      string
		wantKids []string
		wantErr  string
	}{
		{name: "empty set", doc: `{"keys":[]}`, wantKids: nil},
		{name: "one key", doc: `{"keys":[` + ecKey + `]}`, wantKids: []string{"ec"}},
		{name: "not json", doc: `{"keys":`, wantErr: "not a JSON object"},
		{name: "array", doc: `[]`, wantErr: "not a JSON object"},
		{name: "no keys member", doc: `{}`, wantErr: `no "keys" array`},
		{name: "keys not array", doc: `{"keys":{}}`, wantErr: "not a JSON object"},
		{name: "null keys", doc: `{"keys":null}`, wantErr: `no "keys" array`},
		{name: "private member skipped", doc: `{"keys":[` + strings.Replace(ecKey, `"kid"`, `"d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE","kid"`, 1) + `]}`},
		{name: "symmetric skipped", doc: `{"keys":[{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow","kid":"h"},` + ecKey + `]}`, wantKids: []string{"ec"}},
		{name: "unknown kty skipped", doc: `{"keys":[{"kty":"XYZ","kid":"x"},` + ecKey + `]}`, wantKids: []string{"ec"}},
		{name: "unknown curve skipped", doc: `{"keys":[{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo","kid":"x"}]}`},
		{name: "point off curve skipped", doc: `{"keys":[` + strings.Replace(ecKey, "MKBC", "MKBD", 1) + `]}`},
		{name: "alg mismatch skipped", doc: `{"keys":[` + strings.Replace(ecKey, `"kid"`, `"alg":"RS256","kid"`, 1) + `]}`},
		{name: "non-object key skipped", doc: `{"keys":["x",1,` + ecKey + `]}`, wantKids: []string{"ec"}},
		{name: "small rsa skipped", doc: `{"keys":[{"kty":"RSA","n":"` + rfc7638N[:171] + `","e":"AQAB","kid":"small"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ParseJWKS([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseJWKS error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseJWKS: %v", err)
			}
			var kids []string
			for _, k := range set.Keys {
				kids = append(kids, k.KeyID)
			}
			if strings.Join(kids, ",") != strings.Join(tt.wantKids, ",") {
				t.Errorf("kids = %q, want %q", kids, tt.wantKids)
			}
		})
	}
}

func TestParseJWKSLimits(t *testing.T) {
	t.Run("too large", func(t *testing.T) {
		doc := `{"keys":[],"pad":"` + strings.Repeat("a", maxJWKSBytes) + `"}`
		if _, err := ParseJWKS([]byte(doc)); err == nil || !strings.Contains(err.Error(), "too large") {
			t.Fatalf("error = %v, want too large", err)
		}
	})
	t.Run("key count capped", func(t *testing.T) {
		key := `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`
		doc := `{"keys":[` + strings.TrimSuffix(strings.Repeat(key+",", maxJWKSKeys+5), ",") + `]}`
		set, err := ParseJWKS([]byte(doc))
		if err != nil {
			t.Fatalf("ParseJWKS: %v", err)
		}
		if len(set.Keys) != maxJWKSKeys {
			t.Errorf("got %d keys, want %d", len(set.Keys), maxJWKSKeys)
		}
	})
}

func TestJWKSLookup(t *testing.T) {
	a := PublicKey{KeyID: "a", Key: loadKey(t, "p256.pem", "").Public().Key}
	b := PublicKey{KeyID: "b", Key: loadKey(t, "ed25519.pem", "").Public().Key}
	set := &JWKS{Keys: []PublicKey{a, b}}
	tests := []struct {
		kid     string
		want    int
		wantErr error
	}{
		{kid: "a", want: 1},
		{kid: "", want: 2},
		{kid: "c", wantErr: ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run("kid "+tt.kid, func(t *testing.T) {
			keys, err := set.Lookup(context.Background(), tt.kid)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Lookup error = %v, want %v", err, tt.wantErr)
			}
			if len(keys) != tt.want {
				t.Errorf("got %d keys, want %d", len(keys), tt.want)
			}
		})
	}
}

// goldenSet is a set of the testdata keys in a fixed order.
func goldenSet(t *testing.T) *Set {
	t.Helper()
	s, err := NewSet(loadKey(t, "rsa2048.pem", ""),
		loadKey(t, "p256.pem", ""), loadKey(t, "p384.pem", ""), loadKey(t, "ed25519.pem", ""))
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	return s
}

func TestJWKSGolden(t *testing.T) {
	got, err := goldenSet(t).MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	golden := filepath.Join("testdata", "jwks.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("JWK Set document =\n%s\nwant\n%s", got, want)
	}
	parsed, err := ParseJWKS(got)
	if err != nil {
		t.Fatalf("ParseJWKS(own document): %v", err)
	}
	if len(parsed.Keys) != 4 {
		t.Errorf("own document parses to %d keys, want 4", len(parsed.Keys))
	}
	for _, private := range []string{`"d"`, `"p"`, `"q"`, `"dp"`} {
		if bytes.Contains(got, []byte(private)) {
			t.Errorf("published document contains private member %s", private)
		}
	}
}

func TestJWKSMarshalRejectsBadKey(t *testing.T) {
	set := &JWKS{Keys: []PublicKey{{KeyID: "x", Key: []byte("secret")}}}
	if _, err := set.MarshalJSON(); err == nil {
		t.Error("MarshalJSON of a symmetric key succeeded, want an error")
	}
}
