package authserver_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// rvServer holds two families: f1 with a rotated record (old) and its
// successor (cur), f2 with one record; and a record without a family.
// wrap, when not nil, puts a TokenStore around the memstore.
func rvServer(t *testing.T, wrap func(*memstore.Store) storage.TokenStore, rec *evRecorder) (*authserver.Server, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	later := evNow.Add(time.Hour)
	for _, tok := range []*storage.Token{
		{ID: "old", FamilyID: "f1", ClientID: "c1", AccessHash: secret.Digest("old-a"), RefreshHash: secret.Digest("old-r"), ExpiresAt: later, Revoked: true},
		{ID: "cur", FamilyID: "f1", ClientID: "c1", AccessHash: secret.Digest("cur-a"), RefreshHash: secret.Digest("cur-r"), ExpiresAt: later},
		{ID: "other", FamilyID: "f2", ClientID: "c1", AccessHash: secret.Digest("other-a"), ExpiresAt: later},
		{ID: "lone", ClientID: "c1", AccessHash: secret.Digest("lone-a"), ExpiresAt: later},
		// A token whose access value is another record's refresh value
		// cannot be issued, but shows which lookup comes first.
		{ID: "clash", FamilyID: "f3", ClientID: "c1", AccessHash: secret.Digest("cur-r"), ExpiresAt: later},
	} {
		if err := store.CreateToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	var tokens storage.TokenStore = store
	if wrap != nil {
		tokens = wrap(store)
	}
	var events authserver.Events
	if rec != nil {
		events = rec.events()
	}
	srv, err := authserver.New(authserver.Config{Clients: store, Tokens: tokens, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return srv, store
}

// TestFindToken: the hint orders the lookups but is not trusted
// (RFC 7009 §2.1, RFC 7662 §2.1).
func TestFindToken(t *testing.T) {
	srv, _ := rvServer(t, nil, nil)
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
			tok, refresh, err := srv.FindToken(context.Background(), tt.token, tt.hint)
			if err != nil {
				t.Fatalf("FindToken: %v", err)
			}
			if tok.ID != tt.wantID || refresh != tt.wantRefresh {
				t.Errorf("got (%s, refresh %v), want (%s, refresh %v)", tok.ID, refresh, tt.wantID, tt.wantRefresh)
			}
		})
	}
	for _, hint := range []string{"", grantry.HintAccessToken, grantry.HintRefreshToken} {
		if _, _, err := srv.FindToken(context.Background(), "nope", hint); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("FindToken(unknown, %q): got %v, want ErrNotFound", hint, err)
		}
	}
}

// rvDownStore fails every refresh lookup as an unreachable store does.
type rvDownStore struct{ *memstore.Store }

func (rvDownStore) TokenByRefresh(context.Context, string) (*storage.Token, error) {
	return nil, storage.ErrUnavailable
}

func (rvDownStore) RevokeFamily(context.Context, string) error { return storage.ErrUnavailable }

func rvDown(s *memstore.Store) storage.TokenStore { return rvDownStore{s} }

func TestFindTokenStoreFailure(t *testing.T) {
	srv, _ := rvServer(t, rvDown, nil)
	if _, _, err := srv.FindToken(context.Background(), "lone-a", ""); err != nil {
		t.Errorf("access lookup that succeeds first: got %v, want no error", err)
	}
	if _, _, err := srv.FindToken(context.Background(), "nope", ""); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("failing second lookup: got %v, want ErrUnavailable, not ErrNotFound", err)
	}
}

func TestRevokeToken(t *testing.T) {
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
			rec := &evRecorder{}
			srv, store := rvServer(t, nil, rec)
			tok := rvLookup(t, store, tt.id)
			if err := srv.RevokeToken(context.Background(), tok, tt.family); err != nil {
				t.Fatalf("RevokeToken: %v", err)
			}
			if !tok.Revoked {
				t.Error("tok.Revoked not set")
			}
			var revoked []string
			for _, id := range []string{"old", "cur", "other", "lone", "clash"} {
				if rvLookup(t, store, id).Revoked {
					revoked = append(revoked, id)
				}
			}
			if !slices.Equal(revoked, tt.wantRevoked) {
				t.Errorf("revoked records: got %v, want %v", revoked, tt.wantRevoked)
			}
			if want := []string{tt.wantEvent}; !slices.Equal(rec.revoked, want) {
				t.Errorf("TokenRevoked calls: got %q, want %q", rec.revoked, want)
			}
		})
	}
}

func TestRevokeTokenStoreFailure(t *testing.T) {
	rec := &evRecorder{}
	srv, store := rvServer(t, rvDown, rec)
	tok := rvLookup(t, store, "cur")
	if err := srv.RevokeToken(context.Background(), tok, true); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	if tok.Revoked || len(rec.revoked) != 0 {
		t.Errorf("after a failure: Revoked %v, %d TokenRevoked calls; want false and none", tok.Revoked, len(rec.revoked))
	}
}

var rvValues = map[string]string{"old": "old-a", "cur": "cur-a", "other": "other-a", "lone": "lone-a", "clash": "cur-r"}

func rvLookup(t *testing.T, store *memstore.Store, id string) *storage.Token {
	t.Helper()
	tok, err := store.TokenByAccess(context.Background(), secret.Digest(rvValues[id]))
	if err != nil {
		t.Fatalf("TokenByAccess(%s): %v", id, err)
	}
	return tok
}
