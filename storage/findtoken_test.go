package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// rvStore holds a rotated record (old) and its successor (cur), a lone
// record, and a record whose access value is cur's refresh value.
func rvStore(t *testing.T) *memstore.Store {
	t.Helper()
	store := memstore.New()
	later := time.Date(2030, time.March, 4, 6, 0, 0, 0, time.UTC)
	for _, tok := range []*storage.Token{
		{ID: "old", FamilyID: "f1", ClientID: "c1", AccessHash: secret.Digest("old-a"), RefreshHash: secret.Digest("old-r"), ExpiresAt: later, Revoked: true},
		{ID: "cur", FamilyID: "f1", ClientID: "c1", AccessHash: secret.Digest("cur-a"), RefreshHash: secret.Digest("cur-r"), ExpiresAt: later},
		{ID: "lone", ClientID: "c1", AccessHash: secret.Digest("lone-a"), ExpiresAt: later},
		// A token whose access value is another record's refresh value
		// cannot be issued, but shows which lookup comes first.
		{ID: "clash", FamilyID: "f3", ClientID: "c1", AccessHash: secret.Digest("cur-r"), ExpiresAt: later},
	} {
		if err := store.CreateToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

// TestFindToken: the hint orders the lookups but is not trusted
// (RFC 7009 §2.1, RFC 7662 §2.1).
func TestFindToken(t *testing.T) {
	tokens := rvStore(t)
	tests := []struct {
		name, token, hint string
		wantID            string
		wantRefresh       bool
	}{
		{"access, no hint", "lone-a", "", "lone", false},
		{"access, right hint", "lone-a", grantry.HintAccessToken, "lone", false},
		{"access, wrong hint", "lone-a", grantry.HintRefreshToken, "lone", false},
		{"refresh, no hint", "old-r", "", "old", true},
		{"refresh, right hint", "old-r", grantry.HintRefreshToken, "old", true},
		{"refresh, wrong hint", "old-r", grantry.HintAccessToken, "old", true},
		{"unknown hint is ignored", "old-r", "id_token", "old", true},
		{"access looked up first without a hint", "cur-r", "", "clash", false},
		{"refresh looked up first with its hint", "cur-r", grantry.HintRefreshToken, "cur", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, refresh, err := storage.FindToken(context.Background(), tokens, tt.token, tt.hint)
			if err != nil {
				t.Fatalf("FindToken: %v", err)
			}
			if tok.ID != tt.wantID || refresh != tt.wantRefresh {
				t.Errorf("got (%s, refresh %v), want (%s, refresh %v)", tok.ID, refresh, tt.wantID, tt.wantRefresh)
			}
		})
	}
	for _, hint := range []string{"", grantry.HintAccessToken, grantry.HintRefreshToken} {
		if _, _, err := storage.FindToken(context.Background(), tokens, "nope", hint); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("FindToken(unknown, %q): got %v, want ErrNotFound", hint, err)
		}
	}
}

// rvDownStore fails every refresh lookup as an unreachable store does.
type rvDownStore struct{ *memstore.Store }

func (rvDownStore) TokenByRefresh(context.Context, string) (*storage.Token, error) {
	return nil, storage.ErrUnavailable
}

func TestFindTokenStoreFailure(t *testing.T) {
	tokens := rvDownStore{rvStore(t)}
	if _, _, err := storage.FindToken(context.Background(), tokens, "lone-a", ""); err != nil {
		t.Errorf("access lookup that succeeds first: got %v, want no error", err)
	}
	if _, _, err := storage.FindToken(context.Background(), tokens, "nope", ""); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("failing second lookup: got %v, want ErrUnavailable, not ErrNotFound", err)
	}
}
