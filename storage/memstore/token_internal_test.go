package memstore

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// compactToken is a token as the client credentials grant issues it: an
// ID from secret.ID and a digest from secret.Digest, which its record
// holds without a full copy.
func compactToken(family string, exp time.Time) *storage.Token {
	id := secret.ID()
	if family == "" {
		family = id
	}
	return &storage.Token{
		ID: id, FamilyID: family, ClientID: "svc", GrantType: grantry.GrantClientCredentials,
		Scope: grantry.Scope{"api:read"}, AccessHash: secret.Digest(secret.Token()),
		IssuedAt: exp.Add(-time.Hour), ExpiresAt: exp,
	}
}

func TestCompactRecords(t *testing.T) {
	exp := time.Date(2030, time.March, 4, 5, 6, 7, 123456789, time.UTC)
	withRefresh := compactToken("", exp)
	withRefresh.RefreshHash = secret.Digest(secret.Token())
	withRefresh.RefreshExpiresAt = exp.Add(time.Hour)
	noFamily := compactToken("", exp)
	noFamily.FamilyID = ""
	emptyScope := compactToken("", exp)
	emptyScope.Scope = grantry.Scope{}
	nilScope := compactToken("", exp)
	nilScope.Scope = nil
	otherFamily := compactToken(secret.ID(), exp)
	ordered := compactToken("", exp)
	ordered.ID = secret.OrderedID(exp)
	ordered.FamilyID = ordered.ID
	orderedFamily := compactToken(secret.OrderedID(exp.Add(-time.Minute)), exp)
	orderedFamily.ID = secret.OrderedID(exp)
	withID := compactToken("", exp)
	withID.ID = secret.OrderedID(exp)
	withID.FamilyID = withID.ID
	withID.AccessHash = secret.Digest(secret.TokenWithID(withID.ID))
	withID.RefreshHash = secret.Digest(secret.TokenWithID(withID.ID))
	withID.RefreshExpiresAt = exp.Add(time.Hour)
	tests := []struct {
		name string
		tok  *storage.Token
	}{
		{"access only", compactToken("", exp)},
		{"with refresh", withRefresh},
		{"no family", noFamily},
		{"empty scope", emptyScope},
		{"nil scope", nilScope},
		{"family of another ID", otherFamily},
		{"ordered ID", ordered},
		{"ordered ID in an ordered family", orderedFamily},
		{"hashes with the ID in front", withID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			if err := s.CreateToken(t.Context(), tt.tok); err != nil {
				t.Fatalf("CreateToken: got %v, want nil", err)
			}
			if got := len(s.tokens.full); got != 0 {
				t.Errorf("full copies: got %d, want 0", got)
			}
			if got := len(s.tokens.byFamily); got != 0 && tt.tok.FamilyID == tt.tok.ID {
				t.Errorf("families listed: got %d, want 0 (a token alone in its family is found by ID)", got)
			}
			got, err := s.TokenByAccess(t.Context(), tt.tok.AccessHash)
			if err != nil {
				t.Fatalf("TokenByAccess: got %v, want nil", err)
			}
			if !reflect.DeepEqual(got, tt.tok) {
				t.Errorf("TokenByAccess:\ngot  %+v\nwant %+v", got, tt.tok)
			}
			if tt.tok.RefreshHash != "" {
				got, err := s.TokenByRefresh(t.Context(), tt.tok.RefreshHash)
				if err != nil || !reflect.DeepEqual(got, tt.tok) {
					t.Errorf("TokenByRefresh:\ngot  %+v, %v\nwant %+v", got, err, tt.tok)
				}
			}
			if got.ExpiresAt.Location() != time.UTC {
				t.Errorf("ExpiresAt location: got %v, want UTC", got.ExpiresAt.Location())
			}
		})
	}
}

// TestIDKeys checks that the IDs Grantry makes are packed into their keys
// and given back, and that no two IDs share a key.
func TestIDKeys(t *testing.T) {
	tests := []struct {
		name      string
		id        string
		canonical bool
	}{
		{"secret.ID", secret.ID(), true},
		{"secret.OrderedID", secret.OrderedID(time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)), true},
		{"all zero bits", "AAAAAAAAAAAAAAAAAAAAAA", true},
		{"all one bits", "______________________", true},
		{"last bits set", "AAAAAAAAAAAAAAAAAAAAA_", true},
		{"21 characters", "AAAAAAAAAAAAAAAAAAAAA", false},
		{"23 characters", "AAAAAAAAAAAAAAAAAAAAAAA", false},
		{"not base64url", "AAAAAAAAAAAAAAAAAAAA+A", false},
		{"padding", "AAAAAAAAAAAAAAAAAAAAA=", false},
		{"line feed", "AAAAAAAAAAAAAAAAAAAAA\n", false},
		{"carriage return inside", "AAAAAAAAAA\rAAAAAAAAAAA", false},
		{"empty", "", false},
		{"client-chosen", "family-1", false},
	}
	seen := make(map[idKey]string)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, canonical := idKeyOf(tt.id)
			if canonical != tt.canonical {
				t.Fatalf("idKeyOf(%q): got canonical %v, want %v", tt.id, canonical, tt.canonical)
			}
			if other, ok := seen[k]; ok {
				t.Errorf("idKeyOf(%q): got the key of %q", tt.id, other)
			}
			seen[k] = tt.id
			if last := k[len(k)-1] & 0x0f; canonical && last != 0 || !canonical && last != 0x0f {
				t.Errorf("idKeyOf(%q): got last bits %#x", tt.id, last)
			}
			if got := idString(&k); canonical && got != tt.id {
				t.Errorf("idString(idKeyOf(%q)): got %q, want the ID", tt.id, got)
			}
		})
	}
}

// TestCompactFamilies revokes and purges the tokens of linked families in
// every position of their lists.
func TestCompactFamilies(t *testing.T) {
	exp := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name   string
		expire int  // which of the three tokens of the family expires
		own    bool // the family ID is the first token's ID
	}{
		{"first stored", 0, false},
		{"middle", 1, false},
		{"last stored", 2, false},
		{"first stored, own family", 0, true},
		{"middle, own family", 1, true},
		{"last stored, own family", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			family := secret.ID()
			var toks []*storage.Token
			for i := range 3 {
				e := exp
				if i == tt.expire {
					e = exp.Add(-2 * time.Hour)
				}
				tok := compactToken(family, e)
				if tt.own && i == 0 {
					family = tok.ID
					tok.FamilyID = family
				}
				toks = append(toks, tok)
				if err := s.CreateToken(t.Context(), tok); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := s.Purge(t.Context(), exp.Add(-time.Hour)); n != 1 || err != nil {
				t.Fatalf("Purge: got (%d, %v), want (1, nil)", n, err)
			}
			if err := s.RevokeFamily(t.Context(), family); err != nil {
				t.Fatal(err)
			}
			for i, tok := range toks {
				got, err := s.TokenByAccess(t.Context(), tok.AccessHash)
				if i == tt.expire {
					if !errors.Is(err, storage.ErrNotFound) {
						t.Errorf("expired token %d: got (%v, %v), want ErrNotFound", i, got, err)
					}
					continue
				}
				if err != nil || !got.Revoked {
					t.Errorf("token %d: got (%+v, %v), want revoked", i, got, err)
				}
			}
			if n, _ := s.Purge(t.Context(), exp.Add(time.Second)); n != 2 {
				t.Errorf("second Purge: got %d removed, want 2", n)
			}
			if len(s.tokens.byFamily) != 0 || len(s.tokens.byID) != 0 || len(s.tokens.strs.ids) != 0 {
				t.Errorf("after purging all: got %d families, %d IDs, %d strings, want none",
					len(s.tokens.byFamily), len(s.tokens.byID), len(s.tokens.strs.ids))
			}
		})
	}
}

func TestPackTime(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		ok   bool
	}{
		{"zero", time.Time{}, true},
		{"2030", time.Date(2030, time.March, 4, 5, 6, 7, 123456789, time.UTC), true},
		{"the epoch, which 0 cannot stand for", time.Unix(0, 0), false},
		{"before 1678", time.Date(1600, time.January, 1, 0, 0, 0, 0, time.UTC), false},
		{"after 2262", time.Date(2500, time.January, 1, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := packTime(tt.t)
			if ok != tt.ok {
				t.Fatalf("packTime(%v): got ok %v, want %v", tt.t, ok, tt.ok)
			}
			if ok && !unpackTime(n).Equal(tt.t) {
				t.Errorf("unpackTime(packTime(%v)) = %v, want it back", tt.t, unpackTime(n))
			}
		})
	}
	// A token whose time does not pack keeps a full copy, and its time.
	s := New()
	tok := compactToken("", time.Date(2500, time.January, 1, 0, 0, 0, 0, time.UTC))
	if err := s.CreateToken(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenByAccess(t.Context(), tok.AccessHash)
	if err != nil || !got.ExpiresAt.Equal(tok.ExpiresAt) || len(s.tokens.full) != 1 {
		t.Errorf("token expiring in 2500: got (%v, %v) with %d full copies, want its expiry and 1", got, err, len(s.tokens.full))
	}
}

// TestHashesWithID checks that a hash with an ID in front and a plain
// digest are different keys though the store keys both by the digest, and
// that a hash in front of which stands another token's ID is kept whole.
func TestHashesWithID(t *testing.T) {
	exp := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	own := compactToken("", exp)
	own.AccessHash = secret.Digest(secret.TokenWithID(own.ID))
	plain := compactToken("", exp)
	other := compactToken("", exp)
	other.AccessHash = secret.Digest(secret.TokenWithID(secret.ID()))
	tests := []struct {
		name     string
		tok      *storage.Token
		wantFull int
		missing  []string
	}{
		{"own ID", own, 0, []string{own.AccessHash[23:], secret.ID() + own.AccessHash[22:]}},
		{"plain digest", plain, 0, []string{own.ID + "." + plain.AccessHash}},
		{"another ID", other, 1, []string{other.AccessHash[23:], own.ID + other.AccessHash[22:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			if err := s.CreateToken(t.Context(), tt.tok); err != nil {
				t.Fatalf("CreateToken: got %v, want nil", err)
			}
			if got := len(s.tokens.full); got != tt.wantFull {
				t.Errorf("full copies: got %d, want %d", got, tt.wantFull)
			}
			got, err := s.TokenByAccess(t.Context(), tt.tok.AccessHash)
			if err != nil || !reflect.DeepEqual(got, tt.tok) {
				t.Errorf("TokenByAccess:\ngot  %+v, %v\nwant %+v", got, err, tt.tok)
			}
			for _, h := range tt.missing {
				if got, err := s.TokenByAccess(t.Context(), h); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("TokenByAccess(%q): got (%v, %v), want ErrNotFound", h, got, err)
				}
			}
		})
	}
}
