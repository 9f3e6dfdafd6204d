package dpop_test

import (
	"testing"
	"time"

	"github.com/grantry/grantry/dpop"
)

func TestNonces(t *testing.T) {
	now := t0
	clock := func() time.Time { return now }
	key := make([]byte, dpop.NonceKeySize)
	n, err := dpop.NewNonces(key, time.Minute, clock)
	if err != nil {
		t.Fatal(err)
	}
	other, err := dpop.NewNonces(nil, time.Minute, clock)
	if err != nil {
		t.Fatal(err)
	}
	nonce := n.Nonce()
	tests := []struct {
		name  string
		after time.Duration
		n     *dpop.Nonces
		nonce string
		want  bool
	}{
		{"fresh", 0, n, nonce, true},
		{"next window", time.Minute, n, nonce, true},
		{"two windows on", 2 * time.Minute, n, nonce, false},
		{"another key", 0, other, nonce, false},
		{"tampered", 0, n, nonce[:len(nonce)-1] + "A", false},
		{"empty", 0, n, "", false},
		{"not base64", 0, n, "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = t0.Add(tt.after)
			if got := tt.n.Valid(tt.nonce); got != tt.want {
				t.Errorf("Valid(%q) at +%v: got %v, want %v", tt.nonce, tt.after, got, tt.want)
			}
		})
	}
	if _, err := dpop.NewNonces(make([]byte, 5), 0, nil); err == nil {
		t.Error("NewNonces with a short key: got nil error, want one")
	}
}

func TestMemoryReplayCache(t *testing.T) {
	now := t0
	c := dpop.NewMemoryReplayCache(func() time.Time { return now })
	for i, want := range []bool{false, true} {
		if got, err := c.SeenJTI(t.Context(), "a", t0.Add(time.Minute)); got != want || err != nil {
			t.Errorf("SeenJTI #%d: got (%v, %v), want (%v, nil)", i, got, err, want)
		}
	}
	now = t0.Add(time.Minute)
	if got, _ := c.SeenJTI(t.Context(), "a", now.Add(time.Minute)); got {
		t.Error("SeenJTI after expiry: got true, want false")
	}
	for i := range 3000 { // past the first pruning
		if _, err := c.SeenJTI(t.Context(), string(rune('b'+i)), now); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := c.SeenJTI(t.Context(), "a", now.Add(time.Minute)); !got {
		t.Error("SeenJTI of a live entry after pruning: got false, want true")
	}
}
