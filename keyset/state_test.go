package keyset

import (
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

// TestManagerListPurge follows an ES256 key through its states, with List
// and Purge at each step.
func TestManagerListPurge(t *testing.T) {
	m, store, c := newTestManager(t, ES256)
	old := mustLoad(t, m).Active().ID()
	set, err := m.Rotate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	next := slices.DeleteFunc(published(set), func(id string) bool { return id == old })[0]
	steps := []struct {
		name       string
		advance    time.Duration
		load       bool // Load before List, storing the old key's retirement
		want       map[string]KeyState
		wantPurged int
	}{
		{"Published", 0, false, map[string]KeyState{old: StateActive, next: StateNext}, 0},
		{"ActivatedNotLoaded", testDelay, false, map[string]KeyState{old: StateRetired, next: StateActive}, 0},
		{"ActivatedLoaded", 0, true, map[string]KeyState{old: StateRetired, next: StateActive}, 0},
		{"BeforeExpiry", testLifetime - time.Microsecond, false, map[string]KeyState{old: StateRetired, next: StateActive}, 0},
		{"Expired", time.Microsecond, false, map[string]KeyState{old: StateExpired, next: StateActive}, 1},
		{"Purged", 0, false, map[string]KeyState{next: StateActive}, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			c.Advance(st.advance)
			if st.load {
				mustLoad(t, m)
			}
			list, err := m.List(t.Context())
			if err != nil {
				t.Fatalf("List: got error %v, want nil", err)
			}
			got := map[string]KeyState{}
			for _, k := range list {
				got[k.ID] = k.State
				if k.Algorithm != ES256 || k.CreatedAt.IsZero() || k.ActivateAt.IsZero() {
					t.Errorf("List: key %s has algorithm %s, created %v, activates %v", k.ID, k.Algorithm, k.CreatedAt, k.ActivateAt)
				}
			}
			if len(got) != len(st.want) || got[old] != st.want[old] || got[next] != st.want[next] {
				t.Errorf("List: got states %v, want %v", got, st.want)
			}
			n, err := m.Purge(t.Context())
			if err != nil || n != st.wantPurged {
				t.Errorf("Purge: got %d, %v, want %d, nil", n, err, st.wantPurged)
			}
			if st.wantPurged > 0 && slices.ContainsFunc(storedKeys(t, store), func(r *storage.SigningKey) bool { return r.ID == old }) {
				t.Errorf("Purge left the expired key %s stored", old)
			}
		})
	}
}

// TestManagerListRetiredNext checks that a next key retired before its
// activation is retired, not next.
func TestManagerListRetiredNext(t *testing.T) {
	m, _, c := newTestManager(t, ES256)
	old := mustLoad(t, m).Active().ID()
	set, err := m.Rotate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	next := slices.DeleteFunc(published(set), func(id string) bool { return id == old })[0]
	c.Advance(time.Minute)
	if _, err := m.Retire(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	list, err := m.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range list {
		want := map[string]KeyState{old: StateActive, next: StateRetired}[k.ID]
		if k.State != want {
			t.Errorf("key %s: got state %s, want %s", k.ID, k.State, want)
		}
	}
}
