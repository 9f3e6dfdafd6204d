package sqlstore

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestFamilyQueriesUseIndexes checks that SQLite finds the tokens of a
// family through indexes, never by reading the whole table.
func TestFamilyQueriesUseIndexes(t *testing.T) {
	db, err := sql.Open("sqlite", SQLiteDSN(filepath.Join(t.TempDir(), "grantry.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(t.Context(), db, SQLite); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, query string }{
		{"revoke family", revokeFamily},
		{"purge families", purgeFamilies},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tt.query, "fam", 1)
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
				if strings.HasPrefix(detail, "SCAN t") {
					t.Errorf("plan step %q: got a scan of tokens, want an index search", detail)
				}
			}
		})
	}
}
