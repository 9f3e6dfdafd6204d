package storagetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// familyTests checks that a revoked family stays revoked — a token stored
// in it afterwards is stored revoked, which is what revokes the tokens of a
// code replayed while its first exchange is still storing them
// (RFC 6749 §4.1.2) — and that a refresh token keeps its own scope.
var familyTests = []test[storage.TokenStore]{
	{"CreateAfterRevokeFamily", func(t *testing.T, s storage.TokenStore) {
		if err := s.RevokeFamily(t.Context(), "fam-late"); err != nil {
			t.Fatalf("RevokeFamily: got error %v, want nil", err)
		}
		late := newToken("late", "fam-late")
		mustCreateToken(t, s, late)
		if got := mustAccess(t, s, late); !got.Revoked {
			t.Errorf("token stored after its family was revoked: got Revoked=false, want true")
		}
		other := newToken("unrelated", "fam-unrelated")
		mustCreateToken(t, s, other)
		if got := mustAccess(t, s, other); got.Revoked {
			t.Errorf("token of another family: got Revoked=true, want false")
		}
	}},
	{"RotateAfterRevokeFamily", func(t *testing.T, s storage.TokenStore) {
		first, next := newToken("first", "fam-rot"), newToken("next", "fam-rot")
		mustCreateToken(t, s, first)
		if err := s.RevokeToken(t.Context(), "unknown"); err != nil {
			t.Fatalf("RevokeToken(unknown): got error %v, want nil", err)
		}
		if err := s.RevokeFamily(t.Context(), "fam-rot"); err != nil {
			t.Fatalf("RevokeFamily: got error %v, want nil", err)
		}
		// RevokeFamily revoked first: rotating it is a reuse, which
		// stores nothing.
		if err := s.RotateRefreshToken(t.Context(), first.RefreshHash, next); !errors.Is(err, storage.ErrRefreshReused) {
			t.Errorf("RotateRefreshToken of a token of a revoked family: got error %v, want ErrRefreshReused", err)
		}
		if got, err := s.TokenByAccess(t.Context(), next.AccessHash); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("token of a refused rotation: got (%+v, %v), want ErrNotFound", got, err)
		}
	}},
	{"ResourceRoundTrip", func(t *testing.T, s storage.TokenStore) {
		bound := newToken("bound", "fam-bound")
		bound.RefreshResource = nil
		unbound := accessOnly("unbound")
		mustCreateToken(t, s, bound)
		mustCreateToken(t, s, unbound)
		got := mustAccess(t, s, bound)
		if !slices.Equal(got.Resource, bound.Resource) || got.RefreshResource != nil {
			t.Errorf("bound: got Resource %q RefreshResource %q, want %q and nil", got.Resource, got.RefreshResource, bound.Resource)
		}
		got = mustAccess(t, s, unbound)
		if got.Resource != nil || got.RefreshResource != nil {
			t.Errorf("unbound: got Resource %q RefreshResource %q, want nil and nil", got.Resource, got.RefreshResource)
		}
	}},
	{"RefreshScopeRoundTrip", func(t *testing.T, s storage.TokenStore) {
		tok := newToken("narrowed", "fam-narrowed")
		tok.Scope = grantry.Scope{"email"}
		tok.RefreshScope = grantry.Scope{"profile", "email"}
		mustCreateToken(t, s, tok)
		got, err := s.TokenByRefresh(t.Context(), tok.RefreshHash)
		if err != nil {
			t.Fatalf("TokenByRefresh: got error %v, want nil", err)
		}
		if !got.RefreshScope.Equal(tok.RefreshScope) || !got.Scope.Equal(tok.Scope) {
			t.Errorf("got Scope %q RefreshScope %q, want %q and %q", got.Scope, got.RefreshScope, tok.Scope, tok.RefreshScope)
		}
	}},
}

func mustAccess(t *testing.T, s storage.TokenStore, tok *storage.Token) *storage.Token {
	t.Helper()
	got, err := s.TokenByAccess(t.Context(), tok.AccessHash)
	if err != nil {
		t.Fatalf("TokenByAccess(%s): got error %v, want nil", tok.ID, err)
	}
	return got
}
