package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/grantry/grantry/storage/redisstore"
)

// redisEnv names the variable that holds the address of the Redis server
// the tests use: scripts/lib.sh start_test_servers sets it.
const redisEnv = "GRANTRY_TEST_REDIS_ADDR"

// redisClient returns a client of the test server. Without one the test is
// skipped, except under CI=true, where it fails.
func redisClient(t testing.TB) *redis.Client {
	t.Helper()
	addr := os.Getenv(redisEnv)
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: under CI=true the Redis tests must run (scripts/lib.sh start_test_servers)", redisEnv)
		}
		t.Skipf("%s is not set: start Redis with scripts/lib.sh start_test_servers", redisEnv)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 32})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// testPrefix returns a key prefix of the test's own, whose keys are
// deleted when the test ends, so that tests share the server and never
// each other's keys.
func testPrefix(t testing.TB, rdb *redis.Client) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "grantry-test-" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background() // t.Context() has ended by now
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return prefix
}

// newStore returns a store of the test's own on the test server.
func newStore(t testing.TB, cfg redisstore.Config) (*redisstore.Store, *redis.Client) {
	t.Helper()
	rdb := redisClient(t)
	if cfg.Prefix == "" {
		cfg.Prefix = testPrefix(t, rdb)
	}
	return redisstore.New(rdb, cfg), rdb
}
