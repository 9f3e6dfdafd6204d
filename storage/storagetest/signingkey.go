package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

// RunSigningKeys runs the subtests of signing-key storage (group
// "SigningKeys"). newStore is called once per subtest and must return a
// new, empty store.
func RunSigningKeys(t *testing.T, newStore func(t *testing.T) storage.SigningKeyStore) {
	runGroup(t, "SigningKeys", signingKeyTests, newStore)
}

var signingKeyTests = []test[storage.SigningKeyStore]{
	{"CreateList", testKeyCreateList},
	{"Empty", testKeyEmpty},
	{"CreateDuplicate", testKeyCreateDuplicate},
	{"Update", testKeyUpdate},
	{"UpdateUnknown", testKeyUpdateUnknown},
	{"Delete", testKeyDelete},
	{"Order", testKeyOrder},
	{"CopyIsolation", testKeyCopyIsolation},
	{"CiphertextBytes", testKeyCiphertextBytes},
}

// newSigningKey returns an active key with every field but the retirement
// times set, distinct for each name, created an hour before base.
func newSigningKey(name string) *storage.SigningKey {
	return &storage.SigningKey{
		ID:         "kid-" + name,
		Algorithm:  "ES256",
		Ciphertext: append([]byte{1, 0, 0xff, '\'', '"', '\\'}, "sealed-"+name...),
		CreatedAt:  at(-time.Hour),
		ActivateAt: at(-time.Hour),
	}
}

func signingKeyDiff(got, want *storage.SigningKey) diff {
	var d diff
	d.str("ID", got.ID, want.ID)
	d.str("Algorithm", got.Algorithm, want.Algorithm)
	if !bytes.Equal(got.Ciphertext, want.Ciphertext) {
		d = append(d, fmt.Sprintf("Ciphertext: got %x, want %x", got.Ciphertext, want.Ciphertext))
	}
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ActivateAt", got.ActivateAt, want.ActivateAt)
	d.time("RetiredAt", got.RetiredAt, want.RetiredAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	return d
}

func mustCreateKey(t *testing.T, s storage.SigningKeyStore, k *storage.SigningKey) {
	t.Helper()
	if err := s.CreateSigningKey(t.Context(), k); err != nil {
		t.Fatalf("CreateSigningKey(%q): got error %v, want nil", k.ID, err)
	}
}

// listKeys returns the stored keys.
func listKeys(t *testing.T, s storage.SigningKeyStore) []*storage.SigningKey {
	t.Helper()
	list, err := s.ListSigningKeys(t.Context())
	if err != nil {
		t.Fatalf("ListSigningKeys: got error %v, want nil", err)
	}
	return list
}

// wantKeys checks that the store holds exactly want, in that order.
func wantKeys(t *testing.T, s storage.SigningKeyStore, want ...*storage.SigningKey) {
	t.Helper()
	got := listKeys(t, s)
	if !slices.Equal(keyIDs(got), keyIDs(want)) {
		t.Fatalf("ListSigningKeys: got IDs %q, want %q", keyIDs(got), keyIDs(want))
	}
	for i := range got {
		signingKeyDiff(got[i], want[i]).report(t, "ListSigningKeys["+want[i].ID+"]")
	}
}

func keyIDs(list []*storage.SigningKey) []string {
	out := make([]string, len(list))
	for i, k := range list {
		out[i] = k.ID
	}
	return out
}

func testKeyCreateList(t *testing.T, s storage.SigningKeyStore) {
	active := newSigningKey("active")
	next := newSigningKey("next")
	next.Algorithm = "RS256"
	next.CreatedAt = base
	next.ActivateAt = at(24 * time.Hour)
	mustCreateKey(t, s, active)
	mustCreateKey(t, s, next)
	wantKeys(t, s, active, next)
}

func testKeyEmpty(t *testing.T, s storage.SigningKeyStore) {
	if list := listKeys(t, s); len(list) != 0 {
		t.Errorf("ListSigningKeys of an empty store: got %q, want none", keyIDs(list))
	}
}

func testKeyCreateDuplicate(t *testing.T, s storage.SigningKeyStore) {
	want := newSigningKey("a")
	mustCreateKey(t, s, want)
	dup := newSigningKey("a")
	dup.Algorithm = "RS256"
	dup.Ciphertext = []byte("attacker")
	if err := s.CreateSigningKey(t.Context(), dup); !errors.Is(err, storage.ErrExists) {
		t.Errorf("CreateSigningKey with a taken ID: got error %v, want ErrExists", err)
	}
	wantKeys(t, s, want)
}

func testKeyUpdate(t *testing.T, s storage.SigningKeyStore) {
	mustCreateKey(t, s, newSigningKey("a"))
	bystander := newSigningKey("b")
	mustCreateKey(t, s, bystander)
	tests := []struct {
		name   string
		change func(k *storage.SigningKey)
	}{
		{"Retire", func(k *storage.SigningKey) { k.RetiredAt, k.ExpiresAt = base, at(time.Hour) }},
		{"Reschedule", func(k *storage.SigningKey) { k.ActivateAt = at(time.Minute) }},
		{"Reseal", func(k *storage.SigningKey) { k.Ciphertext = []byte{2, 0, 0, 7} }},
		{"Unretire", func(k *storage.SigningKey) { k.RetiredAt, k.ExpiresAt = time.Time{}, time.Time{} }},
	}
	want := newSigningKey("a")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.change(want)
			if err := s.UpdateSigningKey(t.Context(), want); err != nil {
				t.Fatalf("UpdateSigningKey: got error %v, want nil", err)
			}
			wantKeys(t, s, want, bystander)
		})
	}
}

func testKeyUpdateUnknown(t *testing.T, s storage.SigningKeyStore) {
	mustCreateKey(t, s, newSigningKey("a"))
	if err := s.UpdateSigningKey(t.Context(), newSigningKey("ghost")); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdateSigningKey of an unknown ID: got error %v, want ErrNotFound", err)
	}
	wantKeys(t, s, newSigningKey("a"))
}

func testKeyDelete(t *testing.T, s storage.SigningKeyStore) {
	a, b, c := newSigningKey("a"), newSigningKey("b"), newSigningKey("c")
	for _, k := range []*storage.SigningKey{a, b, c} {
		mustCreateKey(t, s, k)
	}
	steps := []struct {
		name    string
		id      string
		wantErr error
		want    []*storage.SigningKey
	}{
		{"Middle", b.ID, nil, []*storage.SigningKey{a, c}},
		{"Again", b.ID, storage.ErrNotFound, []*storage.SigningKey{a, c}},
		{"Unknown", "kid-ghost", storage.ErrNotFound, []*storage.SigningKey{a, c}},
		{"EmptyID", "", storage.ErrNotFound, []*storage.SigningKey{a, c}},
		{"First", a.ID, nil, []*storage.SigningKey{c}},
		{"Last", c.ID, nil, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := s.DeleteSigningKey(t.Context(), st.id); !errors.Is(err, st.wantErr) {
				t.Errorf("DeleteSigningKey(%q): got error %v, want %v", st.id, err, st.wantErr)
			}
			wantKeys(t, s, st.want...)
		})
	}
	// A deleted ID may be used again.
	mustCreateKey(t, s, newSigningKey("b"))
	wantKeys(t, s, newSigningKey("b"))
}

// testKeyOrder stores keys out of order: the list is ordered by CreatedAt,
// then by ID byte by byte, whatever the database's collation.
func testKeyOrder(t *testing.T, s storage.SigningKeyStore) {
	specs := []struct {
		id      string
		created time.Duration
	}{
		{"late", time.Hour},
		{"b", 0},
		{"a", 0},
		{"B", 0},
		{"_", 0},
		{"early", -time.Hour},
		{"z", -time.Microsecond},
	}
	for _, sp := range specs {
		k := newSigningKey("")
		k.ID, k.CreatedAt = sp.id, at(sp.created)
		mustCreateKey(t, s, k)
	}
	want := []string{"early", "z", "B", "_", "a", "b", "late"}
	if got := keyIDs(listKeys(t, s)); !slices.Equal(got, want) {
		t.Errorf("ListSigningKeys: got IDs %q, want %q", got, want)
	}
}

func testKeyCopyIsolation(t *testing.T, s storage.SigningKeyStore) {
	k := newSigningKey("a")
	mustCreateKey(t, s, k)
	k.Ciphertext[0] = 'X'
	k.Algorithm = "none"
	got := listKeys(t, s)
	got[0].Ciphertext[1] = 'Y'
	got[0].RetiredAt = base
	wantKeys(t, s, newSigningKey("a"))

	u := newSigningKey("a")
	if err := s.UpdateSigningKey(t.Context(), u); err != nil {
		t.Fatalf("UpdateSigningKey: got error %v, want nil", err)
	}
	u.Ciphertext[2] = 'Z'
	wantKeys(t, s, newSigningKey("a"))
}

// testKeyCiphertextBytes checks that ciphertexts come back byte for byte:
// every byte value, NUL bytes, invalid UTF-8 and a large value.
func testKeyCiphertextBytes(t *testing.T, s storage.SigningKeyStore) {
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"OneByte", []byte{0}},
		{"EveryByte", every},
		{"InvalidUTF8", []byte{0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82}},
		{"Large", bytes.Repeat(every, 64)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := newSigningKey(tc.name)
			k.Ciphertext = bytes.Clone(tc.data)
			mustCreateKey(t, s, k)
			for _, got := range listKeys(t, s) {
				if got.ID == k.ID && !bytes.Equal(got.Ciphertext, tc.data) {
					t.Errorf("Ciphertext: got %d bytes %x, want %d bytes %x", len(got.Ciphertext), got.Ciphertext, len(tc.data), tc.data)
				}
			}
		})
	}
}
