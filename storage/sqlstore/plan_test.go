package sqlstore

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestFamilyQueriesUseIndexes checks that SQLite finds the tokens and
// codes of a family, and a token by its hashes or ID, through indexes,
// never by reading the whole table. The hash indexes hold only the hashes
// not found by the primary key (migration 0019): the queries must still
// use them, and the guards of insertGuarded the primary key.
func TestFamilyQueriesUseIndexes(t *testing.T) {
	db, err := sql.Open("sqlite", SQLiteDSN(filepath.Join(t.TempDir(), "grantry.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(t.Context(), db, SQLite); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		query string
		args  []any
	}{
		{"revoke family", revokeFamily, []any{"fam"}},
		{"purge families", purgeFamilies, nil},
		{"token by access hash", selectTokenByAccess, []any{"hash"}},
		{"token by refresh hash", selectTokenByRefresh, []any{"hash"}},
		{"rotation", revokeUnrevoked, []any{"hash", nil, nil, nil}},
		{"grace period", selectInGrace, []any{"hash", 1}},
		{"family of a refresh token", selectFamily, []any{"hash"}},
		{"revoke token", revokeToken, []any{"id"}},
		{"guarded insert", insertGuarded, make([]any, 20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(detail, "SCAN t") || strings.HasPrefix(detail, "SCAN c") {
					t.Errorf("plan step %q: got a scan of tokens or codes, want an index search", detail)
				}
			}
		})
	}
}
