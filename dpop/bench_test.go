package dpop_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/keyset"
)

// BenchmarkVerify measures the check of an ES256 proof sent with an access
// token, the resource server's case, replay cache included: each
// iteration presents a fresh proof, signed before the timer starts.
func BenchmarkVerify(b *testing.B) {
	k := mustKey(b, keyset.ES256)
	v := dpop.NewVerifier(dpop.Config{Now: func() time.Time { return t0 }})
	proofs := make([]string, b.N)
	for i := range proofs {
		proofs[i] = mustSign(b, k, dpop.ProofClaims{Method: "GET", URI: "https://api.example/r", AccessToken: "tok"})
	}
	r := httptest.NewRequest("GET", "https://api.example/r", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r.Header["Dpop"] = []string{proofs[i]}
		if _, err := v.Verify(b.Context(), r, "https://api.example/r", "tok"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkES256Signature is the floor of BenchmarkVerify on the same
// machine: the ECDSA P-256 signature check alone.
func BenchmarkES256Signature(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("proof"))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
			b.Fatal("signature refused")
		}
	}
}
