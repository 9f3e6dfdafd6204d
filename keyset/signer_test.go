package keyset

import (
	"errors"
	"testing"
	"time"
)

func TestSetSignerFor(t *testing.T) {
	es, rs, ed := loadKey(t, "p256.pem", ""), loadKey(t, "rsa2048.pem", ""), loadKey(t, "ed25519.pem", "")
	es2, err := NewKey(es.Signer(), ES256, "es-2")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		ops        func(s *Set) error
		wantActive string
		want       map[Algorithm]string // "" for no signer
	}{
		{"NewSet", func(*Set) error { return nil }, es.ID(),
			map[Algorithm]string{ES256: es.ID(), RS256: "", EdDSA: ""}},
		{"ActivateSigner", func(s *Set) error { return s.ActivateSigner(rs.ID()) }, es.ID(),
			map[Algorithm]string{ES256: es.ID(), RS256: rs.ID(), EdDSA: ""}},
		{"ActivateSignerOfActiveAlgorithm", func(s *Set) error { return s.ActivateSigner(es2.ID()) }, es2.ID(),
			map[Algorithm]string{ES256: es2.ID(), RS256: ""}},
		{"ActivateKeepsOtherSigners", func(s *Set) error {
			return errors.Join(s.ActivateSigner(rs.ID()), s.Activate(ed.ID()))
		}, ed.ID(), map[Algorithm]string{ES256: es.ID(), RS256: rs.ID(), EdDSA: ed.ID()}},
		{"RemoveSigner", func(s *Set) error {
			return errors.Join(s.ActivateSigner(rs.ID()), s.Remove(rs.ID()))
		}, es.ID(), map[Algorithm]string{ES256: es.ID(), RS256: ""}},
		{"RemoveFormerActive", func(s *Set) error {
			return errors.Join(s.Activate(es2.ID()), s.Remove(es.ID()))
		}, es2.ID(), map[Algorithm]string{ES256: es2.ID()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSet(es, rs, ed, es2)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.ops(s); err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got := s.Active().ID(); got != tc.wantActive {
				t.Errorf("Active: got %q, want %q", got, tc.wantActive)
			}
			for alg, want := range tc.want {
				k, ok := s.SignerFor(alg)
				got := ""
				if k != nil {
					got = k.ID()
				}
				if got != want || ok != (want != "") {
					t.Errorf("SignerFor(%s): got %q, %t, want %q, %t", alg, got, ok, want, want != "")
				}
			}
		})
	}
}

func TestSetActivateSignerUnknown(t *testing.T) {
	es := loadKey(t, "p256.pem", "")
	s, err := NewSet(es)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ActivateSigner("ghost"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("ActivateSigner(ghost): got error %v, want ErrUnknownKey", err)
	}
	var zero Set
	if k, ok := zero.SignerFor(ES256); k != nil || ok {
		t.Errorf("SignerFor on the zero set: got %v, %t, want nil, false", k, ok)
	}
}

// TestManagerSigners checks that every configured algorithm's active key
// is its signer, through a rotation.
func TestManagerSigners(t *testing.T) {
	m, _, c := newTestManager(t)
	first := mustLoad(t, m)
	before := map[Algorithm]string{}
	for _, alg := range []Algorithm{ES256, RS256} {
		k, ok := first.SignerFor(alg)
		if !ok || k.Algorithm() != alg {
			t.Fatalf("SignerFor(%s) after first Load: got %v, %t, want a key of %s", alg, k, ok, alg)
		}
		before[alg] = k.ID()
	}
	if first.Active().ID() != before[ES256] {
		t.Errorf("Active: got %s, want the ES256 signer %s", first.Active().ID(), before[ES256])
	}
	if _, err := m.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		advance time.Duration
		wantOld bool
	}{
		{"BeforeActivation", testDelay - time.Microsecond, true},
		{"AtActivation", time.Microsecond, false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			c.Advance(st.advance)
			set := mustLoad(t, m)
			for alg, old := range before {
				k, ok := set.SignerFor(alg)
				if !ok || (k.ID() == old) != st.wantOld || k.Algorithm() != alg {
					t.Errorf("SignerFor(%s): got %v, %t; want the old key %s: %t", alg, k, ok, old, st.wantOld)
				}
			}
		})
	}
}

// TestManagerWrongKEKGeneratesNothing checks that a manager whose
// key-encryption key opens none of the stored keys fails and writes no
// key, even when an algorithm has no active key.
func TestManagerWrongKEKGeneratesNothing(t *testing.T) {
	m, store, c := newTestManager(t, ES256)
	mustLoad(t, m)
	other := NewManager(store, newTestSealer(t, 2), ManagerConfig{Algorithms: []Algorithm{ES256, EdDSA}, Now: c.Now})
	ops := []struct {
		name string
		op   func() error
	}{
		{"Load", func() error { _, err := other.Load(t.Context()); return err }},
		{"Rotate", func() error { _, err := other.Rotate(t.Context()); return err }},
		{"Retire", func() error { _, err := other.Retire(t.Context(), storedKeys(t, store)[0].ID); return err }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			if err := op.op(); !errors.Is(err, ErrSealed) {
				t.Errorf("got error %v, want ErrSealed", err)
			}
			recs := storedKeys(t, store)
			if len(recs) != 1 || !recs[0].RetiredAt.IsZero() {
				t.Errorf("stored keys: got %d, first retired at %v; want the one key, unchanged", len(recs), recs[0].RetiredAt)
			}
		})
	}
}
