package dpop

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestScanClaims(t *testing.T) {
	tests := []struct {
		name string
		data string
		ok   bool // read by scanClaims, not left to encoding/json
	}{
		{"proof", `{"jti":"a-1","htm":"POST","htu":"https://as.example/token","iat":1700000000}`, true},
		{"with ath and nonce", `{"jti":"a","htm":"GET","htu":"https://x/","iat":1.5e9,"ath":"h","nonce":"n"}`, true},
		{"spaces", " \t\n{ \"jti\" : \"a\" ,\r\"iat\":-0.5E+3 } \n", true},
		{"other members", `{"x":"y","n":-12.5e-1,"t":true,"f":false,"z":null,"jti":"a"}`, true},
		{"empty object", `{}`, true},
		{"last of two jti", `{"jti":"a","jti":"b"}`, true},
		{"escape", `{"jti":"a\"b"}`, false},
		{"non-ASCII", `{"jti":"é"}`, false},
		{"control character", "{\"jti\":\"a\tb\"}", false},
		{"nested object", `{"cnf":{"jkt":"x"}}`, false},
		{"array", `{"aud":["a"]}`, false},
		{"null claim", `{"jti":null}`, false},
		{"number as jti", `{"jti":5}`, false},
		{"string as iat", `{"iat":"1"}`, false},
		{"claim in upper case", `{"JTI":"a"}`, false},
		{"claim in mixed case", `{"Nonce":"a"}`, false},
		{"leading zero", `{"iat":01}`, false},
		{"bare minus", `{"iat":-}`, false},
		{"no exponent digits", `{"iat":1e}`, false},
		{"no fraction digits", `{"iat":1.}`, false},
		{"trailing comma", `{"jti":"a",}`, false},
		{"trailing data", `{"jti":"a"}x`, false},
		{"two objects", `{}{}`, false},
		{"unterminated", `{"jti":"a"`, false},
		{"not an object", `["jti"]`, false},
		{"null", `null`, false},
		{"bad literal", `{"x":nul}`, false},
		{"empty", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := scanClaims([]byte(tt.data))
			if ok != tt.ok {
				t.Fatalf("scanClaims(%s): got ok %v, want %v", tt.data, ok, tt.ok)
			}
			if ok {
				checkSameClaims(t, []byte(tt.data), got)
			}
		})
	}
}

// checkSameClaims fails unless json.Unmarshal decodes data as got.
func checkSameClaims(t *testing.T, data []byte, got *claims) {
	t.Helper()
	var want claims
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("scanClaims read %q, which json.Unmarshal refuses: %v", data, err)
	}
	if got.JTI != want.JTI || got.HTM != want.HTM || got.HTU != want.HTU || !bytes.Equal(got.IAT, want.IAT) ||
		!sameString(got.ATH, want.ATH) || !sameString(got.Nonce, want.Nonce) {
		t.Errorf("scanClaims(%q): got %+v, want %+v as json.Unmarshal decodes it", data, *got, want)
	}
}

func sameString(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// FuzzDecodeClaims checks that the claims scanner agrees with
// encoding/json on whatever it reads, and that decodeClaims never panics.
func FuzzDecodeClaims(f *testing.F) {
	for _, s := range []string{
		`{"jti":"a","htm":"POST","htu":"https://as.example/token","iat":1700000000}`,
		`{"jti":"a","ath":"x","nonce":"n","iat":1.5e9,"extra":[1,{"a":null}]}`,
		`{"JTI":"a","jti":"b","iat":"1"}`, `{"jti":"\u0041"}`, `{"x":true,"y":false,"z":null}`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, ok := scanClaims(data); ok {
			checkSameClaims(t, data, c)
		}
		c, err := decodeClaims(data)
		if (err == nil) != (c != nil) {
			t.Errorf("decodeClaims(%q): got %v, %v, want claims or an error", data, c, err)
		}
	})
}
