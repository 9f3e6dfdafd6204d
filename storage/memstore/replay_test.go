package memstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// TestReplayCacheBound checks that a full cache refuses a new ID rather
// than forget a live one, and makes room as IDs expire.
func TestReplayCacheBound(t *testing.T) {
	now := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	s := memstore.New()
	s.Now = func() time.Time { return now }
	s.MaxJTIs = 2
	steps := []struct {
		name    string
		advance time.Duration
		jti     string
		exp     time.Duration // after the first now
		seen    bool
		err     error
	}{
		{name: "first", jti: "a", exp: time.Minute},
		{name: "second", jti: "b", exp: 2 * time.Minute},
		{name: "full", jti: "c", exp: time.Minute, err: memstore.ErrReplayCacheFull},
		{name: "replay-when-full", jti: "a", exp: time.Minute, seen: true},
		{name: "room-after-expiry", advance: time.Minute + time.Second, jti: "c", exp: 3 * time.Minute},
		{name: "full-again", jti: "a", exp: 3 * time.Minute, err: memstore.ErrReplayCacheFull},
		{name: "kept", jti: "b", exp: 2 * time.Minute, seen: true},
		{name: "all-expired", advance: 2 * time.Minute, jti: "a", exp: 4 * time.Minute},
	}
	start := now
	for _, st := range steps {
		now = now.Add(st.advance)
		seen, err := s.SeenJTI(t.Context(), st.jti, start.Add(st.exp))
		if seen != st.seen || !errors.Is(err, st.err) {
			t.Errorf("%s: SeenJTI(%q): got (%t, %v), want (%t, %v)", st.name, st.jti, seen, err, st.seen, st.err)
		}
	}
	if !errors.Is(memstore.ErrReplayCacheFull, storage.ErrUnavailable) {
		t.Errorf("ErrReplayCacheFull: got %v, want it to wrap storage.ErrUnavailable", memstore.ErrReplayCacheFull)
	}
}
