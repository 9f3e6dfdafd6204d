package keyset

import (
	"bytes"
	"crypto/x509"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

const (
	testDelay    = time.Hour
	testLifetime = 2 * time.Hour
)

// newTestManager returns a manager over a new memory store with a
// settable clock.
func newTestManager(t *testing.T, algs ...Algorithm) (*Manager, *memstore.Store, *clock) {
	t.Helper()
	store, c := memstore.New(), newClock()
	m := NewManager(store, newTestSealer(t, 1), ManagerConfig{Algorithms: algs,
		PublicationDelay: testDelay, MaxTokenLifetime: testLifetime, Now: c.Now})
	return m, store, c
}

func mustLoad(t *testing.T, m *Manager) *Set {
	t.Helper()
	s, err := m.Load(t.Context())
	if err != nil {
		t.Fatalf("Load: got error %v, want nil", err)
	}
	return s
}

func storedKeys(t *testing.T, s storage.SigningKeyStore) []*storage.SigningKey {
	t.Helper()
	list, err := s.ListSigningKeys(t.Context())
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	return list
}

// published returns the key IDs in the set's JWK Set.
func published(s *Set) []string {
	var ids []string
	for _, k := range s.JWKS().Keys {
		ids = append(ids, k.KeyID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

func TestManagerFirstStart(t *testing.T) {
	tests := []struct {
		name string
		algs []Algorithm
		want []Algorithm
	}{
		{"Default", nil, []Algorithm{ES256, RS256}},
		{"WithEdDSA", []Algorithm{ES256, RS256, EdDSA}, []Algorithm{ES256, RS256, EdDSA}},
		{"EdDSAFirst", []Algorithm{EdDSA}, []Algorithm{EdDSA}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, store, _ := newTestManager(t, tc.algs...)
			set := mustLoad(t, m)
			if got := set.Active().Algorithm(); got != tc.want[0] {
				t.Errorf("active key: got %s, want %s", got, tc.want[0])
			}
			var algs []Algorithm
			for _, k := range set.JWKS().Keys {
				algs = append(algs, k.Algorithm)
			}
			if !slices.Equal(algs, tc.want) {
				t.Errorf("published algorithms: got %v, want %v", algs, tc.want)
			}
			// A restart loads the same keys and generates none.
			again := mustLoad(t, m)
			if got, want := published(again), published(set); !slices.Equal(got, want) {
				t.Errorf("after restart: got keys %q, want %q", got, want)
			}
			if n := len(storedKeys(t, store)); n != len(tc.want) {
				t.Errorf("stored keys: got %d, want %d", n, len(tc.want))
			}
		})
	}
}

// TestManagerSealedAtRest checks that the store holds no private key in
// the clear and that another key-encryption key cannot load the keys.
func TestManagerSealedAtRest(t *testing.T) {
	m, store, c := newTestManager(t)
	set := mustLoad(t, m)
	for _, rec := range storedKeys(t, store) {
		der, err := x509.MarshalPKCS8PrivateKey(set.Key(rec.ID).Signer())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(rec.Ciphertext, der[len(der)-32:]) {
			t.Errorf("key %s: the stored ciphertext holds the private key", rec.ID)
		}
	}
	other := NewManager(store, newTestSealer(t, 2), ManagerConfig{Now: c.Now})
	if _, err := other.Load(t.Context()); !errors.Is(err, ErrSealed) {
		t.Errorf("Load with another key-encryption key: got error %v, want ErrSealed", err)
	}
}

// TestManagerRotate follows one rotation of the ES256 key: the next key is
// published first, signs after the publication delay, and the old one
// stays published for the token lifetime after that.
func TestManagerRotate(t *testing.T) {
	m, store, c := newTestManager(t, ES256)
	old := mustLoad(t, m).Active().ID()
	set, err := m.Rotate(t.Context())
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if n := len(published(set)); n != 2 {
		t.Fatalf("after Rotate: got %d published keys, want 2", n)
	}
	next := slices.DeleteFunc(published(set), func(id string) bool { return id == old })[0]
	if _, err := m.Rotate(t.Context()); err != nil || len(storedKeys(t, store)) != 2 {
		t.Errorf("second Rotate before activation: got %d keys, err %v; want 2 keys", len(storedKeys(t, store)), err)
	}
	steps := []struct {
		name       string
		advance    time.Duration
		wantActive string
		wantPub    []string
	}{
		{"Published", 0, old, sorted(old, next)},
		{"BeforeActivation", testDelay - time.Microsecond, old, sorted(old, next)},
		{"Activated", time.Microsecond, next, sorted(old, next)},
		{"OldStillPublished", testLifetime - time.Microsecond, next, sorted(old, next)},
		{"OldExpired", time.Microsecond, next, []string{next}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			c.Advance(st.advance)
			set := mustLoad(t, m)
			if got := set.Active().ID(); got != st.wantActive {
				t.Errorf("active key: got %s, want %s", got, st.wantActive)
			}
			if got := published(set); !slices.Equal(got, st.wantPub) {
				t.Errorf("published: got %q, want %q", got, st.wantPub)
			}
		})
	}
	recs := storedKeys(t, store)
	rec := recs[slices.IndexFunc(recs, func(r *storage.SigningKey) bool { return r.ID == old })]
	activation := newClock().Now().Add(testDelay)
	if rec.ID != old || !rec.RetiredAt.Equal(activation) || !rec.ExpiresAt.Equal(activation.Add(testLifetime)) {
		t.Errorf("old key: got %s retired %v expires %v, want %s retired %v expires %v",
			rec.ID, rec.RetiredAt, rec.ExpiresAt, old, activation, activation.Add(testLifetime))
	}
}

func TestManagerRetire(t *testing.T) {
	tests := []struct {
		name       string
		kid        func(s *Set) string
		wantErr    error
		wantNewES  bool // a new ES256 key signs
		wantPublic int
	}{
		{"Active", func(s *Set) string { return s.Active().ID() }, nil, true, 3},
		{"PublishedOther", func(s *Set) string { return s.JWKS().Keys[1].KeyID }, nil, false, 3},
		{"Unknown", func(*Set) string { return "ghost" }, ErrUnknownKey, false, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _, c := newTestManager(t)
			before := mustLoad(t, m)
			kid := tc.kid(before)
			c.Advance(time.Minute)
			set, err := m.Retire(t.Context(), kid)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Retire(%q): got error %v, want %v", kid, err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if got := set.Active().ID() != before.Active().ID(); got != tc.wantNewES {
				t.Errorf("new active key: got %t, want %t", got, tc.wantNewES)
			}
			if got := len(published(set)); got != tc.wantPublic {
				t.Errorf("published keys: got %d, want %d", got, tc.wantPublic)
			}
			// Retiring again changes nothing; the key leaves at expiry.
			c.Advance(testLifetime - time.Minute)
			if again, err := m.Retire(t.Context(), kid); err != nil || again.Key(kid) == nil {
				t.Errorf("second Retire: got key %v, err %v; want it still published", again.Key(kid), err)
			}
			c.Advance(time.Minute)
			if after := mustLoad(t, m); after.Key(kid) != nil {
				t.Errorf("after expiry: key %s still published", kid)
			}
		})
	}
}
