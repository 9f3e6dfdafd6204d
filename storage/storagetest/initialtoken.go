package storagetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

// RunInitialAccessTokens runs the subtests of the initial access tokens
// of client registration (group "InitialAccessTokens"). newStore is
// called once per subtest and must return a new, empty store.
func RunInitialAccessTokens(t *testing.T, newStore func(t *testing.T) storage.InitialAccessTokenStore) {
	runGroup(t, "InitialAccessTokens", initialTokenTests, newStore)
}

var initialTokenTests = []test[storage.InitialAccessTokenStore]{
	{"CreateGet", testInitialCreateGet},
	{"Duplicate", testInitialDuplicate},
	{"ListOrder", testInitialListOrder},
	{"Delete", testInitialDelete},
}

// newInitialToken returns a token with every field set, distinct for each
// name; without expiry when forever.
func newInitialToken(name string, forever bool) *storage.InitialAccessToken {
	t := &storage.InitialAccessToken{
		ID: "iat-" + name, Hash: "hash-" + name, Description: "for " + name + " 'quoted' \"too\"",
		CreatedAt: at(-time.Hour), ExpiresAt: at(time.Hour),
	}
	if forever {
		t.ExpiresAt = time.Time{}
	}
	return t
}

func initialTokenDiff(got, want *storage.InitialAccessToken) diff {
	var d diff
	d.str("ID", got.ID, want.ID)
	d.str("Hash", got.Hash, want.Hash)
	d.str("Description", got.Description, want.Description)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	return d
}

func mustCreateInitial(t *testing.T, s storage.InitialAccessTokenStore, tok *storage.InitialAccessToken) {
	t.Helper()
	if err := s.CreateInitialAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateInitialAccessToken(%q): got error %v, want nil", tok.ID, err)
	}
}

func testInitialCreateGet(t *testing.T, s storage.InitialAccessTokenStore) {
	for _, want := range []*storage.InitialAccessToken{newInitialToken("a", false), newInitialToken("b", true)} {
		mustCreateInitial(t, s, want)
		got, err := s.InitialAccessTokenByHash(t.Context(), want.Hash)
		if err != nil {
			t.Fatalf("InitialAccessTokenByHash(%q): got error %v, want nil", want.Hash, err)
		}
		initialTokenDiff(got, want).report(t, "InitialAccessTokenByHash")
		got.Description = "changed"
		if again, _ := s.InitialAccessTokenByHash(t.Context(), want.Hash); again.Description != want.Description {
			t.Errorf("a change to a returned token reached the store: got %q", again.Description)
		}
	}
	if _, err := s.InitialAccessTokenByHash(t.Context(), "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("InitialAccessTokenByHash(unknown): got error %v, want ErrNotFound", err)
	}
}

func testInitialDuplicate(t *testing.T, s storage.InitialAccessTokenStore) {
	mustCreateInitial(t, s, newInitialToken("a", false))
	sameID, sameHash := newInitialToken("b", false), newInitialToken("c", false)
	sameID.ID, sameHash.Hash = "iat-a", "hash-a"
	for _, tok := range []*storage.InitialAccessToken{sameID, sameHash} {
		if err := s.CreateInitialAccessToken(t.Context(), tok); !errors.Is(err, storage.ErrExists) {
			t.Errorf("CreateInitialAccessToken(%q, %q): got error %v, want ErrExists", tok.ID, tok.Hash, err)
		}
	}
}

func testInitialListOrder(t *testing.T, s storage.InitialAccessTokenStore) {
	list, err := s.ListInitialAccessTokens(t.Context())
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("ListInitialAccessTokens(empty): got %v, %v; want an empty list", list, err)
	}
	late, b, a := newInitialToken("late", false), newInitialToken("b", false), newInitialToken("a", false)
	late.CreatedAt = at(0)
	for _, tok := range []*storage.InitialAccessToken{late, b, a} {
		mustCreateInitial(t, s, tok)
	}
	list, err = s.ListInitialAccessTokens(t.Context())
	if err != nil {
		t.Fatalf("ListInitialAccessTokens: got error %v", err)
	}
	var ids []string
	for _, tok := range list {
		ids = append(ids, tok.ID)
	}
	if want := []string{"iat-a", "iat-b", "iat-late"}; !slices.Equal(ids, want) {
		t.Errorf("ListInitialAccessTokens: got %v, want %v", ids, want)
	}
}

func testInitialDelete(t *testing.T, s storage.InitialAccessTokenStore) {
	tok := newInitialToken("a", false)
	mustCreateInitial(t, s, tok)
	if err := s.DeleteInitialAccessToken(t.Context(), tok.ID); err != nil {
		t.Fatalf("DeleteInitialAccessToken: got error %v, want nil", err)
	}
	if _, err := s.InitialAccessTokenByHash(t.Context(), tok.Hash); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("InitialAccessTokenByHash after delete: got error %v, want ErrNotFound", err)
	}
	if err := s.DeleteInitialAccessToken(t.Context(), tok.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("DeleteInitialAccessToken again: got error %v, want ErrNotFound", err)
	}
}
