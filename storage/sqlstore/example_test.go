package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// A SQLite file is opened with the recommended DSN and migrated; an
// authorization code is then consumed once, and its replay reported.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "grantry-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(dir, "grantry.db")))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	store, err := sqlstore.Open(ctx, db, sqlstore.SQLite)
	if err != nil {
		panic(err)
	}

	issued := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	code := "SplxlOBeZQQYbYS6WxSbIA" // what the client receives; only its digest is stored
	err = store.CreateAuthorizationCode(ctx, &storage.AuthorizationCode{
		Hash: secret.Digest(code), FamilyID: "grant-1", ClientID: "s6BhdRkqt3",
		CreatedAt: issued, ExpiresAt: issued.Add(time.Minute),
	})
	fmt.Println("stored:", err)

	c, err := store.ConsumeAuthorizationCode(ctx, secret.Digest(code), "s6BhdRkqt3", issued.Add(5*time.Second))
	fmt.Println("first use:", c.ClientID, err)

	c, err = store.ConsumeAuthorizationCode(ctx, secret.Digest(code), "s6BhdRkqt3", issued.Add(9*time.Second))
	fmt.Println("replay:", errors.Is(err, storage.ErrCodeUsed), "family", c.FamilyID, "used at", c.UsedAt.Format(time.TimeOnly))
	// Output:
	// stored: <nil>
	// first use: s6BhdRkqt3 <nil>
	// replay: true family grant-1 used at 05:06:12
}
