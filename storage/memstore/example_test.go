package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// An authorization code is stored under its digest and can be consumed
// once; a replay returns the record with ErrCodeUsed, so that the tokens of
// its family can be revoked.
func Example() {
	ctx := context.Background()
	s := memstore.New()
	issued := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

	code := "SplxlOBeZQQYbYS6WxSbIA" // what the client receives (RFC 6749 §4.1.2)
	err := s.CreateAuthorizationCode(ctx, &storage.AuthorizationCode{
		Hash:      secret.Digest(code),
		FamilyID:  "grant-1",
		ClientID:  "s6BhdRkqt3",
		ExpiresAt: issued.Add(time.Minute),
	})
	fmt.Println("stored:", err)

	c, err := s.ConsumeAuthorizationCode(ctx, secret.Digest(code), "s6BhdRkqt3", issued.Add(5*time.Second))
	fmt.Println("first use:", c.ClientID, err)

	c, err = s.ConsumeAuthorizationCode(ctx, secret.Digest(code), "s6BhdRkqt3", issued.Add(9*time.Second))
	fmt.Println("replay:", errors.Is(err, storage.ErrCodeUsed), "family", c.FamilyID, "used at", c.UsedAt.Format(time.TimeOnly))
	// Output:
	// stored: <nil>
	// first use: s6BhdRkqt3 <nil>
	// replay: true family grant-1 used at 05:06:12
}

// Rotating a refresh token revokes the old one; presenting the old one
// again revokes the whole family (RFC 9700 §4.14.2).
func ExampleStore_RotateRefreshToken() {
	ctx := context.Background()
	s := memstore.New()
	first := &storage.Token{
		ID: "t1", FamilyID: "grant-1",
		AccessHash: secret.Digest("access-1"), RefreshHash: secret.Digest("refresh-1"),
	}
	second := &storage.Token{
		ID: "t2", FamilyID: "grant-1",
		AccessHash: secret.Digest("access-2"), RefreshHash: secret.Digest("refresh-2"),
	}
	if err := s.CreateToken(ctx, first); err != nil {
		panic(err)
	}

	fmt.Println("rotate:", s.RotateRefreshToken(ctx, first.RefreshHash, second))

	replay := &storage.Token{ID: "t3", FamilyID: "grant-1", AccessHash: secret.Digest("access-3")}
	err := s.RotateRefreshToken(ctx, first.RefreshHash, replay)
	fmt.Println("reuse detected:", errors.Is(err, storage.ErrRefreshReused))

	t2, _ := s.TokenByAccess(ctx, second.AccessHash)
	fmt.Println("newer token revoked:", t2.Revoked)
	// Output:
	// rotate: <nil>
	// reuse detected: true
	// newer token revoked: true
}
