package storagetest

import (
	"errors"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

var purgeTests = []test[Store]{
	{"Empty", testPurgeEmpty},
	{"Expired", testPurgeExpired},
	{"GraceOver", testPurgeGraceOver},
}

// testPurgeGraceOver checks that Purge forgets the sealed successor of a
// refresh token whose grace period ended before the cutoff, and only
// that: the token itself, live, stays.
func testPurgeGraceOver(t *testing.T, s Store) {
	old, next := newToken("old", "fam"), newToken("next", "fam")
	mustCreateToken(t, s, old)
	mustRotateGrace(t, s, old, next)
	if n, err := s.Purge(t.Context(), graceOf.Until); err != nil || n != 0 {
		t.Fatalf("Purge at the end of the grace period: got (%d, %v), want (0, nil)", n, err)
	}
	wantToken(t, s, graced(old, next))
	if n, err := s.Purge(t.Context(), graceOf.Until.Add(time.Microsecond)); err != nil || n != 0 {
		t.Fatalf("Purge after the grace period: got (%d, %v), want (0, nil)", n, err)
	}
	want := graced(old, next)
	want.SealedSuccessor = ""
	wantToken(t, s, want)
	wantToken(t, s, next)
}

func testPurgeEmpty(t *testing.T, s Store) {
	if n, err := s.Purge(t.Context(), base); err != nil || n != 0 {
		t.Errorf("Purge on an empty store: got (%d, %v), want (0, nil)", n, err)
	}
}

// cutoff is the time testPurgeExpired purges before.
var cutoff = at(24 * time.Hour)

type purgeCode struct {
	name    string
	expires time.Time
	used    bool
	keep    bool
}

// purgeCodes are kept unless they expired strictly before cutoff; a used
// code that has not expired is kept, as it is what detects a replay.
var purgeCodes = []purgeCode{
	{name: "expired", expires: cutoff.Add(-time.Microsecond)},
	{name: "expired-used", expires: cutoff.Add(-time.Hour), used: true},
	{name: "expires-at-cutoff", expires: cutoff, keep: true},
	{name: "live", expires: cutoff.Add(time.Minute), keep: true},
	{name: "live-used", expires: cutoff.Add(time.Minute), used: true, keep: true},
}

type purgeToken struct {
	name    string
	expires time.Time
	// refresh is when the refresh token expires; nil means there is no
	// refresh token, a zero time one that never expires.
	refresh *time.Time
	revoked bool
	keep    bool
}

func ptr(t time.Time) *time.Time { return &t }

// purgeTokens are kept while their access token or their refresh token is
// unexpired at cutoff. Revocation plays no part: a revoked refresh token is
// what detects reuse until it expires.
var purgeTokens = []purgeToken{
	{name: "access-expired", expires: cutoff.Add(-time.Microsecond)},
	{name: "both-expired", expires: cutoff.Add(-time.Hour), refresh: ptr(cutoff.Add(-time.Microsecond))},
	{name: "both-expired-revoked", expires: cutoff.Add(-time.Hour), refresh: ptr(cutoff.Add(-time.Minute)), revoked: true},
	{name: "access-at-cutoff", expires: cutoff, keep: true},
	{name: "access-live", expires: cutoff.Add(time.Hour), keep: true},
	{name: "access-live-refresh-expired", expires: cutoff.Add(time.Hour), refresh: ptr(cutoff.Add(-time.Hour)), keep: true},
	{name: "refresh-live", expires: cutoff.Add(-time.Hour), refresh: ptr(cutoff.Add(time.Hour)), keep: true},
	{name: "refresh-at-cutoff", expires: cutoff.Add(-time.Hour), refresh: ptr(cutoff), keep: true},
	{name: "refresh-never-expires", expires: cutoff.Add(-time.Hour), refresh: ptr(time.Time{}), keep: true},
	{name: "revoked-live", expires: cutoff.Add(time.Hour), revoked: true, keep: true},
	{name: "revoked-refresh-live", expires: cutoff.Add(-time.Hour), refresh: ptr(cutoff.Add(time.Hour)), revoked: true, keep: true},
}

func (p purgeCode) record() *storage.AuthorizationCode {
	c := newCode(p.name)
	c.ExpiresAt = p.expires
	return c
}

func (p purgeToken) record() *storage.Token {
	tok := newToken(p.name, "family-"+p.name)
	tok.ExpiresAt = p.expires
	tok.Revoked = p.revoked
	if p.refresh == nil {
		tok.RefreshHash, tok.RefreshExpiresAt = "", time.Time{}
	} else {
		tok.RefreshExpiresAt = *p.refresh
	}
	return tok
}

func testPurgeExpired(t *testing.T, s Store) {
	wantRemoved := storePurgeRecords(t, s)
	n, err := s.Purge(t.Context(), cutoff)
	if err != nil || n != wantRemoved {
		t.Errorf("Purge: got (%d, %v), want (%d, nil)", n, err, wantRemoved)
	}
	if n, err := s.Purge(t.Context(), cutoff); err != nil || n != 0 {
		t.Errorf("second Purge: got (%d, %v), want (0, nil)", n, err)
	}
	for _, p := range purgeTokens {
		t.Run("Token/"+p.name, func(t *testing.T) { checkPurgedToken(t, s, p) })
	}
	for _, p := range purgeCodes {
		t.Run("Code/"+p.name, func(t *testing.T) { checkPurgedCode(t, s, p) })
	}
}

// storePurgeRecords stores the records of purgeCodes and purgeTokens and
// returns how many of them Purge(cutoff) must remove.
func storePurgeRecords(t *testing.T, s Store) (removed int) {
	t.Helper()
	for _, p := range purgeCodes {
		mustCreateCode(t, s, p.record())
		if p.used {
			mustConsume(t, s, p.record(), base)
		}
		if !p.keep {
			removed++
		}
	}
	for _, p := range purgeTokens {
		mustCreateToken(t, s, p.record())
		if !p.keep {
			removed++
		}
	}
	return removed
}

// checkPurgedToken checks that a kept token is intact and that a removed
// one is gone and its keys are free again.
func checkPurgedToken(t *testing.T, s Store, p purgeToken) {
	tok := p.record()
	if p.keep {
		wantToken(t, s, tok)
		return
	}
	wantNoToken(t, s, tok)
	mustCreateToken(t, s, tok)
	wantToken(t, s, tok)
}

// checkPurgedCode checks that a kept code is intact, used or not, and that a
// removed one is gone and its hash free again.
func checkPurgedCode(t *testing.T, s Store, p purgeCode) {
	code := p.record()
	now := at(time.Minute)
	got, err := s.ConsumeAuthorizationCode(t.Context(), code.Hash, code.ClientID, now)
	switch {
	case !p.keep:
		if !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("ConsumeAuthorizationCode of a purged code: got (%v, %v), want ErrNotFound", got, err)
		}
		mustCreateCode(t, s, code)
		mustConsume(t, s, code, now)
	case p.used:
		if !errors.Is(err, storage.ErrCodeUsed) || got == nil {
			t.Fatalf("ConsumeAuthorizationCode of a kept used code: got (%v, %v), want the record and ErrCodeUsed", got, err)
		}
		codeDiff(got, used(code, base)).report(t, "kept used code")
	default:
		if err != nil || got == nil {
			t.Fatalf("ConsumeAuthorizationCode of a kept code: got (%v, %v), want the record and nil", got, err)
		}
		codeDiff(got, used(code, now)).report(t, "kept code")
	}
}
