package keyset

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestSetRotation(t *testing.T) {
	ctx := context.Background()
	k1, k2 := loadKey(t, "p256.pem", ""), loadKey(t, "ed25519.pem", "")
	algs := []Algorithm{ES256, EdDSA}
	s, err := NewSet(k1)
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	old, err := s.SignJWT(map[string]string{"n": "1"}, "")
	if err != nil {
		t.Fatalf("SignJWT: %v", err)
	}

	// Publish the next key ahead of time: still signing with k1.
	if err := s.Add(k2); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if got := s.Active().ID(); got != k1.ID() {
		t.Errorf("active key after Add = %q, want %q", got, k1.ID())
	}
	if got := len(s.JWKS().Keys); got != 2 {
		t.Errorf("published %d keys, want 2", got)
	}

	if err := s.Activate(k2.ID()); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	fresh, err := s.SignJWT(map[string]string{"n": "2"}, "")
	if err != nil {
		t.Fatalf("SignJWT: %v", err)
	}
	v, err := Verify(ctx, fresh, s, algs)
	if err != nil || v.Header.KeyID != k2.ID() {
		t.Fatalf("new token: kid %v err %v, want kid %q", v, err, k2.ID())
	}
	if _, err := Verify(ctx, old, s, algs); err != nil {
		t.Errorf("token of the previous key no longer verifies: %v", err)
	}

	if err := s.Remove(k1.ID()); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if _, err := Verify(ctx, old, s, algs); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("token of a removed key: error %v, want ErrUnknownKey", err)
	}
	if got := len(s.JWKS().Keys); got != 1 {
		t.Errorf("published %d keys after Remove, want 1", got)
	}
}

func TestSetErrors(t *testing.T) {
	k1, k2 := loadKey(t, "p256.pem", ""), loadKey(t, "ed25519.pem", "")
	s, err := NewSet(k1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		op   func() error
	}{
		{"duplicate add", func() error { return s.Add(k1) }},
		{"nil add", func() error { return s.Add(nil) }},
		{"activate unknown", func() error { return s.Activate("nope") }},
		{"remove active", func() error { return s.Remove(k1.ID()) }},
		{"remove unknown", func() error { return s.Remove(k2.ID()) }},
		{"rotate duplicate", func() error { return s.Rotate(k1) }},
		{"new set duplicate", func() error { _, err := NewSet(k1, k1); return err }},
		{"new set nil", func() error { _, err := NewSet(nil); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op(); err == nil {
				t.Error("succeeded, want an error")
			}
		})
	}
	if got := s.Active().ID(); got != k1.ID() {
		t.Errorf("active key changed to %q by failed operations", got)
	}
}

func TestZeroSet(t *testing.T) {
	var s Set
	if _, err := s.SignJWT(map[string]string{}, ""); !errors.Is(err, ErrNoActiveKey) {
		t.Errorf("SignJWT error = %v, want ErrNoActiveKey", err)
	}
	if _, err := s.Lookup(context.Background(), ""); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Lookup error = %v, want ErrUnknownKey", err)
	}
	doc, _ := s.MarshalJSON()
	if string(doc) != `{"keys":[]}` {
		t.Errorf("document = %s, want {\"keys\":[]}", doc)
	}
	k := loadKey(t, "p256.pem", "")
	if err := s.Rotate(k); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if s.Key(k.ID()) != k || s.Active() != k {
		t.Error("Rotate on the zero set did not publish and activate the key")
	}
}

func TestSetConcurrentUse(t *testing.T) {
	s := goldenSet(t)
	spare, err := NewKey(loadKey(t, "p256.pem", "").Signer(), "", "spare")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if i == 0 {
					s.Add(spare)
					s.Remove("spare")
					continue
				}
				tok, err := s.SignJWT(map[string]int{"i": i}, "")
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := Verify(context.Background(), tok, s, AsymmetricAlgorithms()); err != nil {
					t.Error(err)
					return
				}
				s.MarshalJSON()
			}
		}()
	}
	wg.Wait()
}

func TestSetDocumentIsCopied(t *testing.T) {
	s := goldenSet(t)
	doc, _ := s.MarshalJSON()
	copy(doc, "XXXX")
	again, _ := s.MarshalJSON()
	if string(again[:4]) == "XXXX" {
		t.Error("MarshalJSON returns the set's own buffer")
	}
}
