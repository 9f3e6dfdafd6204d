package sqlstore_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestMigrateKeepsClients upgrades a database whose clients table predates
// the OpenID Connect client metadata (migration 6): a client stored before
// reads back with the metadata empty, and can then be given some.
func TestMigrateKeepsClients(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			applyUpTo(t, db, tc.d, 5)
			_, err := db.ExecContext(t.Context(), `INSERT INTO clients (id, secret_hash, name, redirect_uris, grant_types,
				response_types, scope, auth_method, created_at, updated_at) VALUES ('old', '', 'Old', '["https://old.example/cb"]',
				'["authorization_code"]', '["code"]', 'openid', 'none', 1, 2)`)
			if err != nil {
				t.Fatalf("insert a client of the old schema: %v", err)
			}
			s := openStore(t, db, tc.d)
			c, err := s.GetClient(t.Context(), "old")
			if err != nil {
				t.Fatalf("GetClient after the upgrade: got error %v, want nil", err)
			}
			if c.IDTokenSignedResponseAlg != "" || c.SubjectType != "" || c.SectorIdentifierURI != "" || c.PostLogoutRedirectURIs != nil ||
				c.BackchannelLogoutURI != "" || c.BackchannelLogoutSessionRequired || c.Name != "Old" {
				t.Errorf("client stored before the upgrade: got %+v, want name Old and no metadata", c)
			}
			c.SubjectType, c.PostLogoutRedirectURIs, c.BackchannelLogoutSessionRequired = "pairwise", []string{"https://old.example/bye"}, true
			if err := s.UpdateClient(t.Context(), c); err != nil {
				t.Fatalf("UpdateClient: got error %v, want nil", err)
			}
			if got, _ := s.GetClient(t.Context(), "old"); got.SubjectType != "pairwise" || len(got.PostLogoutRedirectURIs) != 1 || !got.BackchannelLogoutSessionRequired {
				t.Errorf("updated client: got %+v, want its new metadata", got)
			}
		})
	}
}

// applyFile runs the migration file of version v in dir, as Migrate does.
func applyFile(t *testing.T, db *sql.DB, dir string, v int) {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, fmt.Sprintf("%04d_*.sql", v)))
	if err != nil || len(matches) != 1 {
		t.Fatalf("migration %d in %s: got files %q (%v), want one", v, dir, matches, err)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), string(b)); err != nil {
		t.Fatalf("migration %s: %v", matches[0], err)
	}
	_, err = db.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, 0)`,
		v, filepath.Base(matches[0]))
	if err != nil {
		t.Fatal(err)
	}
}
