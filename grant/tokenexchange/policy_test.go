package tokenexchange_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/grant/tokenexchange"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// validatorFunc is a Validator of a function.
type validatorFunc func(ctx context.Context, token string, now time.Time) (*tokenexchange.Token, error)

func (f validatorFunc) Validate(ctx context.Context, token string, now time.Time) (*tokenexchange.Token, error) {
	return f(ctx, token, now)
}

// A Policy of the application decides in place of the rules, within what
// the grant enforces: the client's scope, the subject token's expiry.
func TestExchangePolicy(t *testing.T) {
	var seen *tokenexchange.Exchange
	decide := func(d *tokenexchange.Decision, err error) tokenexchange.Policy {
		return func(_ context.Context, e *tokenexchange.Exchange) (*tokenexchange.Decision, error) {
			seen = e
			return d, err
		}
	}
	tests := []struct {
		name    string
		policy  tokenexchange.Policy
		params  url.Values
		status  int
		err     grantry.ErrorCode
		wantExp int64
	}{
		{name: "policy refuses", policy: decide(nil, grantry.NewError(grantry.ErrInvalidTarget, "no")),
			params: subject("at-alice", typeAT), status: 400, err: grantry.ErrInvalidTarget},
		{name: "policy fails", policy: decide(nil, errors.New("database gone")),
			params: subject("at-alice", typeAT), status: 500, err: grantry.ErrServerError},
		{name: "policy grants beyond the client's scope", policy: decide(&tokenexchange.Decision{Scope: grantry.Scope{"read", "delete"}}, nil),
			params: subject("at-alice", typeAT), status: 400, err: grantry.ErrInvalidScope},
		{name: "policy lifetime, capped by the subject token", policy: decide(&tokenexchange.Decision{ExpiresIn: 24 * time.Hour}, nil),
			params: subject("at-short", typeAT), status: 200, wantExp: 300},
		{name: "policy lifetime", policy: decide(&tokenexchange.Decision{ExpiresIn: time.Minute}, nil),
			params: subject("at-alice", typeAT, "audience", "anything", "resource", "https://r.test", "scope", "admin"), status: 200, wantExp: 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tokenexchange.Config{Policy: tt.policy})
			w, body := f.exchange(t, "app", tt.params)
			if w.Code != tt.status || (tt.err != "" && body["error"] != string(tt.err)) {
				t.Fatalf("got %d %v, want %d %s", w.Code, body, tt.status, tt.err)
			}
			if tt.status == 200 {
				if got, _ := body["expires_in"].(float64); int64(got) != tt.wantExp {
					t.Errorf("expires_in: got %v, want %d", got, tt.wantExp)
				}
			}
		})
	}
	// What the policy saw of the last request.
	if !slices.Equal(seen.Audience, []string{"anything"}) || !slices.Equal(seen.Resource, []string{"https://r.test"}) ||
		!seen.Scope.Equal(grantry.Scope{"admin"}) || seen.Subject.Subject != "alice" || seen.Actor != nil || seen.Client.ID != "app" {
		t.Errorf("Exchange: got %+v, want the request's targets, scope, subject and client", seen)
	}
}

// A validator's outage is the server's, not the client's fault.
func TestExchangeValidatorFails(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   grantry.ErrorCode
	}{
		{"store unavailable", storage.ErrUnavailable, http.StatusServiceUnavailable, grantry.ErrTemporarilyUnavailable},
		{"other failure", errors.New("boom"), http.StatusInternalServerError, grantry.ErrServerError},
		{"invalid token", tokenexchange.ErrInvalidToken, http.StatusBadRequest, grantry.ErrInvalidGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validatorFunc(func(context.Context, string, time.Time) (*tokenexchange.Token, error) { return nil, tt.err })
			f := newFixture(t, tokenexchange.Config{Validators: map[string]tokenexchange.Validator{typeAT: v}})
			w, body := f.exchange(t, "app", subject("x", typeAT))
			if w.Code != tt.status || body["error"] != string(tt.code) {
				t.Errorf("got %d %v, want %d %s", w.Code, body, tt.status, tt.code)
			}
			if desc, _ := body["error_description"].(string); strings.Contains(desc, "boom") {
				t.Errorf("error_description %q leaks the cause", desc)
			}
		})
	}
}

// The keys of a trusted issuer that cannot be fetched make the server
// unavailable, not the token invalid.
func TestExchangeIssuerKeysUnavailable(t *testing.T) {
	remote, err := keyset.NewRemote("http://127.0.0.1:1/jwks", keyset.RemoteConfig{})
	if err != nil {
		t.Fatal(err)
	}
	jwts, err := tokenexchange.Issuers(tokenexchange.Issuer{Issuer: idpIssuer, Keys: remote, Audiences: []string{issuer}})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, tokenexchange.Config{Validators: map[string]tokenexchange.Validator{typeJWT: jwts}})
	w, body := f.exchange(t, "app", subject(f.idpJWT(t, nil), typeJWT))
	if w.Code != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" || w.Header().Get("Retry-After") == "" {
		t.Errorf("got %d %v, want 503 temporarily_unavailable with Retry-After", w.Code, body)
	}
}

// A validator that names no subject is refused: the issued token would
// otherwise be the client's own.
func TestExchangeNoSubject(t *testing.T) {
	v := validatorFunc(func(context.Context, string, time.Time) (*tokenexchange.Token, error) {
		return &tokenexchange.Token{ClientID: "app"}, nil
	})
	f := newFixture(t, tokenexchange.Config{Validators: map[string]tokenexchange.Validator{typeAT: v}})
	w, body := f.exchange(t, "app", subject("x", typeAT))
	if w.Code != 400 || body["error"] != "invalid_grant" {
		t.Errorf("got %d %v, want 400 invalid_grant", w.Code, body)
	}
}

// A chain of delegations deeper than the grant allows is refused.
func TestExchangeActDepth(t *testing.T) {
	act := map[string]any{"sub": "a0"}
	for i := range 8 {
		act = map[string]any{"sub": "a" + string(rune('1'+i)), "act": act}
	}
	v := validatorFunc(func(_ context.Context, token string, _ time.Time) (*tokenexchange.Token, error) {
		if token == "actor" {
			return &tokenexchange.Token{Subject: "gw", ClientID: "gw", Issuer: issuer}, nil
		}
		return &tokenexchange.Token{Subject: "alice", ClientID: "app", Act: act}, nil
	})
	f := newFixture(t, tokenexchange.Config{Validators: map[string]tokenexchange.Validator{typeAT: v}})
	w, body := f.exchange(t, "gw", subject("x", typeAT, "actor_token", "actor", "actor_token_type", typeAT))
	if w.Code != 400 || body["error"] != "invalid_grant" {
		t.Errorf("got %d %v, want 400 invalid_grant", w.Code, body)
	}
}

func TestIssuersConfig(t *testing.T) {
	keys := newKeySet(t)
	tests := []struct {
		name    string
		issuers []tokenexchange.Issuer
	}{
		{"no issuer", []tokenexchange.Issuer{{Keys: keys, Audiences: []string{issuer}}}},
		{"no keys", []tokenexchange.Issuer{{Issuer: idpIssuer, Audiences: []string{issuer}}}},
		{"no audience", []tokenexchange.Issuer{{Issuer: idpIssuer, Keys: keys}}},
		{"twice", []tokenexchange.Issuer{{Issuer: idpIssuer, Keys: keys, Audiences: []string{issuer}}, {Issuer: idpIssuer, Keys: keys, Audiences: []string{issuer}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tokenexchange.Issuers(tt.issuers...); err == nil {
				t.Error("Issuers: got no error, want one")
			}
		})
	}
	if _, err := tokenexchange.IDTokens(tokenexchange.Issuer{Issuer: issuer}); err == nil {
		t.Error("IDTokens without keys: got no error, want one")
	}
}
