package openid

import (
	"context"
	"testing"
	"time"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// BenchmarkIDToken measures making and signing one ID token, per
// algorithm.
func BenchmarkIDToken(b *testing.B) {
	algs := []keyset.Algorithm{keyset.ES256, keyset.ES384, keyset.EdDSA, keyset.RS256, keyset.PS256}
	client := &storage.Client{ID: "web"}
	for _, alg := range algs {
		key, err := keyset.GenerateKey(alg)
		if err != nil {
			b.Fatal(err)
		}
		set, _ := keyset.NewSet(key)
		p, err := New(Config{Issuer: "https://op.test", Keys: func() *keyset.Set { return set }})
		if err != nil {
			b.Fatal(err)
		}
		in := &idTokenInput{client: client, subject: "alice", issuedAt: time.Unix(1e9, 0), nonce: "n-0S6_WzA2Mj",
			extra: map[string]string{extraAuthTime: "999999000", "sid": "s1"}, accessToken: "SlAV32hkKG"}
		b.Run(string(alg), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := p.idToken(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
