package revocation

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// recStore holds two families: f1 with a rotated record (old) and its
// successor (cur), f2 with one record; and a record without a family.
func recStore(t *testing.T) *memstore.Store {
	t.Helper()
	store := memstore.New()
	later := time.Date(2030, time.March, 4, 6, 0, 0, 0, time.UTC)
	for _, tok := range []*storage.Token{
		{ID: "old", FamilyID: "f1", ClientID: "c1", AccessHash: secret.Digest("old-a"), RefreshHash: secret.Digest("old-r"), ExpiresAt: later, Revoked: true},
		{ID: "cur", FamilyID: "f1", ClientID: "c1", AccessHash: secret.Digest("cur-a"), RefreshHash: secret.Digest("cur-r"), ExpiresAt: later},
		{ID: "other", FamilyID: "f2", ClientID: "c1", AccessHash: secret.Digest("other-a"), ExpiresAt: later},
		{ID: "lone", ClientID: "c1", AccessHash: secret.Digest("lone-a"), ExpiresAt: later},
	} {
		if err := store.CreateToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

var recValues = map[string]string{"old": "old-a", "cur": "cur-a", "other": "other-a", "lone": "lone-a"}

func recLookup(t *testing.T, store *memstore.Store, id string) *storage.Token {
	t.Helper()
	tok, err := store.TokenByAccess(context.Background(), secret.Digest(recValues[id]))
	if err != nil {
		t.Fatalf("TokenByAccess(%s): %v", id, err)
	}
	return tok
}

// recorder returns a Revoked callback that records "id family" or
// "id single".
func recorder(calls *[]string) func(context.Context, *storage.Token, bool) {
	return func(_ context.Context, tok *storage.Token, family bool) {
		s := tok.ID + " single"
		if family {
			s = tok.ID + " family"
		}
		*calls = append(*calls, s)
	}
}

// RFC 7009 §2.1: revoking a refresh token revokes its family; revoking an
// access token revokes its record.
func TestRevokeRecord(t *testing.T) {
	tests := []struct {
		name        string
		id          string
		family      bool
		wantRevoked []string
		wantEvent   string
	}{
		{"family", "cur", true, []string{"old", "cur"}, "cur family"},
		{"single record", "cur", false, []string{"old", "cur"}, "cur single"},
		{"single record leaves its family", "other", false, []string{"old", "other"}, "other single"},
		{"no family revokes the record alone", "lone", true, []string{"old", "lone"}, "lone single"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := recStore(t)
			var calls []string
			e := New(store, Config{Revoked: recorder(&calls)})
			if err := e.revoke(context.Background(), recLookup(t, store, tt.id), tt.family); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			var revoked []string
			for _, id := range []string{"old", "cur", "other", "lone"} {
				if recLookup(t, store, id).Revoked {
					revoked = append(revoked, id)
				}
			}
			if !slices.Equal(revoked, tt.wantRevoked) {
				t.Errorf("revoked records: got %v, want %v", revoked, tt.wantRevoked)
			}
			if want := []string{tt.wantEvent}; !slices.Equal(calls, want) {
				t.Errorf("Revoked calls: got %q, want %q", calls, want)
			}
		})
	}
}

// downStore fails every revocation as an unreachable store does.
type downStore struct{ *memstore.Store }

func (downStore) RevokeFamily(context.Context, string) error { return storage.ErrUnavailable }
func (downStore) RevokeToken(context.Context, string) error  { return storage.ErrUnavailable }

func TestRevokeRecordStoreFailure(t *testing.T) {
	store := recStore(t)
	var calls []string
	e := New(downStore{store}, Config{Revoked: recorder(&calls)})
	for _, family := range []bool{true, false} {
		if err := e.revoke(context.Background(), recLookup(t, store, "cur"), family); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("family %v: got %v, want ErrUnavailable", family, err)
		}
	}
	if recLookup(t, store, "cur").Revoked || len(calls) != 0 {
		t.Errorf("after failures: Revoked %v, %d Revoked calls; want false and none", recLookup(t, store, "cur").Revoked, len(calls))
	}
}
