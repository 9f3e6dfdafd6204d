package memstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
	"github.com/grantry/grantry/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(*testing.T) storagetest.Store { return memstore.New() })
}

// BenchmarkTokenByAccess measures the lookup every bearer-token request
// makes, from many goroutines at once, in a store of 10,000 tokens.
func BenchmarkTokenByAccess(b *testing.B) {
	const n = 10000
	s := memstore.New()
	base := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = secret.Digest(fmt.Sprint("access-", i))
		err := s.CreateToken(b.Context(), &storage.Token{
			ID:          fmt.Sprint("token-", i),
			FamilyID:    fmt.Sprint("family-", i),
			ClientID:    "client",
			Subject:     "user",
			Scope:       []string{"openid", "profile", "api:read"},
			AccessHash:  hashes[i],
			RefreshHash: secret.Digest(fmt.Sprint("refresh-", i)),
			IssuedAt:    base,
			ExpiresAt:   base.Add(time.Hour),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := b.Context()
		i := 0
		for pb.Next() {
			tok, err := s.TokenByAccess(ctx, hashes[i%n])
			if err != nil || tok.AccessHash != hashes[i%n] {
				b.Errorf("TokenByAccess: got (%v, %v), want token %d", tok, err, i%n)
				return
			}
			i++
		}
	})
}

func TestSigningKeysConformance(t *testing.T) {
	storagetest.RunSigningKeys(t, func(*testing.T) storage.SigningKeyStore { return memstore.New() })
}

func TestSessionsConformance(t *testing.T) {
	storagetest.RunSessions(t, func(*testing.T) storage.SessionStore { return memstore.New() })
}

func TestLogoutsConformance(t *testing.T) {
	storagetest.RunLogouts(t, func(*testing.T) storagetest.LogoutStore { return memstore.New() })
}

func TestInitialAccessTokensConformance(t *testing.T) {
	storagetest.RunInitialAccessTokens(t, func(*testing.T) storage.InitialAccessTokenStore { return memstore.New() })
}

func TestPushedRequestsConformance(t *testing.T) {
	storagetest.RunPushedRequests(t, func(*testing.T) storage.PushedRequestStore { return memstore.New() })
}

func TestReplayCacheConformance(t *testing.T) {
	storagetest.RunReplayCache(t, func(_ *testing.T, now func() time.Time) storage.ReplayCache {
		s := memstore.New()
		s.Now = now
		return s
	})
}

func TestDevicesConformance(t *testing.T) {
	storagetest.RunDevices(t, func(*testing.T) storage.DeviceStore { return memstore.New() })
}
