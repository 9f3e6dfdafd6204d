package sqlstore_test

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// tokensOf17 are tokens as schema version 17 stored them: one of the
// client credentials grant (no refresh token, a family of its own), the
// head of a refresh family rotated with a grace period, and the token it
// was rotated to, which joins that family and is bound to a DPoP key.
var tokensOf17 = []struct {
	id, family, access string
	refresh            any // NULL when no refresh token was issued
	revoked            bool
	successor, sealed  any
	grace              any
	jkt                any
}{
	{"cc", "cc", "access-cc", nil, false, nil, nil, nil, nil},
	{"head", "head", "access-head", "refresh-head", true, "next", "sealed-next", int64(5_000_000), nil},
	{"next", "head", "access-next", "refresh-next", false, nil, nil, nil, "jkt-next"},
}

// TestMigrateKeepsTokens upgrades a database of schema version 17 holding
// tokens to the newest (migration 18 keeps SQLite's tokens in the order of
// their ID and indexes only the refresh hashes there are): each token reads
// back by its access and refresh hash with all it had, its keys stay
// taken, and its family can be revoked.
func TestMigrateKeepsTokens(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			applyUpTo(t, db, tc.d, 17)
			for _, tok := range tokensOf17 {
				_, err := db.ExecContext(t.Context(), `INSERT INTO tokens (id, family_id, client_id, subject, grant_type, scope,
					refresh_scope, access_hash, refresh_hash, issued_at, expires_at, refresh_expires_at, revoked, extra, resource,
					refresh_resource, successor_id, successor_sealed, grace_until, jkt)
					VALUES ($1, $2, 'app', 'u1', 'authorization_code', 'openid', NULL, $3, $4, 1000000, 4000000000000000, NULL, $5,
					'{"k":"v"}', '["https://api.example/"]', NULL, $6, $7, $8, $9)`,
					tok.id, tok.family, tok.access, tok.refresh, tok.revoked, tok.successor, tok.sealed, tok.grace, tok.jkt)
				if err != nil {
					t.Fatalf("insert token %s of version 17: %v", tok.id, err)
				}
			}
			s := openStore(t, db, tc.d)
			wantMigrated(t, db)
			t.Run("Read", func(t *testing.T) { checkTokensOf17(t, s) })
			t.Run("KeysTaken", func(t *testing.T) { checkKeysTaken(t, s) })
			t.Run("RevokeFamily", func(t *testing.T) {
				if err := s.RevokeFamily(t.Context(), "head"); err != nil {
					t.Fatalf("RevokeFamily: got error %v, want nil", err)
				}
				if got, err := s.TokenByAccess(t.Context(), "access-next"); err != nil || !got.Revoked {
					t.Errorf("token of the revoked family: got (%+v, %v), want it revoked", got, err)
				}
				if got, err := s.TokenByAccess(t.Context(), "access-cc"); err != nil || got.Revoked {
					t.Errorf("token of another family: got (%+v, %v), want it not revoked", got, err)
				}
			})
		})
	}
}

func checkTokensOf17(t *testing.T, s storage.TokenStore) {
	for _, want := range tokensOf17 {
		t.Run(want.id, func(t *testing.T) {
			got, err := s.TokenByAccess(t.Context(), want.access)
			if err != nil {
				t.Fatalf("TokenByAccess: got error %v, want nil", err)
			}
			refresh, _ := want.refresh.(string)
			successor, _ := want.successor.(string)
			sealed, _ := want.sealed.(string)
			jkt, _ := want.jkt.(string)
			var grace time.Time
			if g, ok := want.grace.(int64); ok {
				grace = time.UnixMicro(g).UTC()
			}
			if got.ID != want.id || got.FamilyID != want.family || got.RefreshHash != refresh || got.Revoked != want.revoked ||
				got.Successor != successor || got.SealedSuccessor != sealed || !got.GraceUntil.Equal(grace) || got.JKT != jkt ||
				got.Extra["k"] != "v" || len(got.Resource) != 1 || got.ClientID != "app" || got.Subject != "u1" {
				t.Errorf("TokenByAccess(%s): got %+v, want the token stored before the upgrade", want.access, got)
			}
			if refresh == "" {
				return
			}
			if byRefresh, err := s.TokenByRefresh(t.Context(), refresh); err != nil || byRefresh.ID != want.id {
				t.Errorf("TokenByRefresh(%s): got (%+v, %v), want token %s", refresh, byRefresh, err, want.id)
			}
		})
	}
}

func checkKeysTaken(t *testing.T, s storage.TokenStore) {
	now := time.Now()
	tests := []struct {
		name    string
		tok     storage.Token
		wantErr error
	}{
		{"ID", storage.Token{ID: "cc", FamilyID: "cc", AccessHash: "access-new-1"}, storage.ErrExists},
		{"AccessHash", storage.Token{ID: "new-2", FamilyID: "new-2", AccessHash: "access-head"}, storage.ErrExists},
		{"RefreshHash", storage.Token{ID: "new-3", FamilyID: "head", AccessHash: "access-new-3", RefreshHash: "refresh-next"}, storage.ErrExists},
		{"NoRefreshHash", storage.Token{ID: "new-4", FamilyID: "new-4", AccessHash: "access-new-4"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.tok
			tok.ClientID, tok.IssuedAt, tok.ExpiresAt = "app", now, now.Add(time.Hour)
			if err := s.CreateToken(t.Context(), &tok); !errors.Is(err, tc.wantErr) {
				t.Errorf("CreateToken: got error %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// TestMigrateHashesByID upgrades a database of schema version 18 holding
// tokens with hashes of each form to the newest (migration 19 finds a hash
// with its token's own ID in front by the primary key, and indexes the
// others only): each token reads back by its hashes, its hashes stay
// taken, and the hash indexes hold the other hashes alone.
func TestMigrateHashesByID(t *testing.T) {
	ownID, strangerID := secret.OrderedID(time.Now()), secret.OrderedID(time.Now())
	own, other := secret.Digest(secret.TokenWithID(ownID)), secret.Digest(secret.TokenWithID(ownID))
	tokens := []struct{ id, access, refresh string }{
		{ownID, own, secret.Digest(secret.TokenWithID(ownID))},
		{strangerID, other, secret.Digest(secret.TokenWithID(ownID))},
		{"plain", secret.Digest("access-plain"), secret.Digest("refresh-plain")},
	}
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			applyUpTo(t, db, tc.d, 18)
			for _, tok := range tokens {
				_, err := db.ExecContext(t.Context(), `INSERT INTO tokens (id, family_id, client_id, subject, grant_type,
					scope, access_hash, refresh_hash, issued_at, expires_at) VALUES ($1, $1, 'app', 'u1',
					'authorization_code', 'openid', $2, $3, 1000000, 4000000000000000)`, tok.id, tok.access, tok.refresh)
				if err != nil {
					t.Fatalf("insert token %s of version 18: %v", tok.id, err)
				}
			}
			s := openStore(t, db, tc.d)
			wantMigrated(t, db)
			for _, tok := range tokens {
				if got, err := s.TokenByAccess(t.Context(), tok.access); err != nil || got.ID != tok.id {
					t.Errorf("TokenByAccess(%s): got (%+v, %v), want token %s", tok.access, got, err, tok.id)
				}
				if got, err := s.TokenByRefresh(t.Context(), tok.refresh); err != nil || got.ID != tok.id {
					t.Errorf("TokenByRefresh(%s): got (%+v, %v), want token %s", tok.refresh, got, err, tok.id)
				}
				dup := &storage.Token{ID: secret.OrderedID(time.Now()), ClientID: "app", AccessHash: tok.access,
					IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
				dup.FamilyID = dup.ID
				if err := s.CreateToken(t.Context(), dup); !errors.Is(err, storage.ErrExists) {
					t.Errorf("CreateToken with the access hash of %s: got error %v, want ErrExists", tok.id, err)
				}
			}
			for _, index := range []string{"tokens_access_hash", "tokens_refresh_hash"} {
				if got := indexedTokens(t, db, tc.d, index); got != 2 {
					t.Errorf("entries of %s: got %d, want 2 (the hashes without their own ID in front)", index, got)
				}
			}
		})
	}
}

// indexedTokens counts the entries of a hash index of the tokens, as the
// database's statistics give them.
func indexedTokens(t *testing.T, db *sql.DB, d sqlstore.Dialect, index string) int {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), `ANALYZE tokens`); err != nil {
		t.Fatal(err)
	}
	query := `SELECT stat FROM sqlite_stat1 WHERE idx = $1`
	if d == sqlstore.Postgres {
		query = `SELECT reltuples::bigint::text FROM pg_class WHERE relname = $1`
	}
	var stat string
	if err := db.QueryRowContext(t.Context(), query, index).Scan(&stat); err != nil {
		t.Fatalf("statistics of %s: %v", index, err)
	}
	n, err := strconv.Atoi(strings.Fields(stat)[0])
	if err != nil {
		t.Fatalf("statistics of %s: %q", index, stat)
	}
	return n
}
