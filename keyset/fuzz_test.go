package keyset

import (
	"context"
	"testing"
)

func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(rfc7517Set))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := ParseJWKS(data)
		if err != nil {
			return
		}
		for _, k := range set.Keys {
			if checkPublicKey(k.Key) != nil {
				t.Fatalf("parsed an unusable key %T", k.Key)
			}
		}
		// What was parsed can be published and parsed back.
		doc, err := set.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		again, err := ParseJWKS(doc)
		if err != nil || len(again.Keys) != len(set.Keys) {
			t.Fatalf("round trip: %d keys, err %v; want %d", len(again.Keys), err, len(set.Keys))
		}
	})
}

func FuzzParseJWK(f *testing.F) {
	f.Add([]byte(rfc7515ECKey))
	f.Add([]byte(`{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseJWK(data)
		if err != nil {
			return
		}
		if k.ID() == "" || !k.Algorithm().Fits(k.Public().Key) {
			t.Fatalf("parsed key has kid %q alg %q", k.ID(), k.Algorithm())
		}
	})
}

func FuzzVerify(f *testing.F) {
	set := &JWKS{}
	jwks, err := ParseJWKS([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`))
	if err == nil {
		set = jwks
	}
	f.Add("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		v, err := Verify(context.Background(), token, set, AsymmetricAlgorithms())
		if err == nil && v.Header.Algorithm != ES256 {
			t.Fatalf("verified with alg %q and an ES256 key", v.Header.Algorithm)
		}
	})
}

func FuzzMaxAge(f *testing.F) {
	f.Add("public, max-age=300")
	f.Add("no-store")
	f.Add(`max-age="9999999999999999999999"`)
	f.Fuzz(func(t *testing.T, header string) {
		age, ok := maxAge(header)
		if age < 0 || (!ok && age != 0) {
			t.Fatalf("maxAge(%q) = %v, %v", header, age, ok)
		}
	})
}
