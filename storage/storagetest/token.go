package storagetest

import (
	"errors"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

var tokenTests = []test[storage.TokenStore]{
	{"RoundTrip", testTokenRoundTrip},
	{"MinimalRecord", testTokenMinimal},
	{"CreateDuplicate", testTokenCreateDuplicate},
	{"LookupUnknown", testTokenLookupUnknown},
	{"RevokeToken", testTokenRevoke},
	{"RevokeUnknownToken", testTokenRevokeUnknown},
	{"RevokeFamily", testTokenRevokeFamily},
	{"CopyIsolation", testTokenCopyIsolation},
	{"Expiry", testTokenExpiry},
	{"KeysWithID", testTokenKeysWithID},
	{"KeysWithAnotherID", testTokenKeysWithAnotherID},
}

func mustCreateToken(t *testing.T, s storage.TokenStore, tok *storage.Token) {
	t.Helper()
	if err := s.CreateToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateToken(%q): got error %v, want nil", tok.ID, err)
	}
}

// revoked returns a copy of tok with Revoked set.
func revoked(tok *storage.Token) *storage.Token {
	d := *tok
	d.Revoked = true
	return &d
}

// wantToken checks that want is found, as it is, by its access hash and,
// when it has one, by its refresh hash.
func wantToken(t *testing.T, s storage.TokenStore, want *storage.Token) {
	t.Helper()
	got, err := s.TokenByAccess(t.Context(), want.AccessHash)
	if err != nil {
		t.Errorf("TokenByAccess(%s): got error %v, want nil", want.ID, err)
	} else {
		tokenDiff(got, want).report(t, "TokenByAccess("+want.ID+")")
	}
	if want.RefreshHash == "" {
		return
	}
	got, err = s.TokenByRefresh(t.Context(), want.RefreshHash)
	if err != nil {
		t.Errorf("TokenByRefresh(%s): got error %v, want nil", want.ID, err)
	} else {
		tokenDiff(got, want).report(t, "TokenByRefresh("+want.ID+")")
	}
}

// wantNoToken checks that tok is found neither by its access hash nor by
// its refresh hash.
func wantNoToken(t *testing.T, s storage.TokenStore, tok *storage.Token) {
	t.Helper()
	if got, err := s.TokenByAccess(t.Context(), tok.AccessHash); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("TokenByAccess(%s): got (%v, %v), want ErrNotFound", tok.ID, got, err)
	}
	if tok.RefreshHash == "" {
		return
	}
	if got, err := s.TokenByRefresh(t.Context(), tok.RefreshHash); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("TokenByRefresh(%s): got (%v, %v), want ErrNotFound", tok.ID, got, err)
	}
}

func testTokenRoundTrip(t *testing.T, s storage.TokenStore) {
	want := newToken("a", "fam")
	mustCreateToken(t, s, want)
	wantToken(t, s, want)
}

// testTokenMinimal checks a token without refresh token, family or extra
// values, and that the empty refresh hash finds nothing.
func testTokenMinimal(t *testing.T, s storage.TokenStore) {
	want := accessOnly("a")
	mustCreateToken(t, s, want)
	wantToken(t, s, want)
	if got, err := s.TokenByRefresh(t.Context(), ""); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf(`TokenByRefresh(""): got (%v, %v), want ErrNotFound`, got, err)
	}
}

func testTokenCreateDuplicate(t *testing.T, s storage.TokenStore) {
	orig := newToken("a", "fam")
	tests := []struct {
		name string
		dup  func(*storage.Token)
	}{
		{"SameID", func(d *storage.Token) { d.ID = orig.ID }},
		{"SameAccessHash", func(d *storage.Token) { d.AccessHash = orig.AccessHash }},
		{"SameRefreshHash", func(d *storage.Token) { d.RefreshHash = orig.RefreshHash }},
	}
	mustCreateToken(t, s, orig)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dup := newToken("b", "other")
			tc.dup(dup)
			if err := s.CreateToken(t.Context(), dup); !errors.Is(err, storage.ErrExists) {
				t.Errorf("CreateToken: got error %v, want ErrExists", err)
			}
			wantToken(t, s, orig)
		})
	}
	t.Run("BothWithoutRefresh", func(t *testing.T) {
		// The empty refresh hash is no key: tokens without a refresh token
		// never collide on it.
		mustCreateToken(t, s, accessOnly("c"))
		mustCreateToken(t, s, accessOnly("d"))
		wantToken(t, s, accessOnly("c"))
		wantToken(t, s, accessOnly("d"))
	})
}

func testTokenLookupUnknown(t *testing.T, s storage.TokenStore) {
	mustCreateToken(t, s, newToken("a", "fam"))
	wantNoToken(t, s, newToken("unknown", "fam"))
}

// testTokenRevoke checks that a revoked token is still found, marked
// revoked, and that revoking it touches nothing else.
func testTokenRevoke(t *testing.T, s storage.TokenStore) {
	tok, sibling := newToken("a", "fam"), newToken("b", "fam")
	mustCreateToken(t, s, tok)
	mustCreateToken(t, s, sibling)
	if err := s.RevokeToken(t.Context(), tok.ID); err != nil {
		t.Fatalf("RevokeToken: got error %v, want nil", err)
	}
	wantToken(t, s, revoked(tok))
	wantToken(t, s, sibling)
	if err := s.RevokeToken(t.Context(), tok.ID); err != nil {
		t.Errorf("RevokeToken of a revoked token: got error %v, want nil", err)
	}
	wantToken(t, s, revoked(tok))
}

func testTokenRevokeUnknown(t *testing.T, s storage.TokenStore) {
	tok := newToken("a", "fam")
	mustCreateToken(t, s, tok)
	if err := s.RevokeToken(t.Context(), "token-unknown"); err != nil {
		t.Errorf("RevokeToken of an unknown ID: got error %v, want nil", err)
	}
	wantToken(t, s, tok)
}

func testTokenRevokeFamily(t *testing.T, s storage.TokenStore) {
	family := []*storage.Token{newToken("a1", "fam-a"), newToken("a2", "fam-a"), accessOnly("a3")}
	family[2].FamilyID = "fam-a"
	others := []*storage.Token{newToken("b1", "fam-b"), accessOnly("none")}
	for _, tok := range append(family, others...) {
		mustCreateToken(t, s, tok)
	}
	if err := s.RevokeFamily(t.Context(), "fam-a"); err != nil {
		t.Fatalf("RevokeFamily: got error %v, want nil", err)
	}
	for _, tok := range family {
		wantToken(t, s, revoked(tok))
	}
	for _, tok := range others {
		wantToken(t, s, tok)
	}
}

func testTokenCopyIsolation(t *testing.T, s storage.TokenStore) {
	in := newToken("a", "fam")
	mustCreateToken(t, s, in)
	in.Scope[0] = "admin"
	in.Extra["aud"] = "forged"
	in.Resource[0] = "https://forged.example/"
	in.RefreshResource[1] = "https://forged.example/"
	in.Revoked = true

	out, err := s.TokenByAccess(t.Context(), newToken("a", "fam").AccessHash)
	if err != nil {
		t.Fatalf("TokenByAccess: got error %v, want nil", err)
	}
	out.Scope[1] = "admin"
	out.Resource[0] = "https://forged.example/"
	out.Extra["cnf"] = "forged"
	out.ExpiresAt = out.ExpiresAt.AddDate(1, 0, 0)
	out, err = s.TokenByRefresh(t.Context(), newToken("a", "fam").RefreshHash)
	if err != nil {
		t.Fatalf("TokenByRefresh: got error %v, want nil", err)
	}
	out.Scope[2] = "admin"
	out.Extra["new"] = "forged"
	wantToken(t, s, newToken("a", "fam"))
}

// testTokenExpiry checks that the expiry times the caller decides with by
// its own clock come back to the microsecond: an access or refresh token
// is active until the instant it expires, and not at that instant.
func testTokenExpiry(t *testing.T, s storage.TokenStore) {
	tok := newToken("a", "fam")
	tok.ExpiresAt = at(time.Hour + 7*time.Microsecond)
	tok.RefreshExpiresAt = at(48*time.Hour + 3*time.Microsecond)
	forever := newToken("forever", "fam")
	forever.RefreshExpiresAt = time.Time{}
	mustCreateToken(t, s, tok)
	mustCreateToken(t, s, forever)
	tests := []struct {
		name            string
		tok             *storage.Token
		now             time.Time
		access, refresh bool
	}{
		{"issued", tok, base, true, true},
		{"access-last-microsecond", tok, tok.ExpiresAt.Add(-time.Microsecond), true, true},
		{"access-expires", tok, tok.ExpiresAt, false, true},
		{"refresh-last-microsecond", tok, tok.RefreshExpiresAt.Add(-time.Microsecond), false, true},
		{"refresh-expires", tok, tok.RefreshExpiresAt, false, false},
		{"refresh-never-expires", forever, at(100 * 365 * 24 * time.Hour), false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.TokenByAccess(t.Context(), tc.tok.AccessHash)
			if err != nil {
				t.Fatalf("TokenByAccess: got error %v, want nil", err)
			}
			if a := got.Active(tc.now); a != tc.access {
				t.Errorf("Active(%v): got %t, want %t (ExpiresAt %v)", tc.now, a, tc.access, got.ExpiresAt)
			}
			if r := got.RefreshActive(tc.now); r != tc.refresh {
				t.Errorf("RefreshActive(%v): got %t, want %t (RefreshExpiresAt %v)", tc.now, r, tc.refresh, got.RefreshExpiresAt)
			}
		})
	}
}

// testTokenKeysWithID stores tokens as the server issues them, with an ID
// from secret.OrderedID and the keys of tokens made by secret.TokenWithID,
// with and without a refresh token. Each is found by its keys, revoked
// and rotated by them, and a key with only the digest, or another ID in
// front, finds nothing.
func testTokenKeysWithID(t *testing.T, s storage.TokenStore) {
	ctx := t.Context()
	issued := func(refresh bool) *storage.Token {
		id := secret.OrderedID(base)
		tok := &storage.Token{
			ID: id, FamilyID: id, ClientID: "client-ordered", GrantType: grantry.GrantClientCredentials,
			Scope: grantry.Scope{"api"}, AccessHash: secret.Digest(secret.TokenWithID(id)),
			IssuedAt: base, ExpiresAt: at(time.Hour),
		}
		if refresh {
			tok.GrantType = grantry.GrantAuthorizationCode
			tok.RefreshHash = secret.Digest(secret.TokenWithID(id))
			tok.RefreshExpiresAt = at(24 * time.Hour)
		}
		return tok
	}
	plain, withRefresh := issued(false), issued(true)
	for _, tok := range []*storage.Token{plain, withRefresh} {
		mustCreateToken(t, s, tok)
		wantToken(t, s, tok)
	}
	for _, key := range []string{plain.AccessHash[23:], secret.OrderedID(base) + plain.AccessHash[22:], withRefresh.ID + plain.AccessHash[22:]} {
		if got, err := s.TokenByAccess(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("TokenByAccess(%q): got (%v, %v), want ErrNotFound", key, got, err)
		}
	}
	next := issued(true)
	next.FamilyID = withRefresh.FamilyID
	if err := s.RotateRefreshToken(ctx, withRefresh.RefreshHash, next); err != nil {
		t.Fatalf("RotateRefreshToken: got error %v, want nil", err)
	}
	wantToken(t, s, revoked(withRefresh))
	wantToken(t, s, next)
	if err := s.RevokeToken(ctx, plain.ID); err != nil {
		t.Fatalf("RevokeToken: got error %v, want nil", err)
	}
	wantToken(t, s, revoked(plain))
}

// testTokenKeysWithAnotherID stores tokens whose keys have the form of
// secret.TokenWithID but another token's ID in front, or an ID no token
// has, as a custom token format of that shape gives. They are found, and
// rotated, by their keys; a key taken by a token of either form is
// refused to the other.
func testTokenKeysWithAnotherID(t *testing.T, s storage.TokenStore) {
	ctx := t.Context()
	key := func(id string) string { return secret.Digest(secret.TokenWithID(id)) }
	token := func(id, access, refresh string) *storage.Token {
		return &storage.Token{
			ID: id, FamilyID: id, ClientID: "client-other-id", GrantType: grantry.GrantAuthorizationCode,
			Scope: grantry.Scope{"api"}, AccessHash: access, RefreshHash: refresh,
			IssuedAt: base, ExpiresAt: at(time.Hour), RefreshExpiresAt: at(24 * time.Hour),
		}
	}
	ownerID, strangerID, unknownID := secret.OrderedID(base), secret.OrderedID(base), secret.OrderedID(base)
	owner := token(ownerID, key(ownerID), key(ownerID))
	stranger := token(strangerID, key(ownerID), key(ownerID))
	loner := token(secret.OrderedID(base), key(unknownID), key(unknownID))
	for _, tok := range []*storage.Token{owner, stranger, loner} {
		mustCreateToken(t, s, tok)
	}
	for _, tok := range []*storage.Token{owner, stranger, loner} {
		wantToken(t, s, tok)
	}
	dups := []struct {
		name string
		tok  *storage.Token
	}{
		{"OwnersAccessKey", token(secret.OrderedID(base), owner.AccessHash, key(unknownID))},
		{"OwnersRefreshKey", token(secret.OrderedID(base), key(unknownID), owner.RefreshHash)},
		{"StrangersAccessKey", token(secret.OrderedID(base), stranger.AccessHash, key(unknownID))},
		{"StrangersRefreshKey", token(secret.OrderedID(base), key(unknownID), stranger.RefreshHash)},
	}
	for _, tc := range dups {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateToken(ctx, tc.tok); !errors.Is(err, storage.ErrExists) {
				t.Errorf("CreateToken: got error %v, want ErrExists", err)
			}
		})
	}
	next := token(secret.OrderedID(base), key(ownerID), key(ownerID))
	next.FamilyID = stranger.FamilyID
	if err := s.RotateRefreshToken(ctx, stranger.RefreshHash, next); err != nil {
		t.Fatalf("RotateRefreshToken: got error %v, want nil", err)
	}
	for _, tok := range []*storage.Token{owner, revoked(stranger), next, loner} {
		wantToken(t, s, tok)
	}
	if err := s.RotateRefreshToken(ctx, stranger.RefreshHash, token(secret.OrderedID(base), key(unknownID), key(unknownID))); !errors.Is(err, storage.ErrRefreshReused) {
		t.Errorf("RotateRefreshToken(rotated key): got error %v, want ErrRefreshReused", err)
	}
}
