package redisstore_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/redisstore"
	"github.com/grantry/grantry/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.RunCodes(t, func(t *testing.T) storage.CodeStore {
		s, _ := newStore(t, redisstore.Config{})
		return s
	})
}

func TestReplayCacheConformance(t *testing.T) {
	storagetest.RunReplayCache(t, func(t *testing.T, now func() time.Time) storage.ReplayCache {
		s, _ := newStore(t, redisstore.Config{Now: now})
		return s
	})
}

var issued = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

func testCode(name string) *storage.AuthorizationCode {
	return &storage.AuthorizationCode{
		Hash:      secret.Digest("code-" + name),
		FamilyID:  "family-" + name,
		ClientID:  "client",
		CreatedAt: issued,
		ExpiresAt: issued.Add(5 * time.Minute),
	}
}

// TestCodeTTL checks that a code's key lives until the code expires plus
// the retention, counted from the injected clock, and no longer.
func TestCodeTTL(t *testing.T) {
	tests := []struct {
		name      string
		now       time.Time
		retention time.Duration
		want      time.Duration
	}{
		{"default-retention", issued, 0, 5*time.Minute + redisstore.DefaultRetention},
		{"short-retention", issued.Add(4 * time.Minute), 30 * time.Second, 90 * time.Second},
		{"expired-long-ago", issued.Add(24 * time.Hour), time.Minute, time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := testPrefix(t, redisClient(t))
			s, rdb := newStore(t, redisstore.Config{Prefix: prefix, Retention: tc.retention, Now: func() time.Time { return tc.now }})
			code := testCode(tc.name)
			if err := s.CreateAuthorizationCode(t.Context(), code); err != nil {
				t.Fatalf("CreateAuthorizationCode: got error %v, want nil", err)
			}
			ttl, err := rdb.PTTL(t.Context(), prefix+"code:"+code.Hash).Result()
			if err != nil {
				t.Fatalf("PTTL: %v", err)
			}
			// go-redis reports a key without expiry as -1 ns and a key gone
			// as -2 ns: a millisecond may have run out by now.
			lapsed := (ttl == 0 || ttl == -2) && tc.want <= time.Millisecond
			if !lapsed && (ttl <= 0 || ttl > tc.want || ttl < tc.want-time.Second) {
				t.Errorf("time to live: got %v, want %v", ttl, tc.want)
			}
		})
	}
}

// TestCodeKeyHoldsNoCode checks that the code itself appears neither in
// the key nor in the value Redis holds.
func TestCodeKeyHoldsNoCode(t *testing.T) {
	s, rdb := newStore(t, redisstore.Config{})
	raw := secret.Token()
	code := testCode("x")
	code.Hash = secret.Digest(raw)
	if err := s.CreateAuthorizationCode(t.Context(), code); err != nil {
		t.Fatalf("CreateAuthorizationCode: got error %v, want nil", err)
	}
	if _, err := s.ConsumeAuthorizationCode(t.Context(), code.Hash, code.ClientID, issued.Add(time.Second)); err != nil {
		t.Fatalf("ConsumeAuthorizationCode: got error %v, want nil", err)
	}
	keys, err := rdb.Keys(t.Context(), "*").Result()
	if err != nil {
		t.Fatalf("KEYS: %v", err)
	}
	for _, k := range keys {
		if strings.Contains(k, raw) {
			t.Errorf("key %q holds the code", k)
		}
		if typ := rdb.Type(t.Context(), k).Val(); typ != "hash" {
			continue
		}
		for f, v := range rdb.HGetAll(t.Context(), k).Val() {
			if strings.Contains(v, raw) {
				t.Errorf("field %s of %q holds the code", f, k)
			}
		}
	}
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestUnavailable checks that every operation reports an unreachable or
// closed Redis as storage.ErrUnavailable, so that the server answers 503.
func TestUnavailable(t *testing.T) {
	unreachable := redis.NewClient(&redis.Options{Addr: deadAddr(t), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { unreachable.Close() })
	closed := redis.NewClient(&redis.Options{Addr: deadAddr(t)})
	closed.Close()
	clients := []struct {
		name string
		rdb  *redis.Client
	}{
		{"unreachable", unreachable},
		{"closed", closed},
	}
	for _, c := range clients {
		s := redisstore.New(c.rdb, redisstore.Config{})
		ops := []struct {
			name string
			call func() error
		}{
			{"CreateAuthorizationCode", func() error { return s.CreateAuthorizationCode(t.Context(), testCode("a")) }},
			{"ConsumeAuthorizationCode", func() error {
				_, err := s.ConsumeAuthorizationCode(t.Context(), testCode("a").Hash, testCode("a").ClientID, issued)
				return err
			}},
			{"SeenJTI", func() error {
				_, err := s.SeenJTI(t.Context(), "jti", issued)
				return err
			}},
		}
		for _, op := range ops {
			t.Run(c.name+"/"+op.name, func(t *testing.T) {
				if err := op.call(); !errors.Is(err, storage.ErrUnavailable) {
					t.Errorf("got error %v, want one wrapping storage.ErrUnavailable", err)
				}
			})
		}
	}
}

func TestPushedRequestsConformance(t *testing.T) {
	storagetest.RunPushedRequests(t, func(t *testing.T) storage.PushedRequestStore {
		s, _ := newStore(t, redisstore.Config{})
		return s
	})
}

// TestPushedTTL checks that a pushed request's key expires with the
// request, counted from the injected clock.
func TestPushedTTL(t *testing.T) {
	prefix := testPrefix(t, redisClient(t))
	s, rdb := newStore(t, redisstore.Config{Prefix: prefix, Now: func() time.Time { return issued }})
	p := &storage.PushedRequest{Hash: secret.Digest("urn:ietf:params:oauth:request_uri:x"), ClientID: "c",
		Params: map[string]string{"response_type": "code"}, CreatedAt: issued, ExpiresAt: issued.Add(time.Minute)}
	if err := s.SavePushedRequest(t.Context(), p); err != nil {
		t.Fatalf("SavePushedRequest: %v", err)
	}
	ttl, err := rdb.PTTL(t.Context(), prefix+"par:"+p.Hash).Result()
	if err != nil {
		t.Fatalf("PTTL: %v", err)
	}
	if ttl <= 0 || ttl > time.Minute || ttl < time.Minute-time.Second {
		t.Errorf("time to live: got %v, want %v", ttl, time.Minute)
	}
}

func TestDevicesConformance(t *testing.T) {
	storagetest.RunDevices(t, func(t *testing.T) storage.DeviceStore {
		s, _ := newStore(t, redisstore.Config{})
		return s
	})
}
