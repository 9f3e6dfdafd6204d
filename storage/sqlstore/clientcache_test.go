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

// TestClientCache checks what two stores over one SQLite file, as two
// processes would be, see of each other's changes: the one that changes a
// client sees it at once, the other once its copy is older than the TTL.
func TestClientCache(t *testing.T) {
	db := openSQLite(t)
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	writer, reader := openStore(t, db, sqlstore.SQLite), openStore(t, db, sqlstore.SQLite)
	for _, s := range []*sqlstore.Store{writer, reader} {
		s.CacheClients(sqlstore.ClientCache{TTL: time.Second, Now: clock})
	}
	ctx := t.Context()
	c := &storage.Client{ID: "app", SecretHash: secret.HashSecret("s1"), Name: "one", RedirectURIs: []string{"https://app.example/cb"},
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials}, CreatedAt: now, UpdatedAt: now}
	if err := writer.CreateClient(ctx, c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	name := func(s *sqlstore.Store) string {
		t.Helper()
		got, err := s.GetClient(ctx, "app")
		if errors.Is(err, storage.ErrNotFound) {
			return "(none)"
		}
		if err != nil {
			t.Fatalf("GetClient: %v", err)
		}
		return got.Name
	}
	steps := []struct {
		name                 string
		do                   func()
		wantWriter, wantRead string
	}{
		{"first read", func() {}, "one", "one"},
		{"copy changed by a caller", func() {
			got, _ := reader.GetClient(ctx, "app")
			got.Name, got.RedirectURIs[0] = "changed", "https://evil.example/cb"
			if again, _ := reader.GetClient(ctx, "app"); again.RedirectURIs[0] != "https://app.example/cb" {
				t.Errorf("cached redirect URI: got %q, want the stored one", again.RedirectURIs[0])
			}
		}, "one", "one"},
		{"renamed by the other store", func() {
			c.Name = "two"
			if err := writer.UpdateClient(ctx, c); err != nil {
				t.Fatalf("UpdateClient: %v", err)
			}
		}, "two", "one"},
		{"TTL passed", func() { now = now.Add(time.Second) }, "two", "two"},
		{"deleted by the other store", func() {
			if err := writer.DeleteClient(ctx, "app"); err != nil {
				t.Fatalf("DeleteClient: %v", err)
			}
		}, "(none)", "two"},
		{"TTL passed again", func() { now = now.Add(time.Second) }, "(none)", "(none)"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do()
			if got := name(writer); got != st.wantWriter {
				t.Errorf("changing store: got name %q, want %q", got, st.wantWriter)
			}
			if got := name(reader); got != st.wantRead {
				t.Errorf("other store: got name %q, want %q", got, st.wantRead)
			}
		})
	}
}
