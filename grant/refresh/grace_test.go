package refresh_test

import (
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

const grace = 30 * time.Second

// refreshOK refreshes and fails the test unless the answer is 200.
func (f *fixture) refreshOK(t *testing.T, client, rt string, extra ...string) map[string]any {
	t.Helper()
	status, body := f.refresh(t, client, rt, extra...)
	if status != 200 {
		t.Fatalf("refresh with %s: got %d %v, want 200", rt, status, body)
	}
	return body
}

// wantRevoked checks whether the tokens of the access tokens are revoked.
func (f *fixture) wantRevoked(t *testing.T, want bool, access ...string) {
	t.Helper()
	for _, a := range access {
		if got := f.token(t, a).Revoked; got != want {
			t.Errorf("token of %s: Revoked got %v, want %v", a, got, want)
		}
	}
}

// Within the grace period the rotated refresh token is answered with the
// same new pair, as often as it is presented, and nothing is revoked.
func TestGraceWithinPeriod(t *testing.T) {
	for _, after := range []time.Duration{0, time.Second, grace - time.Microsecond} {
		t.Run(after.String(), func(t *testing.T) {
			f := newGraceFixture(t, refresh.Config{}, grace)
			first := f.refreshOK(t, "c1", "rt-1")
			f.advance(after)
			again := f.refreshOK(t, "c1", "rt-1", "scope", "email")
			if !maps.Equal(again, first) {
				t.Errorf("answer again: got %v, want the first %v", again, first)
			}
			f.wantRevoked(t, false, first["access_token"].(string))
			if got := f.revokedFamilies(); len(got) != 0 {
				t.Errorf("Events.FamilyRevoked: got %v, want none", got)
			}
			next := f.refreshOK(t, "c1", first["refresh_token"].(string))
			f.wantRevoked(t, false, next["access_token"].(string))
		})
	}
}

// Past the period, or once the new refresh token was used, presenting
// the rotated token again is a reuse: the family is revoked.
func TestGraceReuse(t *testing.T) {
	tests := []struct {
		name    string
		between func(t *testing.T, f *fixture, first map[string]any) []string // access tokens issued
	}{
		{"at the end of the period", func(t *testing.T, f *fixture, _ map[string]any) []string {
			f.advance(grace)
			return nil
		}},
		{"long after", func(t *testing.T, f *fixture, _ map[string]any) []string {
			f.advance(time.Hour)
			return nil
		}},
		{"successor used", func(t *testing.T, f *fixture, first map[string]any) []string {
			f.advance(time.Second)
			second := f.refreshOK(t, "c1", first["refresh_token"].(string))
			return []string{second["access_token"].(string)}
		}},
		{"family revoked", func(t *testing.T, f *fixture, first map[string]any) []string {
			if err := f.store.RevokeFamily(t.Context(), "fam-1"); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newGraceFixture(t, refresh.Config{}, grace)
			first := f.refreshOK(t, "c1", "rt-1")
			issued := append(tt.between(t, f, first), first["access_token"].(string), "at-t1")
			if status, body := f.refresh(t, "c1", "rt-1"); status != 400 || body["error"] != "invalid_grant" {
				t.Fatalf("reuse: got %d %v, want 400 invalid_grant", status, body)
			}
			f.wantRevoked(t, true, issued...)
			if got := f.revokedFamilies(); !slices.Contains(got, "c1/fam-1") {
				t.Errorf("Events.FamilyRevoked: got %v, want c1/fam-1", got)
			}
		})
	}
}

// Many refreshes with one token at once, as from two tabs, all get the
// one new pair, and the family lives on.
func TestGraceConcurrentRefresh(t *testing.T) {
	f := newGraceFixture(t, refresh.Config{}, grace)
	const n = 16
	bodies := make([]map[string]any, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i], bodies[i] = f.refresh(t, "c1", "rt-1") })
	}
	wg.Wait()
	for i := range n {
		if statuses[i] != 200 {
			t.Fatalf("refresh %d: got %d %v, want 200", i, statuses[i], bodies[i])
		}
		if !maps.Equal(bodies[i], bodies[0]) {
			t.Errorf("refresh %d: got %v, want the same pair as %v", i, bodies[i], bodies[0])
		}
	}
	f.wantRevoked(t, false, bodies[0]["access_token"].(string))
	if got := f.revokedFamilies(); len(got) != 0 {
		t.Errorf("Events.FamilyRevoked: got %v, want none", got)
	}
}

// Without a grace period, the default, a second refresh is a reuse at
// once (see also TestReuseRevokesFamily); a confidential client that keeps
// its refresh token has nothing to be lenient about.
func TestGraceOff(t *testing.T) {
	tests := []struct {
		name  string
		cfg   refresh.Config
		grace time.Duration
		want  int
	}{
		{"no grace", refresh.Config{}, 0, 400},
		{"kept refresh token", refresh.Config{KeepRefreshToken: true}, grace, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newGraceFixture(t, tt.cfg, tt.grace)
			f.refreshOK(t, "c1", "rt-1")
			if status, body := f.refresh(t, "c1", "rt-1"); status != tt.want {
				t.Errorf("second refresh: got %d %v, want %d", status, body, tt.want)
			}
		})
	}
}

// tokensOnly is a token store without grace rotation.
type tokensOnly struct{ storage.TokenStore }

func TestGraceNeedsGraceRotator(t *testing.T) {
	s := memstore.New()
	_, err := authserver.New(authserver.Config{Clients: s, Tokens: tokensOnly{s}, RefreshGracePeriod: grace})
	if err == nil {
		t.Fatal("New with a grace period over a store without RotateRefreshTokenGrace: got nil error, want one")
	}
	if _, err := authserver.New(authserver.Config{Clients: s, Tokens: tokensOnly{s}}); err != nil {
		t.Errorf("New without a grace period: got error %v, want nil", err)
	}
}
