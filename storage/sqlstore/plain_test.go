package sqlstore

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// TestPlainInsertSameRow checks that a token stored by insertPlainHead
// gets the row insertFamilyHead would have stored: every column it leaves
// out holds at its default what the full insert would have put there.
func TestPlainInsertSameRow(t *testing.T) {
	db, err := sql.Open("sqlite", SQLiteDSN(filepath.Join(t.TempDir(), "grantry.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := Open(t.Context(), db, SQLite)
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name string
		edit func(*storage.Token)
	}{
		{"client credentials", func(*storage.Token) {}},
		{"refresh token", func(tok *storage.Token) {
			tok.RefreshHash = secret.Digest(secret.TokenWithID(tok.ID))
			tok.RefreshExpiresAt = issued.Add(24 * time.Hour)
		}},
		{"empty resources, extra values and scope", func(tok *storage.Token) {
			tok.Resource, tok.Extra, tok.Scope = []string{}, map[string]string{}, grantry.Scope{}
		}},
		{"subject", func(tok *storage.Token) { tok.Subject = "alice" }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := make([][]any, 2)
			for j := range rows {
				id := secret.OrderedID(issued.Add(time.Duration(2*i+j) * time.Microsecond))
				tok := &storage.Token{
					ID: id, FamilyID: id, ClientID: "svc", GrantType: grantry.GrantClientCredentials,
					Scope: grantry.Scope{"api"}, AccessHash: secret.Digest(secret.TokenWithID(id)),
					IssuedAt: issued, ExpiresAt: issued.Add(time.Hour),
				}
				tc.edit(tok)
				if !isPlain(tok) {
					t.Fatalf("isPlain(%+v): got false, want true", tok)
				}
				if j == 0 {
					err = s.CreateToken(t.Context(), tok)
				} else {
					args, aerr := tokenArgs(tok)
					if aerr != nil {
						t.Fatal(aerr)
					}
					_, err = db.ExecContext(t.Context(), insertFamilyHead, args...)
				}
				if err != nil {
					t.Fatalf("insert %d: %v", j, err)
				}
				rows[j] = tokenRow(t, db, id)
			}
			if !reflect.DeepEqual(rows[0], rows[1]) {
				t.Errorf("row of the plain insert:\n got %v\nwant %v (the full insert's)", rows[0], rows[1])
			}
		})
	}
}

// tokenRow returns the columns of the token id that do not name it (its
// ID, family and hashes), as SQLite gives them.
func tokenRow(t *testing.T, db *sql.DB, id string) []any {
	t.Helper()
	const cols = `client_id, subject, grant_type, scope, refresh_scope, typeof(refresh_hash), issued_at,
		expires_at, refresh_expires_at, revoked, extra, resource, refresh_resource, successor_id,
		successor_sealed, grace_until, jkt`
	row := make([]any, 17)
	ptrs := make([]any, len(row))
	for i := range row {
		ptrs[i] = &row[i]
	}
	if err := db.QueryRowContext(t.Context(), "SELECT "+cols+" FROM tokens WHERE id = $1", id).Scan(ptrs...); err != nil {
		t.Fatalf("read token %s: %v", id, err)
	}
	for i, v := range row {
		if b, ok := v.([]byte); ok {
			row[i] = fmt.Sprintf("%q", b)
		}
	}
	return row
}
