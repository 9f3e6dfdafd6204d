package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// seedExpired stores, for each age, a token whose access token expired
// that long ago and a code that expired that long ago; the token and code
// of age d have IDs and hashes ending in d.String().
func seedExpired(t *testing.T, h *harness, ages ...time.Duration) {
	t.Helper()
	now := time.Now()
	for _, d := range ages {
		exp := now.Add(-d)
		if err := h.store.CreateToken(t.Context(), &storage.Token{
			ID: "tok-" + d.String(), ClientID: testClient, AccessHash: secret.Digest("at-" + d.String()),
			IssuedAt: exp.Add(-time.Hour), ExpiresAt: exp,
		}); err != nil {
			t.Fatal(err)
		}
		if err := h.store.CreateAuthorizationCode(t.Context(), &storage.AuthorizationCode{
			Hash: secret.Digest("code-" + d.String()), ClientID: testClient, RedirectURI: testCallback,
			Subject: h.userID, ExpiresAt: exp,
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// stored reports whether the token and the code of age d are still stored.
func stored(t *testing.T, h *harness, d time.Duration) (token, code bool) {
	t.Helper()
	_, err := h.store.TokenByAccess(t.Context(), secret.Digest("at-"+d.String()))
	token = err == nil
	_, err = h.store.ConsumeAuthorizationCode(t.Context(), secret.Digest("code-"+d.String()), testClient, time.Now())
	code = err == nil || errors.Is(err, storage.ErrCodeUsed)
	return token, code
}

func TestPurge(t *testing.T) {
	tests := []struct {
		age       time.Duration
		wantKept  bool
		rationale string
	}{
		{10 * time.Minute, true, "expired within the retention: a replayed code is still recognized"},
		{59 * time.Minute, true, "expired within the retention"},
		{2 * time.Hour, false, "expired before the retention"},
	}
	h := newHarness(t)
	ages := make([]time.Duration, len(tests))
	for i, tt := range tests {
		ages[i] = tt.age
	}
	seedExpired(t, h, ages...)
	h.app.purge(t.Context())
	for _, tt := range tests {
		t.Run(tt.age.String(), func(t *testing.T) {
			token, code := stored(t, h, tt.age)
			if token != tt.wantKept || code != tt.wantKept {
				t.Errorf("got token kept %v, code kept %v, want %v (%s)", token, code, tt.wantKept, tt.rationale)
			}
		})
	}
}

func TestPurgeLoop(t *testing.T) {
	tests := []struct {
		name      string
		interval  time.Duration
		wantPurge bool
	}{
		{"default interval: purges at start", 10 * time.Minute, true},
		{"interval 0: never", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *serveConfig) { c.PurgeInterval = tt.interval })
			seedExpired(t, h, 2*time.Hour)
			purges := make(chan struct{}, 1)
			h.app.store.purger = notifyingPurger{h.app.store.purger, purges}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() {
				defer close(done)
				h.app.purgeLoop(ctx)
			}()
			if tt.wantPurge {
				select {
				case <-purges: // the loop purges before it first waits
				case <-time.After(10 * time.Second):
					t.Fatal("purgeLoop did not purge at start")
				}
			}
			cancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("purgeLoop did not return after its context was cancelled")
			}
			if tok, _ := stored(t, h, 2*time.Hour); tok == tt.wantPurge {
				t.Errorf("got token stored %v after the loop, want %v", tok, !tt.wantPurge)
			}
		})
	}
}

// notifyingPurger purges, then says so on done.
type notifyingPurger struct {
	storage.Purger
	done chan<- struct{}
}

func (p notifyingPurger) Purge(ctx context.Context, before time.Time) (int, error) {
	n, err := p.Purger.Purge(ctx, before)
	select {
	case p.done <- struct{}{}:
	default:
	}
	return n, err
}

// TestPurgeSessions checks that purge deletes the sessions expired before
// the retention and keeps the others. That an expired session kept signs
// no one in is checked by TestCopiedCookieEnds.
func TestPurgeSessions(t *testing.T) {
	tests := []struct {
		name     string
		expires  time.Duration // from now
		wantKept bool
	}{
		{"live", time.Hour, true},
		{"expired within the retention", -10 * time.Minute, true},
		{"expired before the retention", -2 * time.Hour, false},
	}
	h := newHarness(t)
	for _, tt := range tests {
		sess := &storage.Session{
			ID: "sid-" + tt.name, Hash: secret.Digest("token-" + tt.name), Subject: h.userID,
			CreatedAt: time.Now().Add(-12 * time.Hour), ExpiresAt: time.Now().Add(tt.expires),
		}
		if err := h.store.CreateSession(t.Context(), sess); err != nil {
			t.Fatal(err)
		}
	}
	h.app.purge(t.Context())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.store.SessionByHash(t.Context(), secret.Digest("token-"+tt.name))
			if kept := err == nil; kept != tt.wantKept {
				t.Errorf("got session kept %v (%v), want %v", kept, err, tt.wantKept)
			}
		})
	}
}

// TestPurgeBoundsSQLiteLog writes enough to an SQLite database to grow
// its write-ahead log past SQLite's own checkpoints, which never shrink
// the file, and checks that a purge empties it.
func TestPurgeBoundsSQLiteLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grantry.db")
	b, err := openBackend(t.Context(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	a, err := newApp(t.Context(), testConfig(t, func(c *serveConfig) { c.db, c.Issuer = path, "http://127.0.0.1:9" }), b, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 4000)
	for i := range 1500 { // about 6 MB, over 1000 pages
		if _, err := b.settings.LoadOrStoreSetting(t.Context(), fmt.Sprint("filler-", i), big); err != nil {
			t.Fatal(err)
		}
	}
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if before := walSize(); before < 1<<20 {
		t.Fatalf("the log holds %d bytes after the writes, want over 1 MiB for the test to mean anything", before)
	}
	a.purge(t.Context())
	if after := walSize(); after != 0 {
		t.Errorf("the log holds %d bytes after the purge, want 0", after)
	}
}
