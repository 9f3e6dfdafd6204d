package keyset

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
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

// publicJWK returns the public JWK of k as a JSON object with members
// added, replaced or, for a nil value, removed.
func publicJWK(t *testing.T, k *Key, extra map[string]any) string {
	t.Helper()
	doc, err := (&JWKS{Keys: []PublicKey{k.Public()}}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	m := set.Keys[0]
	for name, v := range extra {
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// RFC 7517 §4.3: "key_ops" identifies the operation(s) for which the key is
// intended to be used; "verify" is the operation of checking a signature.
// When "use" and "key_ops" are both present they MUST be consistent. A key
// published only for encryption or key wrapping must not verify an ID
// token or any other JWS (key separation; RFC 8725 §3.12 asks that keys of
// different purposes not be interchangeable). A key_ops that is not an
// array of strings says nothing usable, so the key is not used either.
func TestKeyOps(t *testing.T) {
	k := loadKey(t, "p256.pem", "")
	tok, err := k.SignJWT(map[string]string{"sub": "alice"}, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		extra   map[string]any
		wantErr error
	}{
		{name: "key_ops encrypt only", extra: map[string]any{"use": nil, "key_ops": []string{"encrypt"}}, wantErr: ErrUnknownKey},
		{name: "key_ops wrapKey only", extra: map[string]any{"use": nil, "key_ops": []string{"wrapKey", "unwrapKey"}}, wantErr: ErrUnknownKey},
		{name: "use sig but key_ops deriveKey", extra: map[string]any{"key_ops": []string{"deriveKey"}}, wantErr: ErrUnknownKey},
		{name: "key_ops empty", extra: map[string]any{"key_ops": []string{}}, wantErr: ErrUnknownKey},
		{name: "key_ops a string", extra: map[string]any{"key_ops": "verify"}, wantErr: ErrUnknownKey},
		{name: "key_ops with a number", extra: map[string]any{"key_ops": []any{"verify", 1}}, wantErr: ErrUnknownKey},
		{name: "key_ops in upper case", extra: map[string]any{"key_ops": []string{"VERIFY"}}, wantErr: ErrUnknownKey},
		{name: "key_ops verify", extra: map[string]any{"use": nil, "key_ops": []string{"verify"}}},
		{name: "key_ops sign and verify with use sig", extra: map[string]any{"key_ops": []string{"sign", "verify"}}},
		{name: "no key_ops", extra: map[string]any{"key_ops": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ParseJWKS([]byte(`{"keys":[` + publicJWK(t, k, tt.extra) + `]}`))
			if err != nil {
				t.Fatalf("ParseJWKS: %v", err)
			}
			_, err = Verify(context.Background(), tok, set, []Algorithm{ES256})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify with a key of %v: got error %v, want %v", tt.extra, err, tt.wantErr)
			}
		})
	}
}

// RFC 7517 §5: the keys of a JWK Set are its "keys" member; other members
// "MUST be ignored" when not understood. JSON member names compare as
// code points (RFC 7515 §5.3 via RFC 7517 §5), so "KEYS" or "Keys" is an
// unknown member, not the key list. RFC 7517 §4 and §5 let a parser reject
// a member name given twice.
func TestJWKSMemberNames(t *testing.T) {
	k := loadKey(t, "p256.pem", "")
	jwk := publicJWK(t, k, nil)
	tests := []struct {
		name     string
		doc      string
		wantKeys int
		wantErr  bool
	}{
		{name: "only KEYS", doc: `{"KEYS":[` + jwk + `]}`, wantErr: true},
		{name: "Keys after keys", doc: `{"keys":[],"Keys":[` + jwk + `]}`, wantKeys: 0},
		{name: "keys given twice", doc: `{"keys":[],"keys":[` + jwk + `]}`, wantErr: true},
		{name: "keys", doc: `{"keys":[` + jwk + `]}`, wantKeys: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ParseJWKS([]byte(tt.doc))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseJWKS(%s): got %d keys and no error, want an error", tt.name, len(set.Keys))
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseJWKS: %v", err)
			}
			if len(set.Keys) != tt.wantKeys {
				t.Errorf("ParseJWKS(%s): got %d keys, want %d", tt.name, len(set.Keys), tt.wantKeys)
			}
		})
	}
}

// The members of a JWK compare exactly too (RFC 7517 §4): "KTY" is not the
// key type and "Kid" is not the key ID. Nor is "kid" spelled with the
// Kelvin sign (U+212A) for "k", which encoding/json would fold to "kid".
func TestJWKMemberNames(t *testing.T) {
	k := loadKey(t, "p256.pem", "")
	tests := []struct {
		name    string
		extra   map[string]any
		wantKID string
		wantErr bool // the key is skipped
	}{
		{name: "exact names", extra: map[string]any{"kid": "a"}, wantKID: "a"},
		{name: "Kid without kid", extra: map[string]any{"kid": nil, "Kid": "a"}},
		{name: "kid and KID", extra: map[string]any{"kid": "a", "KID": "b"}, wantKID: "a"},
		{name: "kid with a Kelvin sign", extra: map[string]any{"kid": nil, "\u212aid": "a"}},
		{name: "KTY without kty", extra: map[string]any{"kty": nil, "KTY": "EC"}, wantErr: true},
		{name: "X without x", extra: map[string]any{"x": nil, "X": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"}, wantErr: true},
		{name: "ALG of another key type", extra: map[string]any{"alg": "ES256", "ALG": "RS256"}, wantKID: k.ID()},
		{name: "USE enc beside use sig", extra: map[string]any{"use": "sig", "USE": "enc"}, wantKID: k.ID()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ParseJWKS([]byte(`{"keys":[` + publicJWK(t, k, tt.extra) + `]}`))
			if err != nil {
				t.Fatalf("ParseJWKS: %v", err)
			}
			if tt.wantErr {
				if len(set.Keys) != 0 {
					t.Fatalf("ParseJWKS with %v: got key %+v, want it skipped", tt.extra, set.Keys[0])
				}
				return
			}
			if len(set.Keys) != 1 {
				t.Fatalf("ParseJWKS with %v: got %d keys, want 1", tt.extra, len(set.Keys))
			}
			if got := set.Keys[0]; got.KeyID != tt.wantKID || !got.usableFor(ES256) {
				t.Errorf("ParseJWKS with %v: got kid %q, usable for ES256 %v; want kid %q, usable", tt.extra, got.KeyID, got.usableFor(ES256), tt.wantKID)
			}
		})
	}
}

// RFC 7517 §4: a JWK parser "MUST either reject JWKs with duplicate member
// names or use a JSON parser that returns only the lexically last
// duplicate member name"; this one rejects the key.
func TestJWKMemberGivenTwice(t *testing.T) {
	k := loadKey(t, "p256.pem", "")
	jwk := publicJWK(t, k, map[string]any{"kid": "a"})
	twice := strings.Replace(jwk, `"kid":"a"`, `"kid":"a","kid":"b"`, 1)
	if twice == jwk {
		t.Fatalf("no kid member in %s", jwk)
	}
	set, err := ParseJWKS([]byte(`{"keys":[` + twice + `,` + publicJWK(t, k, map[string]any{"kid": "c"}) + `]}`))
	if err != nil {
		t.Fatalf("ParseJWKS: %v", err)
	}
	if len(set.Keys) != 1 || set.Keys[0].KeyID != "c" {
		t.Errorf("ParseJWKS: got %d keys (%+v), want only the key with kid c", len(set.Keys), set.Keys)
	}
}
