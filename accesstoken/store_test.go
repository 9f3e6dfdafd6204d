package accesstoken_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var now = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// newStore holds tokens under raw values the tests present.
func newStore(t *testing.T) *memstore.Store {
	t.Helper()
	s := memstore.New()
	records := []*storage.Token{
		{ID: "live", FamilyID: "f1", ClientID: "c1", Subject: "alice", GrantType: grantry.GrantAuthorizationCode,
			Scope: grantry.Scope{"profile", "email"}, AccessHash: secret.Digest("live-access"), RefreshHash: secret.Digest("live-refresh"),
			IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour), RefreshExpiresAt: now.Add(24 * time.Hour)},
		{ID: "expired", ClientID: "c1", AccessHash: secret.Digest("expired-access"), IssuedAt: now.Add(-2 * time.Hour), ExpiresAt: now},
		{ID: "revoked", ClientID: "c1", AccessHash: secret.Digest("revoked-access"), IssuedAt: now, ExpiresAt: now.Add(time.Hour), Revoked: true},
		{ID: "long", ClientID: "c2", AccessHash: secret.Digest(strings.Repeat("L", 300)), IssuedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "norefresh", ClientID: "cc", GrantType: grantry.GrantClientCredentials, AccessHash: secret.Digest("cc-access"),
			IssuedAt: now, ExpiresAt: now.Add(time.Hour)},
	}
	for _, r := range records {
		if err := s.CreateToken(context.Background(), r); err != nil {
			t.Fatalf("CreateToken(%s): %v", r.ID, err)
		}
	}
	return s
}

func TestStoreValidator(t *testing.T) {
	v := accesstoken.NewStoreValidator(newStore(t), accesstoken.StoreValidatorConfig{
		Issuer: "https://as.test",
		Now:    func() time.Time { return now },
	})
	live := grantry.TokenInfo{
		Active: true, Scope: grantry.Scope{"profile", "email"}, ClientID: "c1", TokenType: "Bearer",
		ExpiresAt: now.Add(time.Hour), IssuedAt: now.Add(-time.Minute), Subject: "alice", Issuer: "https://as.test", JTI: "live",
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
			Active: true, ClientID: "c2", TokenType: "Bearer", ExpiresAt: now.Add(time.Hour), IssuedAt: now, Issuer: "https://as.test", JTI: "long"}},
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

// downStore is a Store whose lookups fail as an unreachable database does.
type downStore struct{}

func (downStore) TokenByAccess(context.Context, string) (*storage.Token, error) {
	return nil, fmt.Errorf("dial tcp: connection refused: %w", storage.ErrUnavailable)
}

// wrappedNotFound is a Store that wraps ErrNotFound, as a backend may.
type wrappedNotFound struct{}

func (wrappedNotFound) TokenByAccess(context.Context, string) (*storage.Token, error) {
	return nil, fmt.Errorf("tokens: %w", storage.ErrNotFound)
}

func TestStoreValidatorStoreAnswers(t *testing.T) {
	t.Run("store down", func(t *testing.T) {
		v := accesstoken.NewStoreValidator(downStore{}, accesstoken.StoreValidatorConfig{})
		got, err := v.ValidateToken(context.Background(), "live-access")
		if !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("ValidateToken: got error %v, want one wrapping ErrUnavailable", err)
		}
		if got.Active {
			t.Errorf("ValidateToken: got %+v with the error, want an inactive info", got)
		}
	})
	t.Run("wrapped not found", func(t *testing.T) {
		v := accesstoken.NewStoreValidator(wrappedNotFound{}, accesstoken.StoreValidatorConfig{})
		got, err := v.ValidateToken(context.Background(), "x")
		if err != nil || !reflect.DeepEqual(got, grantry.TokenInfo{}) {
			t.Errorf("ValidateToken: got (%+v, %v), want an inactive info and no error", got, err)
		}
	})
}

func TestStoreValidatorDefaultClock(t *testing.T) {
	s := memstore.New()
	now := time.Now()
	for _, r := range []*storage.Token{
		{ID: "a", AccessHash: secret.Digest("a"), IssuedAt: now, ExpiresAt: now.Add(time.Hour)},
		{ID: "b", AccessHash: secret.Digest("b"), IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Second)},
	} {
		if err := s.CreateToken(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	v := accesstoken.NewStoreValidator(s, accesstoken.StoreValidatorConfig{})
	for token, want := range map[string]bool{"a": true, "b": false} {
		info, err := v.ValidateToken(context.Background(), token)
		if err != nil || info.Active != want {
			t.Errorf("ValidateToken(%s) with the real clock: got (%+v, %v), want Active %v", token, info, err, want)
		}
	}
}

// TestStoreValidatorAllocations holds the validator to one allocation of
// its own per lookup (the digest); the rest are the store's copies.
func TestStoreValidatorAllocations(t *testing.T) {
	v := accesstoken.NewStoreValidator(newStore(t), accesstoken.StoreValidatorConfig{Now: func() time.Time { return now }})
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
