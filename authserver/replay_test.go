package authserver_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// ACCEPTANCE 18: the same code twice: the second is refused and revokes
// what the first issued (RFC 6749 §4.1.2), the access token and the
// refresh token alike, even after the refresh token was rotated.
func TestCodeReplayRevokesTokens(t *testing.T) {
	tests := []struct {
		name          string
		refreshBefore bool // the client refreshed before the replay
	}{
		{name: "replay right after the exchange"},
		{name: "replay after a refresh", refreshBefore: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			code := f.obtainCode(t, codeRequest())
			first := mustToken(t, f.exchange(t, code))
			live := []string{first.AccessToken}
			rt := first.RefreshToken
			if tt.refreshBefore {
				next := mustToken(t, f.token(t, asClient(tokenRequest(refreshForm(rt)), "c1")))
				live = []string{next.AccessToken}
				rt = next.RefreshToken
			}
			for _, a := range live {
				if !f.activeToken(t, a) {
					t.Fatalf("the token is not active before the replay")
				}
			}

			checkJSONError(t, f.exchange(t, code), 400, "invalid_grant")

			for _, a := range append(live, first.AccessToken) {
				tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(a))
				if err != nil {
					t.Fatalf("TokenByAccess: %v", err)
				}
				if !tok.Revoked {
					t.Errorf("Revoked: got false, want true for a token of the replayed code")
				}
			}
			res := f.token(t, asClient(tokenRequest(refreshForm(rt)), "c1"))
			checkJSONError(t, res, 400, "invalid_grant")
		})
	}
}

// ACCEPTANCE 23: refresh tokens rotate; a rotated one presented again is
// refused and revokes its whole family, the newest tokens included
// (RFC 9700 §4.14.2).
func TestRefreshRotation(t *testing.T) {
	f := newFixture(t)
	first := f.c1Tokens(t)
	refresh := func(rt string) *http.Response {
		return f.token(t, asClient(tokenRequest(refreshForm(rt)), "c1"))
	}
	second := mustToken(t, refresh(first.RefreshToken))
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh token: got %q, want a new one", second.RefreshToken)
	}
	if second.Scope != "profile email" {
		t.Errorf("scope: got %q, want the original profile email", second.Scope)
	}
	old, err := f.store.TokenByRefresh(t.Context(), secret.Digest(first.RefreshToken))
	if err != nil || !old.Revoked {
		t.Fatalf("the rotated token: got (%+v, %v), want it revoked", old, err)
	}
	third := mustToken(t, refresh(second.RefreshToken))

	checkJSONError(t, refresh(first.RefreshToken), 400, "invalid_grant")

	for i, a := range []string{first.AccessToken, second.AccessToken, third.AccessToken} {
		if f.activeToken(t, a) {
			t.Errorf("access token %d: active after reuse of a rotated refresh token, want revoked", i+1)
		}
	}
	checkJSONError(t, refresh(third.RefreshToken), 400, "invalid_grant")
}

// lostRace is a token store in which every refresh token rotation loses
// to a concurrent request, as RotateRefreshToken reports it: with
// ErrRefreshReused once the store has revoked the family, or with
// ErrNotFound when the token is gone.
type lostRace struct {
	*memstore.Store
	err error
}

func (s lostRace) RotateRefreshToken(ctx context.Context, _ string, next *storage.Token) error {
	if errors.Is(s.err, storage.ErrRefreshReused) {
		if err := s.Store.RevokeFamily(ctx, next.FamilyID); err != nil {
			return err
		}
	}
	return s.err
}

// A refresh that loses the rotation to a concurrent one is invalid_grant.
// A reuse reported by the store is reported as FamilyRevoked once, as the
// refresh grant reports a reuse it finds itself (RFC 9700 §4.14.2).
func TestRefreshRotationLostRace(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantEvents int
	}{
		{name: "refresh token reused", err: storage.ErrRefreshReused, wantEvents: 1},
		{name: "refresh token gone", err: storage.ErrNotFound, wantEvents: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []string
			f := newFixture(t, func(s *fixtureSetup) {
				s.Config.Tokens = lostRace{Store: s.Config.Tokens.(*memstore.Store), err: tt.err}
				s.Config.Events.FamilyRevoked = func(_ context.Context, family, client string) {
					events = append(events, family+" "+client)
				}
			})
			first := f.c1Tokens(t)
			tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(first.AccessToken))
			if err != nil {
				t.Fatalf("TokenByAccess: %v", err)
			}
			res := f.token(t, asClient(tokenRequest(refreshForm(first.RefreshToken)), "c1"))
			body := checkJSONError(t, res, 400, "invalid_grant")
			if _, ok := body["access_token"]; ok {
				t.Errorf("an error response carries an access token: %v", body)
			}
			if len(events) != tt.wantEvents {
				t.Fatalf("FamilyRevoked: got %q, want %d event(s)", events, tt.wantEvents)
			}
			if want := tok.FamilyID + " c1"; tt.wantEvents == 1 && events[0] != want {
				t.Errorf("FamilyRevoked: got %q, want %q", events[0], want)
			}
		})
	}
}
