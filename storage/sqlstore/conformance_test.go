package sqlstore_test

import (
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
	"github.com/grantry/grantry/storage/storagetest"
)

func TestConformance(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storagetest.Store {
				return openStore(t, tc.open(t), tc.d)
			})
		})
	}
}

// TestConformanceClientCache runs the suite with the cache of clients on:
// the store's own changes are seen at once.
func TestConformanceClientCache(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storagetest.Store {
				s := openStore(t, tc.open(t), tc.d)
				s.CacheClients(sqlstore.ClientCache{TTL: time.Hour})
				return s
			})
		})
	}
}

func TestSigningKeysConformance(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.RunSigningKeys(t, func(t *testing.T) storage.SigningKeyStore {
				return openStore(t, tc.open(t), tc.d)
			})
		})
	}
}

func TestSessionsConformance(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.RunSessions(t, func(t *testing.T) storage.SessionStore {
				return openStore(t, tc.open(t), tc.d)
			})
		})
	}
}

func TestLogoutsConformance(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.RunLogouts(t, func(t *testing.T) storagetest.LogoutStore {
				return openStore(t, tc.open(t), tc.d)
			})
		})
	}
}

func TestInitialAccessTokensConformance(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.RunInitialAccessTokens(t, func(t *testing.T) storage.InitialAccessTokenStore {
				return openStore(t, tc.open(t), tc.d)
			})
		})
	}
}

func TestPushedRequestsConformance(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.RunPushedRequests(t, func(t *testing.T) storage.PushedRequestStore {
				return openStore(t, tc.open(t), tc.d)
			})
		})
	}
}

func TestReplayCacheConformance(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.RunReplayCache(t, func(t *testing.T, now func() time.Time) storage.ReplayCache {
				s := openStore(t, tc.open(t), tc.d)
				s.Now = now
				return s
			})
		})
	}
}

func TestDevicesConformance(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.RunDevices(t, func(t *testing.T) storage.DeviceStore {
				return openStore(t, tc.open(t), tc.d)
			})
		})
	}
}
