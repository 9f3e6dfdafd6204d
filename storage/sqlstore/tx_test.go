package sqlstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// poisonTriggers make the database refuse, with an error that is no key
// conflict, to store a token whose ID is "poison": a failure in the middle
// of a transaction.
var poisonTriggers = map[sqlstore.Dialect][]string{
	sqlstore.SQLite: {`CREATE TRIGGER poison BEFORE INSERT ON tokens WHEN NEW.id = 'poison'
		BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`},
	sqlstore.Postgres: {
		`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.id = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER poison BEFORE INSERT ON tokens FOR EACH ROW EXECUTE FUNCTION poison()`,
	},
}

func token(id, family string) *storage.Token {
	now := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	return &storage.Token{
		ID: id, FamilyID: family, ClientID: "app", GrantType: grantry.GrantRefreshToken,
		AccessHash: secret.Digest("access-" + id), RefreshHash: secret.Digest("refresh-" + id),
		IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	}
}

// TestRotationIsOneTransaction checks that a rotation that fails after
// revoking the old token, when the new one cannot be stored, leaves
// nothing half-written: the old token is still unrevoked and can be
// rotated.
func TestRotationIsOneTransaction(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			s := openStore(t, db, tc.d)
			for _, stmt := range poisonTriggers[tc.d] {
				if _, err := db.ExecContext(t.Context(), stmt); err != nil {
					t.Fatalf("create trigger: %v", err)
				}
			}
			old := token("old", "fam")
			if err := s.CreateToken(t.Context(), old); err != nil {
				t.Fatal(err)
			}
			err := s.RotateRefreshToken(t.Context(), old.RefreshHash, token("poison", "fam"))
			if err == nil || errors.Is(err, storage.ErrExists) || errors.Is(err, storage.ErrUnavailable) {
				t.Fatalf("rotation to a refused token: got error %v, want the database's error", err)
			}
			got, err := s.TokenByRefresh(t.Context(), old.RefreshHash)
			if err != nil || got.Revoked {
				t.Fatalf("old token after the failed rotation: got (%+v, %v), want it unrevoked", got, err)
			}
			if _, err := s.TokenByAccess(t.Context(), token("poison", "fam").AccessHash); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("refused token: got error %v, want ErrNotFound", err)
			}
			if err := s.RotateRefreshToken(t.Context(), old.RefreshHash, token("next", "fam")); err != nil {
				t.Errorf("rotation after the failure: got error %v, want nil", err)
			}
		})
	}
}
