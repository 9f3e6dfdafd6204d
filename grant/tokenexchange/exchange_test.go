package tokenexchange_test

import (
	"context"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/grant/tokenexchange"
	"github.com/grantry/grantry/storage"
)

const (
	typeAT  = tokenexchange.TypeAccessToken
	typeJWT = tokenexchange.TypeJWT
	typeID  = tokenexchange.TypeIDToken
)

// An exchange that succeeds answers RFC 8693 §2.2.1 and stores a token
// for the subject, with the act claim of a delegation (§4.1).
func TestExchangeIssues(t *testing.T) {
	f := newFixture(t, tokenexchange.Config{})
	tests := []struct {
		name      string
		client    string
		params    url.Values
		wantScope string
		wantAud   []string
		wantSub   string
		wantAct   string // the stored act claim, "" for none
		wantExp   int64  // expires_in
	}{
		{name: "impersonation, narrower scope, another audience", client: "app",
			params:    subject("at-alice", typeAT, "scope", "read", "audience", "orders"),
			wantScope: "read", wantAud: []string{"orders"}, wantSub: "alice", wantExp: 3600},
		{name: "no scope asked: the subject token's", client: "app",
			params:    subject("at-alice", typeAT),
			wantScope: "read write", wantAud: []string{api}, wantSub: "alice", wantExp: 3600},
		{name: "audiences and resources together, repeats dropped", client: "app",
			params:    subject("at-alice", typeAT, "audience", "orders", "audience", "orders", "resource", api, "resource", api),
			wantScope: "read write", wantAud: []string{"orders", api}, wantSub: "alice", wantExp: 3600},
		{name: "the client's own target", client: "svc",
			params:    subject("at-alice", typeAT, "resource", "https://svc.test", "scope", "read"),
			wantScope: "read", wantAud: []string{"https://svc.test"}, wantSub: "alice", wantExp: 3600},
		{name: "no longer than the subject token", client: "app",
			params:    subject("at-short", typeAT),
			wantScope: "read", wantSub: "alice", wantExp: 300},
		{name: "gateway exchanges another client's token", client: "gw",
			params:    subject("at-other", typeAT),
			wantScope: "read", wantSub: "bob", wantExp: 3600},
		{name: "delegation allowed by may_act", client: "svc",
			params:    subject("at-mayact", typeAT, "actor_token", "at-svc", "actor_token_type", typeAT, "scope", "read"),
			wantScope: "read", wantSub: "alice", wantAct: `{"iss":"https://as.test","sub":"svc"}`, wantExp: 3600},
		{name: "delegation of a delegated token nests act", client: "svc",
			params:    subject("at-delegated", typeAT, "actor_token", "at-svc", "actor_token_type", typeAT),
			wantScope: "read", wantSub: "alice", wantAct: `{"act":{"sub":"gw"},"iss":"https://as.test","sub":"svc"}`, wantExp: 3600},
		{name: "impersonating a delegated token keeps its act", client: "app",
			params:    subject("at-delegated", typeAT),
			wantScope: "read", wantSub: "alice", wantAct: `{"sub":"gw"}`, wantExp: 3600},
		{name: "delegation without may_act where the rules allow it", client: "noimp",
			params:    subject("at-alice", typeAT, "actor_token", "at-noimp", "actor_token_type", typeAT, "scope", "read"),
			wantScope: "read", wantAud: []string{api}, wantSub: "alice", wantAct: `{"iss":"https://as.test","sub":"noimp"}`, wantExp: 3600},
		{name: "JWT of a trusted issuer", client: "app",
			params:    subject(f.idpJWT(t, nil), typeJWT, "audience", "orders"),
			wantScope: "read", wantAud: []string{"orders"}, wantSub: "alice", wantExp: 3600},
		{name: "JWT with may_act, actor a JWT too", client: "svc",
			params: subject(f.idpJWT(t, map[string]any{"may_act": map[string]any{"sub": "svc", "iss": idpIssuer}}), typeJWT,
				"actor_token", f.idpJWT(t, map[string]any{"sub": "svc", "client_id": "svc", "exp": now.Add(10 * time.Minute).Unix()}), "actor_token_type", typeJWT),
			wantSub: "alice", wantAct: `{"iss":"https://idp.test","sub":"svc"}`, wantExp: 600, wantScope: "read"},
		{name: "ID token of the server", client: "app",
			params:  subject(f.idToken(t, "JWT"), typeID, "resource", api),
			wantAud: []string{api}, wantSub: "alice", wantExp: 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, body := f.exchange(t, tt.client, tt.params)
			if w.Code != 200 {
				t.Fatalf("status: got %d %v, want 200", w.Code, body)
			}
			if got := body["issued_token_type"]; got != typeAT {
				t.Errorf("issued_token_type: got %v, want %s", got, typeAT)
			}
			if got := body["token_type"]; got != "Bearer" {
				t.Errorf("token_type: got %v, want Bearer", got)
			}
			if _, ok := body["refresh_token"]; ok {
				t.Errorf("got a refresh_token, want none")
			}
			if got, _ := body["scope"].(string); got != tt.wantScope {
				t.Errorf("scope: got %q, want %q", got, tt.wantScope)
			}
			if got, _ := body["expires_in"].(float64); int64(got) != tt.wantExp {
				t.Errorf("expires_in: got %v, want %d", got, tt.wantExp)
			}
			tok := f.stored(t, body["access_token"].(string))
			if tok.Subject != tt.wantSub || tok.ClientID != tt.client || tok.GrantType != grantry.GrantTokenExchange {
				t.Errorf("record: got sub %q client %q grant %q, want %q %q %q", tok.Subject, tok.ClientID, tok.GrantType, tt.wantSub, tt.client, grantry.GrantTokenExchange)
			}
			if len(tok.Resource) != 0 || len(tt.wantAud) != 0 {
				if !slices.Equal(tok.Resource, tt.wantAud) {
					t.Errorf("audience: got %q, want %q", tok.Resource, tt.wantAud)
				}
			}
			if got := tok.Extra[storage.ExtraAct]; got != tt.wantAct {
				t.Errorf("act: got %s, want %s", got, tt.wantAct)
			}
			if tok.RefreshHash != "" {
				t.Errorf("record has a refresh token, want none")
			}
		})
	}
}

// Refused exchanges get the codes of RFC 8693 §2.2.2 and RFC 6749 §5.2.
func TestExchangeRefused(t *testing.T) {
	f := newFixture(t, tokenexchange.Config{})
	actor := []string{"actor_token", "at-svc", "actor_token_type", typeAT}
	tests := []struct {
		name   string
		client string
		params url.Values
		status int
		err    grantry.ErrorCode
	}{
		{"no subject_token", "app", form("subject_token_type", typeAT), 400, grantry.ErrInvalidRequest},
		{"no subject_token_type", "app", form("subject_token", "at-alice"), 400, grantry.ErrInvalidRequest},
		{"subject_token twice", "app", subject("at-alice", typeAT, "subject_token", "at-alice"), 400, grantry.ErrInvalidRequest},
		{"scope twice", "app", subject("at-alice", typeAT, "scope", "read", "scope", "read"), 400, grantry.ErrInvalidRequest},
		{"unsupported subject_token_type", "app", subject("at-alice", tokenexchange.TypeSAML2), 400, grantry.ErrInvalidRequest},
		{"refresh token type not accepted", "app", subject("at-alice", tokenexchange.TypeRefreshToken), 400, grantry.ErrInvalidRequest},
		{"actor_token without its type", "svc", subject("at-mayact", typeAT, "actor_token", "at-svc"), 400, grantry.ErrInvalidRequest},
		{"actor_token_type without a token", "svc", subject("at-mayact", typeAT, "actor_token_type", typeAT), 400, grantry.ErrInvalidRequest},
		{"unsupported actor_token_type", "svc", subject("at-mayact", typeAT, "actor_token", "x", "actor_token_type", "urn:x"), 400, grantry.ErrInvalidRequest},
		{"unsupported requested_token_type", "app", subject("at-alice", typeAT, "requested_token_type", typeID), 400, grantry.ErrInvalidRequest},
		{"JWT asked by a client of opaque tokens", "app", subject("at-alice", typeAT, "requested_token_type", typeJWT), 400, grantry.ErrInvalidRequest},
		{"unknown subject token", "app", subject("nope", typeAT), 400, grantry.ErrInvalidGrant},
		{"expired subject token", "app", subject("at-expired", typeAT), 400, grantry.ErrInvalidGrant},
		{"revoked subject token", "app", subject("at-revoked", typeAT), 400, grantry.ErrInvalidGrant},
		{"access token sent as a JWT", "app", subject("at-alice", typeJWT), 400, grantry.ErrInvalidGrant},
		{"unknown actor token", "svc", subject("at-mayact", typeAT, "actor_token", "nope", "actor_token_type", typeAT), 400, grantry.ErrInvalidGrant},
		{"expired actor token", "app", subject("at-alice", typeAT, "actor_token", "at-expired", "actor_token_type", typeAT), 400, grantry.ErrInvalidGrant},
		{"may_act names another actor", "gw", subject("at-mayact", typeAT, "actor_token", "at-gw", "actor_token_type", typeAT), 400, grantry.ErrInvalidGrant},
		{"may_act names another issuer", "svc", subject("at-mayact-iss", typeAT, actor...), 400, grantry.ErrInvalidGrant},
		{"JWT of an untrusted issuer", "app", subject(f.idpJWT(t, map[string]any{"iss": "https://evil.test"}), typeJWT), 400, grantry.ErrInvalidGrant},
		{"JWT for another audience", "app", subject(f.idpJWT(t, map[string]any{"aud": "https://other.test"}), typeJWT), 400, grantry.ErrInvalidGrant},
		{"expired JWT, past the leeway", "app", subject(f.idpJWT(t, map[string]any{"exp": now.Add(-2 * time.Minute).Unix()}), typeJWT), 400, grantry.ErrInvalidGrant},
		{"JWT not yet valid", "app", subject(f.idpJWT(t, map[string]any{"nbf": now.Add(2 * time.Minute).Unix()}), typeJWT), 400, grantry.ErrInvalidGrant},
		{"JWT issued in the future", "app", subject(f.idpJWT(t, map[string]any{"iat": now.Add(2 * time.Minute).Unix()}), typeJWT), 400, grantry.ErrInvalidGrant},
		{"JWT without exp", "app", subject(f.idpJWT(t, map[string]any{"exp": nil}), typeJWT), 400, grantry.ErrInvalidGrant},
		{"JWT without sub", "app", subject(f.idpJWT(t, map[string]any{"sub": nil}), typeJWT), 400, grantry.ErrInvalidGrant},
		{"JWT signed by the server, claiming the issuer", "app", subject(signJWT(t, f.keys, map[string]any{"iss": idpIssuer, "sub": "alice", "aud": issuer, "exp": now.Add(time.Hour).Unix()}, "JWT"), typeJWT), 400, grantry.ErrInvalidGrant},
		{"JWT access token sent as an ID token", "app", subject(f.idToken(t, "at+jwt"), typeID), 400, grantry.ErrInvalidGrant},
		{"malformed JWT", "app", subject("a.b.c", typeJWT), 400, grantry.ErrInvalidGrant},
		{"another client's token", "app", subject("at-other", typeAT), 400, grantry.ErrUnauthorizedClient},
		{"ID token of another client", "jwtapp", subject(f.idToken(t, "JWT"), typeID), 400, grantry.ErrUnauthorizedClient},
		{"delegation without may_act", "app", subject("at-alice", typeAT, "actor_token", "at-gw", "actor_token_type", typeAT), 400, grantry.ErrUnauthorizedClient},
		{"actor token of another client", "app", subject("at-mayact", typeAT, actor...), 400, grantry.ErrUnauthorizedClient},
		{"impersonation refused by the rules", "noimp", subject("at-alice", typeAT), 400, grantry.ErrUnauthorizedClient},
		{"client without the grant type", "code", subject("at-alice", typeAT), 400, grantry.ErrUnauthorizedClient},
		{"public client", "pub", subject("at-alice", typeAT), 401, grantry.ErrInvalidClient},
		{"audience not allowed", "app", subject("at-alice", typeAT, "audience", "payroll"), 400, grantry.ErrInvalidTarget},
		{"another client's target", "app", subject("at-alice", typeAT, "resource", "https://svc.test"), 400, grantry.ErrInvalidTarget},
		{"resource not an absolute URI", "app", subject("at-alice", typeAT, "resource", "orders"), 400, grantry.ErrInvalidTarget},
		{"too many audiences", "app", subject("at-alice", typeAT, "audience", "1", "audience", "2", "audience", "3", "audience", "4", "audience", "5", "audience", "6", "audience", "7", "audience", "8", "audience", "9", "audience", "10", "audience", "11", "audience", "12", "audience", "13", "audience", "14", "audience", "15", "audience", "16", "audience", "17"), 400, grantry.ErrInvalidTarget},
		{"scope beyond the subject token's", "app", subject("at-alice", typeAT, "scope", "read admin"), 400, grantry.ErrInvalidScope},
		{"scope beyond the client's", "gw", subject("at-other", typeAT, "scope", "write"), 400, grantry.ErrInvalidScope},
		{"unknown scope", "app", subject("at-alice", typeAT, "scope", "delete"), 400, grantry.ErrInvalidScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, body := f.exchange(t, tt.client, tt.params)
			if w.Code != tt.status || body["error"] != string(tt.err) {
				t.Errorf("got %d %v, want %d %s", w.Code, body, tt.status, tt.err)
			}
			if got := w.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
		})
	}
}

// A client whose access tokens are JWTs (RFC 9068) may ask for one: the
// token carries act, and accesstoken's validators, of the JWT and of the
// stored record, read it alike.
func TestExchangeJWTAccessToken(t *testing.T) {
	f := newFixture(t, tokenexchange.Config{Rules: tokenexchange.Rules{
		Targets: []string{api},
		Clients: map[string]tokenexchange.ClientRules{"jwtapp": {Subjects: []string{"app"}, DelegateWithoutMayAct: true}},
	}})
	params := subject("at-alice", typeAT, "requested_token_type", typeJWT, "resource", api, "scope", "read",
		"actor_token", f.idpJWT(t, map[string]any{"sub": "jwtapp", "client_id": "jwtapp"}), "actor_token_type", typeJWT)
	w, body := f.exchange(t, "jwtapp", params)
	if w.Code != 200 || body["issued_token_type"] != typeJWT {
		t.Fatalf("got %d %v, want 200 with issued_token_type jwt", w.Code, body)
	}
	token := body["access_token"].(string)
	v, err := accesstoken.NewJWTValidator(f.keys, accesstoken.JWTValidatorConfig{Issuer: issuer, Audience: api, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	info, err := v.ValidateToken(context.Background(), token)
	if err != nil || !info.Active {
		t.Fatalf("JWTValidator: got %+v, %v, want active", info, err)
	}
	wantAct := map[string]any{"sub": "jwtapp", "iss": idpIssuer}
	if info.Subject != "alice" || info.ClientID != "jwtapp" || !reflect.DeepEqual(info.Extra[storage.ExtraAct], wantAct) {
		t.Errorf("JWTValidator: got sub %q client_id %q extra %v, want alice, jwtapp, act %v", info.Subject, info.ClientID, info.Extra, wantAct)
	}
	sv := accesstoken.NewStoreValidator(f.store, accesstoken.StoreValidatorConfig{Issuer: issuer, Now: func() time.Time { return now }})
	stored, err := sv.ValidateToken(context.Background(), token)
	if err != nil || !stored.Active {
		t.Fatalf("StoreValidator: got %+v, %v, want active", stored, err)
	}
	if !reflect.DeepEqual(stored.Extra, map[string]any{storage.ExtraAct: wantAct}) {
		t.Errorf("StoreValidator: got extra %v, want act %v", stored.Extra, wantAct)
	}
}
