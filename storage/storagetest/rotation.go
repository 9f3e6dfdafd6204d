package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

var rotationTests = []test[storage.TokenStore]{
	{"Rotate", testRotate},
	{"RotateChain", testRotateChain},
	{"RotateUnknown", testRotateUnknown},
	{"RotateEmptyHash", testRotateEmptyHash},
	{"ReuseRotated", testReuseRotated},
	{"ReuseRevoked", testReuseRevoked},
	{"NextConflicts", testRotateNextConflicts},
	{"ConcurrentRotate", testConcurrentRotate},
	{"RevokeCascades", testRevokeCascades},
}

func mustRotate(t *testing.T, s storage.TokenStore, old, next *storage.Token) {
	t.Helper()
	if err := s.RotateRefreshToken(t.Context(), old.RefreshHash, next); err != nil {
		t.Fatalf("RotateRefreshToken(%s → %s): got error %v, want nil", old.ID, next.ID, err)
	}
}

func testRotate(t *testing.T, s storage.TokenStore) {
	old, next, sibling := newToken("old", "fam"), newToken("next", "fam"), newToken("sibling", "fam")
	mustCreateToken(t, s, old)
	mustCreateToken(t, s, sibling)
	mustRotate(t, s, old, next)
	wantToken(t, s, revoked(old))
	wantToken(t, s, next)
	wantToken(t, s, sibling)
}

func testRotateChain(t *testing.T, s storage.TokenStore) {
	chain := make([]*storage.Token, 5)
	for i := range chain {
		chain[i] = newToken(fmt.Sprint("gen", i), "fam")
	}
	mustCreateToken(t, s, chain[0])
	for i := 1; i < len(chain); i++ {
		mustRotate(t, s, chain[i-1], chain[i])
	}
	for _, tok := range chain[:len(chain)-1] {
		wantToken(t, s, revoked(tok))
	}
	wantToken(t, s, chain[len(chain)-1])
}

func testRotateUnknown(t *testing.T, s storage.TokenStore) {
	mustCreateToken(t, s, newToken("a", "fam"))
	next := newToken("next", "fam")
	err := s.RotateRefreshToken(t.Context(), secret.Digest("refresh-unknown"), next)
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("RotateRefreshToken of an unknown hash: got error %v, want ErrNotFound", err)
	}
	wantNoToken(t, s, next)
	wantToken(t, s, newToken("a", "fam"))
}

// testRotateEmptyHash checks that a token issued without a refresh token
// cannot be rotated by the empty hash.
func testRotateEmptyHash(t *testing.T, s storage.TokenStore) {
	tok := accessOnly("a")
	tok.FamilyID = "fam"
	mustCreateToken(t, s, tok)
	next := newToken("next", "fam")
	if err := s.RotateRefreshToken(t.Context(), "", next); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf(`RotateRefreshToken(""): got error %v, want ErrNotFound`, err)
	}
	wantToken(t, s, tok)
	wantNoToken(t, s, next)
}

// testReuseRotated checks reuse detection (RFC 9700 §4.14.2): presenting a
// rotated refresh token again revokes its whole family, the newer token
// included, and stores nothing.
func testReuseRotated(t *testing.T, s storage.TokenStore) {
	old, next, replay := newToken("old", "fam"), newToken("next", "fam"), newToken("replay", "fam")
	other := newToken("other", "fam-other")
	mustCreateToken(t, s, old)
	mustCreateToken(t, s, other)
	mustRotate(t, s, old, next)
	if err := s.RotateRefreshToken(t.Context(), old.RefreshHash, replay); !errors.Is(err, storage.ErrRefreshReused) {
		t.Fatalf("second rotation of one refresh token: got error %v, want ErrRefreshReused", err)
	}
	wantToken(t, s, revoked(old))
	wantToken(t, s, revoked(next))
	wantNoToken(t, s, replay)
	wantToken(t, s, other)
}

// testReuseRevoked checks that a refresh token revoked by RevokeToken counts
// as reused too.
func testReuseRevoked(t *testing.T, s storage.TokenStore) {
	tok, sibling, next := newToken("a", "fam"), newToken("b", "fam"), newToken("next", "fam")
	other := newToken("other", "fam-other")
	for _, x := range []*storage.Token{tok, sibling, other} {
		mustCreateToken(t, s, x)
	}
	if err := s.RevokeToken(t.Context(), tok.ID); err != nil {
		t.Fatalf("RevokeToken: got error %v, want nil", err)
	}
	if err := s.RotateRefreshToken(t.Context(), tok.RefreshHash, next); !errors.Is(err, storage.ErrRefreshReused) {
		t.Fatalf("rotation of a revoked refresh token: got error %v, want ErrRefreshReused", err)
	}
	wantToken(t, s, revoked(tok))
	wantToken(t, s, revoked(sibling))
	wantNoToken(t, s, next)
	wantToken(t, s, other)
}

// testRotateNextConflicts checks that rotation is one step: when next
// cannot be stored, the old token is left as it was.
func testRotateNextConflicts(t *testing.T, s storage.TokenStore) {
	old, taken := newToken("old", "fam"), newToken("taken", "fam-other")
	mustCreateToken(t, s, old)
	mustCreateToken(t, s, taken)
	next := newToken("next", "fam")
	next.AccessHash = taken.AccessHash
	if err := s.RotateRefreshToken(t.Context(), old.RefreshHash, next); !errors.Is(err, storage.ErrExists) {
		t.Errorf("rotation to a token with a taken access hash: got error %v, want ErrExists", err)
	}
	wantToken(t, s, old)
	wantToken(t, s, taken)
	if got, err := s.TokenByRefresh(t.Context(), next.RefreshHash); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("TokenByRefresh(next): got (%v, %v), want ErrNotFound", got, err)
	}
	mustRotate(t, s, old, newToken("next", "fam"))
	wantToken(t, s, revoked(old))
}

// testConcurrentRotate races many rotations of one refresh token, each to a
// different next token. Exactly one wins. Every loser presents a refresh
// token that the winner has rotated, which is reuse: it gets
// ErrRefreshReused and the family, the winner's token included, ends
// revoked. No loser's token is stored.
func testConcurrentRotate(t *testing.T, s storage.TokenStore) {
	old, other := newToken("old", "fam"), newToken("other", "fam-other")
	mustCreateToken(t, s, old)
	mustCreateToken(t, s, other)
	nexts := make([]*storage.Token, contenders)
	for i := range nexts {
		nexts[i] = newToken(fmt.Sprint("next", i), "fam")
	}
	errs := make([]error, contenders)
	race(func(i int) {
		errs[i] = s.RotateRefreshToken(t.Context(), old.RefreshHash, nexts[i])
	})
	winner := tally(t, errs, storage.ErrRefreshReused)
	wantToken(t, s, revoked(old))
	wantToken(t, s, revoked(nexts[winner]))
	wantToken(t, s, other)
	for i, next := range nexts {
		if i == winner {
			continue
		}
		if _, err := s.TokenByAccess(t.Context(), next.AccessHash); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("TokenByAccess(%s) of a losing contender: got error %v, want ErrNotFound", next.ID, err)
		}
	}
}

// testRevokeCascades checks that revoking through a refresh token reaches
// every access token of its grant: the tokens of a rotation chain and an
// access-only token of the same family. It is done both ways a server
// does it: by reuse of a rotated refresh token (RFC 9700 §4.14.2), and by
// the revocation endpoint, which finds the token by its refresh hash and
// revokes its family (RFC 7009 §2.1).
func testRevokeCascades(t *testing.T, s storage.TokenStore) {
	tests := []struct {
		name   string
		revoke func(ctx context.Context, s storage.TokenStore, chain []*storage.Token) error
	}{
		{"Reuse", func(ctx context.Context, s storage.TokenStore, chain []*storage.Token) error {
			err := s.RotateRefreshToken(ctx, chain[0].RefreshHash, newToken("replay", "fam"))
			if !errors.Is(err, storage.ErrRefreshReused) {
				return fmt.Errorf("reuse of the first refresh token: got error %v, want ErrRefreshReused", err)
			}
			return nil
		}},
		{"Revocation", func(ctx context.Context, s storage.TokenStore, chain []*storage.Token) error {
			tok, err := s.TokenByRefresh(ctx, chain[len(chain)-1].RefreshHash)
			if err != nil {
				return fmt.Errorf("TokenByRefresh: got error %v, want nil", err)
			}
			return s.RevokeFamily(ctx, tok.FamilyID)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fam := "fam-" + tc.name // a family per case: a revoked family stays revoked
			chain := []*storage.Token{newToken(tc.name+"0", fam), newToken(tc.name+"1", fam), newToken(tc.name+"2", fam)}
			sideline := accessOnly(tc.name + "-access")
			sideline.FamilyID = fam
			other := newToken(tc.name+"-other", "fam-other")
			for _, tok := range []*storage.Token{chain[0], sideline, other} {
				mustCreateToken(t, s, tok)
			}
			mustRotate(t, s, chain[0], chain[1])
			mustRotate(t, s, chain[1], chain[2])
			if err := tc.revoke(t.Context(), s, chain); err != nil {
				t.Fatal(err)
			}
			now := at(time.Minute)
			for _, tok := range append(chain, sideline) {
				got, err := s.TokenByAccess(t.Context(), tok.AccessHash)
				if err != nil {
					t.Fatalf("TokenByAccess(%s): got error %v, want nil", tok.ID, err)
				}
				if got.Active(now) {
					t.Errorf("access token %s: got active, want revoked with its family", tok.ID)
				}
			}
			wantToken(t, s, other)
		})
	}
}
