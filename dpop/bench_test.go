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

// benchCheck measures Verifier.Verify of fresh ES256 proofs by one client
// key, signed before the timer starts, replay cache included: the token
// endpoint's case without an access token, the resource server's with one
// (and so an ath to check).
func benchCheck(b *testing.B, method, uri, token string) {
	k := mustKey(b, keyset.ES256)
	v := dpop.NewVerifier(dpop.Config{Now: func() time.Time { return t0 }})
	proofs := make([]string, b.N)
	for i := range proofs {
		proofs[i] = mustSign(b, k, dpop.ProofClaims{Method: method, URI: uri, AccessToken: token})
	}
	r := httptest.NewRequest(method, uri, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r.Header["Dpop"] = []string{proofs[i]}
		if _, err := v.Verify(b.Context(), r, uri, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckTokenEndpoint is the check of a proof sent to the token
// endpoint (RFC 9449 §5).
func BenchmarkCheckTokenEndpoint(b *testing.B) { benchCheck(b, "POST", tokenURL, "") }

// BenchmarkCheckResource is the check of a proof sent with a DPoP-bound
// access token to a resource server, ath included (RFC 9449 §7; the
// token is the example of §7.1).
func BenchmarkCheckResource(b *testing.B) {
	benchCheck(b, "GET", "https://api.example/r", "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU")
}

// BenchmarkES256Signature is the floor of the Check benchmarks on the
// same machine: the ECDSA P-256 signature check alone.
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
