package sqlstore_test

import (
	"slices"
	"testing"
)

// TestMigrateKeepsConsents upgrades a database of schema version 6,
// holding a consent, to the newest: the consent reads back with its scope
// and no claims, and can then be given some.
func TestMigrateKeepsConsents(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			applyUpTo(t, db, tc.d, 6)
			_, err := db.ExecContext(t.Context(), `INSERT INTO consents (subject, client_id, scope, created_at) VALUES ('u1', 'app', 'openid profile', 1)`)
			if err != nil {
				t.Fatalf("insert a consent of version 6: %v", err)
			}
			s := openStore(t, db, tc.d)
			wantMigrated(t, db)
			c, err := s.GetConsent(t.Context(), "u1", "app")
			if err != nil {
				t.Fatalf("GetConsent after the upgrade: got error %v, want nil", err)
			}
			if got, want := []string(c.Scope), []string{"openid", "profile"}; !slices.Equal(got, want) || len(c.Claims) != 0 {
				t.Errorf("GetConsent after the upgrade: got scope %q, claims %q; want scope %q and no claims", got, c.Claims, want)
			}
			c.Claims = []string{"email_verified", "phone_number"}
			if err := s.SaveConsent(t.Context(), c); err != nil {
				t.Fatalf("SaveConsent after the upgrade: got error %v, want nil", err)
			}
			if got, err := s.GetConsent(t.Context(), "u1", "app"); err != nil || !slices.Equal(got.Claims, c.Claims) {
				t.Errorf("GetConsent after SaveConsent: got (%+v, %v), want claims %q", got, err, c.Claims)
			}
		})
	}
}
