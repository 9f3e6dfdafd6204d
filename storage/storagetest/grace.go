package storagetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

var graceTests = []test[GraceStore]{
	{"Keeps", testGraceKeeps},
	{"WithinWindow", testGraceWithin},
	{"AfterWindow", testGraceAfter},
	{"SuccessorUsed", testGraceSuccessorUsed},
	{"FamilyRevoked", testGraceFamilyRevoked},
	{"WithoutGrace", testGraceNotKept},
	{"ConcurrentRotate", testGraceConcurrent},
}

// graceOf is the grace period the tests keep: a minute from base.
var graceOf = storage.Grace{Sealed: "sealed-response", Until: at(time.Minute)}

// requestAt returns a next token whose request came at d from base.
func requestAt(name string, d time.Duration) *storage.Token {
	tok := newToken(name, "fam")
	tok.IssuedAt = at(d)
	return tok
}

// graced returns old as a rotation to next with graceOf leaves it.
func graced(old, next *storage.Token) *storage.Token {
	d := *revoked(old)
	d.Successor, d.SealedSuccessor, d.GraceUntil = next.ID, graceOf.Sealed, graceOf.Until
	return &d
}

func mustRotateGrace(t *testing.T, s GraceStore, old, next *storage.Token) {
	t.Helper()
	if err := s.RotateRefreshTokenGrace(t.Context(), old.RefreshHash, next, graceOf); err != nil {
		t.Fatalf("RotateRefreshTokenGrace(%s → %s): got error %v, want nil", old.ID, next.ID, err)
	}
}

// testGraceKeeps checks that a rotation with a grace period keeps the
// successor and the sealed response on the old token.
func testGraceKeeps(t *testing.T, s GraceStore) {
	old, next := newToken("old", "fam"), newToken("next", "fam")
	mustCreateToken(t, s, old)
	mustRotateGrace(t, s, old, next)
	wantToken(t, s, graced(old, next))
	wantToken(t, s, next)
}

// testGraceWithin checks that the old refresh token presented again within
// the period gets the sealed response, and that nothing changes.
func testGraceWithin(t *testing.T, s GraceStore) {
	old, next := newToken("old", "fam"), newToken("next", "fam")
	mustCreateToken(t, s, old)
	mustRotateGrace(t, s, old, next)
	for _, d := range []time.Duration{0, 30 * time.Second, time.Minute - time.Microsecond} {
		again := requestAt(fmt.Sprint("again", d), d)
		err := s.RotateRefreshTokenGrace(t.Context(), old.RefreshHash, again, graceOf)
		var ig *storage.InGraceError
		if !errors.As(err, &ig) || !errors.Is(err, storage.ErrInGrace) {
			t.Fatalf("rotation again at %v: got error %v, want an InGraceError", d, err)
		}
		if ig.Sealed != graceOf.Sealed {
			t.Errorf("rotation again at %v: got sealed %q, want %q", d, ig.Sealed, graceOf.Sealed)
		}
		wantNoToken(t, s, again)
	}
	wantToken(t, s, graced(old, next))
	wantToken(t, s, next)
}

// testGraceAfter checks that presenting the old token at or past the end
// of the period is a reuse: the family is revoked.
func testGraceAfter(t *testing.T, s GraceStore) {
	old, next := newToken("old", "fam"), newToken("next", "fam")
	mustCreateToken(t, s, old)
	mustRotateGrace(t, s, old, next)
	late := requestAt("late", time.Minute)
	err := s.RotateRefreshTokenGrace(t.Context(), old.RefreshHash, late, graceOf)
	if !errors.Is(err, storage.ErrRefreshReused) {
		t.Fatalf("rotation again at the end of the period: got error %v, want ErrRefreshReused", err)
	}
	wantToken(t, s, graced(old, next))
	wantToken(t, s, revoked(next))
	wantNoToken(t, s, late)
}

// testGraceSuccessorUsed checks that once the successor was rotated in
// turn, presenting the first token again, even within its period, is a
// reuse.
func testGraceSuccessorUsed(t *testing.T, s GraceStore) {
	old, next, third := newToken("old", "fam"), newToken("next", "fam"), newToken("third", "fam")
	mustCreateToken(t, s, old)
	mustRotateGrace(t, s, old, next)
	mustRotateGrace(t, s, next, third)
	again := requestAt("again", time.Second)
	err := s.RotateRefreshTokenGrace(t.Context(), old.RefreshHash, again, graceOf)
	if !errors.Is(err, storage.ErrRefreshReused) {
		t.Fatalf("rotation of the first token once its successor was used: got error %v, want ErrRefreshReused", err)
	}
	wantToken(t, s, revoked(third))
	wantNoToken(t, s, again)
}

// testGraceFamilyRevoked checks that a revoked family has no grace.
func testGraceFamilyRevoked(t *testing.T, s GraceStore) {
	old, next := newToken("old", "fam"), newToken("next", "fam")
	mustCreateToken(t, s, old)
	mustRotateGrace(t, s, old, next)
	if err := s.RevokeFamily(t.Context(), "fam"); err != nil {
		t.Fatalf("RevokeFamily: got error %v, want nil", err)
	}
	err := s.RotateRefreshTokenGrace(t.Context(), old.RefreshHash, requestAt("again", time.Second), graceOf)
	if !errors.Is(err, storage.ErrRefreshReused) {
		t.Fatalf("rotation within the period of a revoked family: got error %v, want ErrRefreshReused", err)
	}
}

// testGraceNotKept checks that a rotation without a grace period gives
// none to a later rotation with one.
func testGraceNotKept(t *testing.T, s GraceStore) {
	old, next := newToken("old", "fam"), newToken("next", "fam")
	mustCreateToken(t, s, old)
	mustRotate(t, s, old, next)
	wantToken(t, s, revoked(old))
	err := s.RotateRefreshTokenGrace(t.Context(), old.RefreshHash, requestAt("again", time.Second), graceOf)
	if !errors.Is(err, storage.ErrRefreshReused) {
		t.Fatalf("rotation again after one without grace: got error %v, want ErrRefreshReused", err)
	}
	wantToken(t, s, revoked(next))
}

// testGraceConcurrent races many rotations of one refresh token with a
// grace period: exactly one wins, every other gets the winner's sealed
// response, and nothing is revoked.
func testGraceConcurrent(t *testing.T, s GraceStore) {
	old := newToken("old", "fam")
	mustCreateToken(t, s, old)
	nexts := make([]*storage.Token, contenders)
	for i := range nexts {
		nexts[i] = newToken(fmt.Sprint("next", i), "fam")
	}
	errs := make([]error, contenders)
	race(func(i int) {
		errs[i] = s.RotateRefreshTokenGrace(t.Context(), old.RefreshHash, nexts[i], graceOf)
	})
	winner := tally(t, errs, storage.ErrInGrace)
	wantToken(t, s, graced(old, nexts[winner]))
	wantToken(t, s, nexts[winner])
}
