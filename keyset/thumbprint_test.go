package keyset

import (
	"context"
	"testing"
)

// Key from RFC 7638 §3.1 (also RFC 7517 Appendix A.1).
const rfc7638N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

func TestThumbprintRFCVectors(t *testing.T) {
	tests := []struct {
		name string
		jwk  string
		want string
	}{
		{
			name: "RFC 7638 §3.1 RSA",
			jwk:  `{"kty":"RSA","n":"` + rfc7638N + `","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`,
			want: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
		},
		{
			name: "RFC 8037 A.3 Ed25519",
			jwk:  `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
			want: "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ParseJWKS([]byte(`{"keys":[` + tt.jwk + `]}`))
			if err != nil {
				t.Fatalf("ParseJWKS: %v", err)
			}
			if len(set.Keys) != 1 {
				t.Fatalf("got %d keys, want 1", len(set.Keys))
			}
			got, err := Thumbprint(set.Keys[0].Key)
			if err != nil {
				t.Fatalf("Thumbprint: %v", err)
			}
			if got != tt.want {
				t.Errorf("Thumbprint = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("unsupported key", func(t *testing.T) {
		if _, err := Thumbprint("not a key"); err == nil {
			t.Error("Thumbprint(string) succeeded, want an error")
		}
	})
}

// RFC 7515 Appendix A.3 (ES256) and RFC 8037 Appendix A.4 (Ed25519) are
// signatures made by the RFC authors; they must verify here.
func TestVerifyRFCVectors(t *testing.T) {
	tests := []struct {
		name    string
		jwk     string
		token   string
		alg     Algorithm
		payload string
	}{
		{
			name:    "RFC 7515 A.3 ES256",
			jwk:     `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`,
			token:   "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
			alg:     ES256,
			payload: "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}",
		},
		{
			name:    "RFC 8037 A.4 Ed25519",
			jwk:     `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
			token:   "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg",
			alg:     EdDSA,
			payload: "Example of Ed25519 signing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ParseJWKS([]byte(`{"keys":[` + tt.jwk + `]}`))
			if err != nil {
				t.Fatalf("ParseJWKS: %v", err)
			}
			v, err := Verify(context.Background(), tt.token, set, []Algorithm{tt.alg})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if string(v.Payload) != tt.payload {
				t.Errorf("payload = %q, want %q", v.Payload, tt.payload)
			}
			tampered := tt.token[:len(tt.token)-2] + "AA"
			if _, err := Verify(context.Background(), tampered, set, []Algorithm{tt.alg}); err == nil {
				t.Error("tampered signature verified")
			}
		})
	}
}
