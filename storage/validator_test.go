package storage_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var bvNow = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// bvStore holds tokens under raw values the tests present.
func bvStore(t *testing.T) *memstore.Store {
	t.Helper()
	s := memstore.New()
	records := []*storage.Token{
		{ID: "live", FamilyID: "f1", ClientID: "c1", Subject: "alice", GrantType: grantry.GrantAuthorizationCode,
			Scope: grantry.Scope{"profile", "email"}, AccessHash: storage.Digest("live-access"), RefreshHash: storage.Digest("live-refresh"),
			IssuedAt: bvNow.Add(-time.Minute), ExpiresAt: bvNow.Add(time.Hour), RefreshExpiresAt: bvNow.Add(24 * time.Hour)},
		{ID: "expired", ClientID: "c1", AccessHash: storage.Digest("expired-access"), IssuedAt: bvNow.Add(-2 * time.Hour), ExpiresAt: bvNow},
		{ID: "revoked", ClientID: "c1", AccessHash: storage.Digest("revoked-access"), IssuedAt: bvNow, ExpiresAt: bvNow.Add(time.Hour), Revoked: true},
		{ID: "long", ClientID: "c2", AccessHash: storage.Digest(strings.Repeat("L", 300)), IssuedAt: bvNow, ExpiresAt: bvNow.Add(time.Hour)},
		{ID: "norefresh", ClientID: "cc", GrantType: grantry.GrantClientCredentials, AccessHash: storage.Digest("cc-access"),
			IssuedAt: bvNow, ExpiresAt: bvNow.Add(time.Hour)},
	}
	for _, r := range records {
		if err := s.CreateToken(context.Background(), r); err != nil {
			t.Fatalf("CreateToken(%s): %v", r.ID, err)
		}
	}
	return s
}

func TestBearerValidator(t *testing.T) {
	v := storage.NewBearerValidator(bvStore(t), storage.BearerValidatorConfig{
		Issuer: "https://as.test",
		Now:    func() time.Time { return bvNow },
	})
	live := grantry.TokenInfo{
		Active: true, Scope: grantry.Scope{"profile", "email"}, ClientID: "c1", TokenType: "Bearer",
		ExpiresAt: bvNow.Add(time.Hour), IssuedAt: bvNow.Add(-time.Minute), Subject: "alice", Issuer: "https://as.test", JTI: "live",
	}
	tests := []struct {
		name  string
		token string
		want  grantry.TokenInfo
	}{
		{"active access token", "live-access", live},
		{"unknown token", "nope", grantry.TokenInfo{}},
		{"expired token", "expired-access", grantry.TokenInfo{}},
		{"revoked token", "revoked-access", grantry.TokenInfo{}},
		{"a refresh token is no access token", "live-refresh", grantry.TokenInfo{}},
		{"token longer than the stack buffer", strings.Repeat("L", 300), grantry.TokenInfo{
			Active: true, ClientID: "c2", TokenType: "Bearer", ExpiresAt: bvNow.Add(time.Hour), IssuedAt: bvNow, Issuer: "https://as.test", JTI: "long"}},
		{"empty token", "", grantry.TokenInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.ValidateToken(context.Background(), tt.token)
			if err != nil {
				t.Fatalf("ValidateToken: got error %v, want none", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ValidateToken: got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// bvFailingStore is a TokenStore whose lookups fail as an unreachable
// database does.
type bvFailingStore struct{ storage.TokenStore }

func (bvFailingStore) TokenByAccess(context.Context, string) (*storage.Token, error) {
	return nil, fmt.Errorf("dial tcp: connection refused: %w", storage.ErrUnavailable)
}

func TestBearerValidatorStoreFailure(t *testing.T) {
	v := storage.NewBearerValidator(bvFailingStore{}, storage.BearerValidatorConfig{})
	got, err := v.ValidateToken(context.Background(), "live-access")
	if !errors.Is(err, storage.ErrUnavailable) || got.Active {
		t.Errorf("ValidateToken: got (%+v, %v), want an inactive info and an error wrapping ErrUnavailable", got, err)
	}
}

func TestBearerValidatorDefaultClock(t *testing.T) {
	s := memstore.New()
	now := time.Now()
	for _, r := range []*storage.Token{
		{ID: "a", AccessHash: storage.Digest("a"), IssuedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "b", AccessHash: storage.Digest("b"), IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Second)},
	} {
		if err := s.CreateToken(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	v := storage.NewBearerValidator(s, storage.BearerValidatorConfig{})
	for token, want := range map[string]bool{"a": true, "b": false} {
		info, err := v.ValidateToken(context.Background(), token)
		if err != nil || info.Active != want {
			t.Errorf("ValidateToken(%s) with the real clock: got (%+v, %v), want Active %v", token, info, err, want)
		}
	}
}

func TestTokenRefreshInfo(t *testing.T) {
	base := storage.Token{ID: "t", ClientID: "c1", Subject: "alice", Scope: grantry.Scope{"a"},
		RefreshHash: "h", IssuedAt: bvNow.Add(-time.Hour), ExpiresAt: bvNow.Add(-time.Minute)}
	with := func(edit func(*storage.Token)) *storage.Token {
		c := base
		edit(&c)
		return &c
	}
	tests := []struct {
		name string
		tok  *storage.Token
		want grantry.TokenInfo
	}{
		{"refresh outlives its access token", with(func(t *storage.Token) { t.RefreshExpiresAt = bvNow.Add(time.Hour) }), grantry.TokenInfo{
			Active: true, Scope: grantry.Scope{"a"}, ClientID: "c1", TokenType: "refresh_token", ExpiresAt: bvNow.Add(time.Hour),
			IssuedAt: bvNow.Add(-time.Hour), Subject: "alice", Issuer: "iss", JTI: "t"}},
		{"refresh that never expires has no exp", with(func(*storage.Token) {}), grantry.TokenInfo{
			Active: true, Scope: grantry.Scope{"a"}, ClientID: "c1", TokenType: "refresh_token",
			IssuedAt: bvNow.Add(-time.Hour), Subject: "alice", Issuer: "iss", JTI: "t"}},
		{"narrowed access token, wider refresh token", with(func(t *storage.Token) {
			t.Scope, t.RefreshScope = grantry.Scope{"a"}, grantry.Scope{"a", "b"}
		}), grantry.TokenInfo{
			Active: true, Scope: grantry.Scope{"a", "b"}, ClientID: "c1", TokenType: "refresh_token",
			IssuedAt: bvNow.Add(-time.Hour), Subject: "alice", Issuer: "iss", JTI: "t"}},
		{"expired refresh", with(func(t *storage.Token) { t.RefreshExpiresAt = bvNow }), grantry.TokenInfo{}},
		{"revoked record", with(func(t *storage.Token) { t.Revoked = true }), grantry.TokenInfo{}},
		{"no refresh token", with(func(t *storage.Token) { t.RefreshHash = "" }), grantry.TokenInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := grantry.TokenInfo{Username: "stale"}
			tt.tok.RefreshInfo(&got, "iss", bvNow)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTokenAccessInfoWithoutIssuer(t *testing.T) {
	tok := &storage.Token{ID: "t", ClientID: "c", IssuedAt: bvNow, ExpiresAt: bvNow.Add(time.Minute)}
	var got grantry.TokenInfo
	tok.AccessInfo(&got, "", bvNow)
	want := grantry.TokenInfo{Active: true, ClientID: "c", TokenType: "Bearer", IssuedAt: bvNow, ExpiresAt: bvNow.Add(time.Minute), JTI: "t"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestBearerValidatorAllocations holds the validator to one allocation of
// its own per lookup (the digest); the rest are the store's copies.
func TestBearerValidatorAllocations(t *testing.T) {
	v := storage.NewBearerValidator(bvStore(t), storage.BearerValidatorConfig{Now: func() time.Time { return bvNow }})
	ctx := context.Background()
	got := testing.AllocsPerRun(100, func() {
		if info, err := v.ValidateToken(ctx, "cc-access"); err != nil || !info.Active {
			t.Fatalf("ValidateToken: got (%+v, %v), want an active token", info, err)
		}
	})
	// memstore copies the record (one allocation; this token has no
	// scope to copy); the validator adds the digest.
	if got > 2 {
		t.Errorf("got %v allocations per ValidateToken, want at most 2", got)
	}
}
