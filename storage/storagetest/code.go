package storagetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

var codeTests = []test[storage.CodeStore]{
	{"RoundTrip", testCodeRoundTrip},
	{"MinimalRecord", testCodeMinimal},
	{"CreateDuplicate", testCodeCreateDuplicate},
	{"ConsumeOnce", testCodeConsumeOnce},
	{"ConsumeUnknown", testCodeConsumeUnknown},
	{"ConsumeOtherClient", testCodeConsumeOtherClient},
	{"ConsumeExpired", testCodeConsumeExpired},
	{"CopyIsolation", testCodeCopyIsolation},
	{"ConcurrentConsume", testCodeConcurrentConsume},
	{"Expiry", testCodeExpiry},
}

func mustCreateCode(t *testing.T, s storage.CodeStore, c *storage.AuthorizationCode) {
	t.Helper()
	if err := s.CreateAuthorizationCode(t.Context(), c); err != nil {
		t.Fatalf("CreateAuthorizationCode: got error %v, want nil", err)
	}
}

func mustConsume(t *testing.T, s storage.CodeStore, code *storage.AuthorizationCode, now time.Time) *storage.AuthorizationCode {
	t.Helper()
	c, err := s.ConsumeAuthorizationCode(t.Context(), code.Hash, code.ClientID, now)
	if err != nil {
		t.Fatalf("ConsumeAuthorizationCode: got error %v, want nil", err)
	}
	if c == nil {
		t.Fatalf("ConsumeAuthorizationCode: got a nil record, want the code")
	}
	return c
}

// used returns a copy of c marked used at now.
func used(c *storage.AuthorizationCode, now time.Time) *storage.AuthorizationCode {
	d := *c
	d.UsedAt = now
	return &d
}

func testCodeRoundTrip(t *testing.T, s storage.CodeStore) {
	want := newCode("a")
	mustCreateCode(t, s, want)
	now := at(time.Minute)
	codeDiff(mustConsume(t, s, want, now), used(want, now)).report(t, "ConsumeAuthorizationCode")
}

// testCodeMinimal checks that empty fields come back empty: no backend may
// turn a missing redirect URI or a zero time into something else.
func testCodeMinimal(t *testing.T, s storage.CodeStore) {
	want := minimalCode("a")
	mustCreateCode(t, s, want)
	now := at(time.Minute)
	codeDiff(mustConsume(t, s, want, now), used(want, now)).report(t, "ConsumeAuthorizationCode")
}

func testCodeCreateDuplicate(t *testing.T, s storage.CodeStore) {
	want := newCode("a")
	mustCreateCode(t, s, want)
	dup := newCode("a")
	dup.ClientID = "impostor"
	if err := s.CreateAuthorizationCode(t.Context(), dup); !errors.Is(err, storage.ErrExists) {
		t.Errorf("CreateAuthorizationCode with a taken hash: got error %v, want ErrExists", err)
	}
	now := at(time.Minute)
	codeDiff(mustConsume(t, s, want, now), used(want, now)).report(t, "code after the duplicate")
}

// testCodeConsumeOnce checks single use (RFC 6749 §4.1.2): a second
// consumption fails with ErrCodeUsed and the record, still marked with the
// time of the first use, so that the caller can revoke what it issued.
func testCodeConsumeOnce(t *testing.T, s storage.CodeStore) {
	want := newCode("a")
	mustCreateCode(t, s, want)
	mustCreateCode(t, s, newCode("b"))
	first := at(time.Minute)
	mustConsume(t, s, want, first)
	for i, now := range []time.Time{at(2 * time.Minute), first} {
		got, err := s.ConsumeAuthorizationCode(t.Context(), want.Hash, want.ClientID, now)
		if !errors.Is(err, storage.ErrCodeUsed) {
			t.Errorf("consumption %d: got error %v, want ErrCodeUsed", i+2, err)
		}
		if got == nil {
			t.Fatalf("consumption %d: got a nil record, want the code with ErrCodeUsed", i+2)
		}
		codeDiff(got, used(want, first)).report(t, "replayed code")
	}
	// Another code is unaffected.
	mustConsume(t, s, newCode("b"), at(3*time.Minute))
}

func testCodeConsumeUnknown(t *testing.T, s storage.CodeStore) {
	mustCreateCode(t, s, newCode("a"))
	for _, hash := range []string{secret.Digest("code-unknown"), ""} {
		if c, err := s.ConsumeAuthorizationCode(t.Context(), hash, newCode("a").ClientID, base); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("ConsumeAuthorizationCode(%q): got (%v, %v), want ErrNotFound", hash, c, err)
		}
	}
}

// testCodeConsumeOtherClient checks that a code presented by another
// client than the one it was issued to is unknown to that client: it is
// not used up, and a used one is not handed out, so that whoever learns a
// code cannot burn it or have what it issued revoked (RFC 6749 §4.1.3,
// RFC 9700 §4.5).
func testCodeConsumeOtherClient(t *testing.T, s storage.CodeStore) {
	want := newCode("a")
	mustCreateCode(t, s, want)
	for _, client := range []string{"impostor", "", strings.ToUpper(want.ClientID)} {
		if c, err := s.ConsumeAuthorizationCode(t.Context(), want.Hash, client, at(time.Minute)); !errors.Is(err, storage.ErrNotFound) || c != nil {
			t.Errorf("ConsumeAuthorizationCode by %q: got (%v, %v), want (nil, ErrNotFound)", client, c, err)
		}
	}
	now := at(2 * time.Minute)
	codeDiff(mustConsume(t, s, want, now), used(want, now)).report(t, "the code, consumed by its client after the others tried")
	if c, err := s.ConsumeAuthorizationCode(t.Context(), want.Hash, "impostor", at(3*time.Minute)); !errors.Is(err, storage.ErrNotFound) || c != nil {
		t.Errorf("ConsumeAuthorizationCode of a used code by another client: got (%v, %v), want (nil, ErrNotFound)", c, err)
	}
}

// testCodeConsumeExpired checks that the store leaves expiry to its
// caller, as the CodeStore contract says.
func testCodeConsumeExpired(t *testing.T, s storage.CodeStore) {
	want := newCode("a")
	mustCreateCode(t, s, want)
	now := want.ExpiresAt.Add(time.Hour)
	codeDiff(mustConsume(t, s, want, now), used(want, now)).report(t, "expired code")
}

func testCodeCopyIsolation(t *testing.T, s storage.CodeStore) {
	in := newCode("a")
	mustCreateCode(t, s, in)
	in.Scope[0] = "admin"
	in.Extra["acr"] = "forged"
	in.Subject = "someone else"

	now := at(time.Minute)
	out := mustConsume(t, s, in, now)
	out.Scope[1] = "admin"
	out.Extra["claims"] = "forged"
	out.FamilyID = "other"

	got, err := s.ConsumeAuthorizationCode(t.Context(), in.Hash, in.ClientID, at(2*time.Minute))
	if !errors.Is(err, storage.ErrCodeUsed) || got == nil {
		t.Fatalf("second consumption: got (%v, %v), want the record and ErrCodeUsed", got, err)
	}
	codeDiff(got, used(newCode("a"), now)).report(t, "code after callers changed their copies")
}

// testCodeConcurrentConsume checks that of many simultaneous consumptions
// exactly one wins, and every loser gets the record as the winner left it.
func testCodeConcurrentConsume(t *testing.T, s storage.CodeStore) {
	want := newCode("a")
	mustCreateCode(t, s, want)
	codes := make([]*storage.AuthorizationCode, contenders)
	errs := make([]error, contenders)
	nows := make([]time.Time, contenders)
	for i := range nows {
		nows[i] = at(time.Duration(i+1) * time.Millisecond)
	}
	race(func(i int) {
		codes[i], errs[i] = s.ConsumeAuthorizationCode(t.Context(), want.Hash, want.ClientID, nows[i])
	})
	winner := tally(t, errs, storage.ErrCodeUsed)
	wantUsed := used(want, nows[winner])
	for i, c := range codes {
		if c == nil {
			t.Fatalf("contender %d: got a nil record, want the code", i)
		}
		if d := codeDiff(c, wantUsed); len(d) > 0 {
			d.report(t, fmt.Sprint("record returned to contender ", i))
			return
		}
	}
}

// testCodeExpiry checks that a code's expiry comes back to the
// microsecond, so that the caller's check with its own clock holds at the
// boundary: the code is valid until the instant it expires, and not at it.
func testCodeExpiry(t *testing.T, s storage.CodeStore) {
	tests := []struct {
		name    string
		offset  time.Duration // of the consumption from ExpiresAt
		expired bool
	}{
		{"last-microsecond", -time.Microsecond, false},
		{"at-expiry", 0, true},
		{"after-expiry", time.Microsecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := newCode(tc.name)
			code.ExpiresAt = at(10*time.Minute + 9*time.Microsecond)
			mustCreateCode(t, s, code)
			now := code.ExpiresAt.Add(tc.offset)
			got := mustConsume(t, s, code, now)
			if e := got.Expired(now); e != tc.expired {
				t.Errorf("Expired(%v): got %t, want %t (ExpiresAt %v)", now, e, tc.expired, got.ExpiresAt)
			}
		})
	}
}
