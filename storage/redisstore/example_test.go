package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/grantry/grantry/storage/redisstore"
)

// The replay cache accepts a JWT ID once, until the JWT expires: a second
// presentation is a replay (RFC 7523 §3).
func ExampleStore_SeenJTI() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	replays := redisstore.New(rdb, redisstore.Config{})

	exp := time.Now().Add(time.Minute) // the assertion's exp, with the verifier's leeway
	for range 2 {
		seen, err := replays.SeenJTI(ctx, "https://client.example 4f1g23a12aa", exp)
		if err != nil {
			log.Fatal(err) // wraps storage.ErrUnavailable when Redis is down
		}
		fmt.Println("replay:", seen)
	}
}
