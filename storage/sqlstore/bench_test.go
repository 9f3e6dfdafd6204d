package sqlstore_test

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
	"github.com/grantry/grantry/storage/sqlstore"
	"github.com/grantry/grantry/storage/storagetest"
)

// BenchmarkTokenClientCredentials measures the token endpoint with the
// client credentials grant, from many goroutines at once: one client
// lookup and one token insert per request, on each backend.
func BenchmarkTokenClientCredentials(b *testing.B) {
	backends := []struct {
		name string
		open func(b *testing.B) storagetest.Store
	}{
		{"memstore", func(*testing.B) storagetest.Store { return memstore.New() }},
		{"SQLite", func(b *testing.B) storagetest.Store { return openStore(b, openSQLite(b), sqlstore.SQLite) }},
		{"Postgres", func(b *testing.B) storagetest.Store { return openStore(b, openPostgres(b), sqlstore.Postgres) }},
	}
	for _, bc := range backends {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.open(b)
			srv, secret := clientCredentialsServer(b, s, s, io.Discard)
			benchmarkToken(b, func() int { return tokenRequest(srv, "svc", secret).Code })
		})
	}
}

// BenchmarkTokenArgon2idSecret measures the token endpoint for a client
// whose imported secret is hashed with argon2id, on SQLite, with and
// without a secret.Cache in the server (authserver.Config.SecretCache).
func BenchmarkTokenArgon2idSecret(b *testing.B) {
	for _, cached := range []bool{false, true} {
		name := "uncached"
		if cached {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			s := openStore(b, openSQLite(b), sqlstore.SQLite)
			err := s.CreateClient(b.Context(), &storage.Client{
				ID: "legacy", SecretHash: secret.HashPassword("legacy-password-123"),
				GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
				Scope:      grantry.Scope{"api:read"},
			})
			if err != nil {
				b.Fatal(err)
			}
			var cache *secret.Cache
			if cached {
				cache = secret.NewCache(secret.CacheConfig{})
			}
			srv := newServer(b, s, s, cache, io.Discard)
			benchmarkToken(b, func() int { return tokenRequest(srv, "legacy", "legacy-password-123").Code })
		})
	}
}

func benchmarkToken(b *testing.B, request func() int) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if code := request(); code != http.StatusOK {
				b.Errorf("token request: got status %d, want 200", code)
				return
			}
		}
	})
}

// BenchmarkSeenJTI measures the replay check of one JWT ID, a new one
// each time, from many goroutines at once, on each backend.
func BenchmarkSeenJTI(b *testing.B) {
	backends := []struct {
		name string
		open func(b *testing.B) storage.ReplayCache
	}{
		{"memstore", func(*testing.B) storage.ReplayCache { return memstore.New() }},
		{"SQLite", func(b *testing.B) storage.ReplayCache { return openStore(b, openSQLite(b), sqlstore.SQLite) }},
		{"Postgres", func(b *testing.B) storage.ReplayCache { return openStore(b, openPostgres(b), sqlstore.Postgres) }},
	}
	for _, bc := range backends {
		b.Run(bc.name, func(b *testing.B) {
			c := bc.open(b)
			exp := time.Now().Add(time.Hour)
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					seen, err := c.SeenJTI(b.Context(), fmt.Sprint("jti-", n.Add(1)), exp)
					if err != nil || seen {
						b.Errorf("SeenJTI: got (%t, %v), want (false, nil)", seen, err)
						return
					}
				}
			})
		})
	}
}
