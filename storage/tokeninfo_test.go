package storage_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

var infoNow = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

func TestTokenRefreshInfo(t *testing.T) {
	base := storage.Token{ID: "t", ClientID: "c1", Subject: "alice", Scope: grantry.Scope{"a"},
		RefreshHash: "h", IssuedAt: infoNow.Add(-time.Hour), ExpiresAt: infoNow.Add(-time.Minute)}
	with := func(edit func(*storage.Token)) *storage.Token {
		c := base
		edit(&c)
		return &c
	}
	tests := []struct {
		name string
		tok  *storage.Token
		want grantry.TokenInfo
	}{
		{"refresh outlives its access token", with(func(t *storage.Token) { t.RefreshExpiresAt = infoNow.Add(time.Hour) }), grantry.TokenInfo{
			Active: true, Scope: grantry.Scope{"a"}, ClientID: "c1", TokenType: "refresh_token", ExpiresAt: infoNow.Add(time.Hour),
			IssuedAt: infoNow.Add(-time.Hour), Subject: "alice", Issuer: "iss", JTI: "t"}},
		{"refresh that never expires has no exp", with(func(*storage.Token) {}), grantry.TokenInfo{
			Active: true, Scope: grantry.Scope{"a"}, ClientID: "c1", TokenType: "refresh_token",
			IssuedAt: infoNow.Add(-time.Hour), Subject: "alice", Issuer: "iss", JTI: "t"}},
		{"narrowed access token, wider refresh token", with(func(t *storage.Token) {
			t.Scope, t.RefreshScope = grantry.Scope{"a"}, grantry.Scope{"a", "b"}
		}), grantry.TokenInfo{
			Active: true, Scope: grantry.Scope{"a", "b"}, ClientID: "c1", TokenType: "refresh_token",
			IssuedAt: infoNow.Add(-time.Hour), Subject: "alice", Issuer: "iss", JTI: "t"}},
		{"expired refresh", with(func(t *storage.Token) { t.RefreshExpiresAt = infoNow }), grantry.TokenInfo{}},
		{"revoked record", with(func(t *storage.Token) { t.Revoked = true }), grantry.TokenInfo{}},
		{"no refresh token", with(func(t *storage.Token) { t.RefreshHash = "" }), grantry.TokenInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := grantry.TokenInfo{Username: "stale"}
			tt.tok.RefreshInfo(&got, "iss", infoNow)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTokenAccessInfoWithoutIssuer(t *testing.T) {
	tok := &storage.Token{ID: "t", ClientID: "c", IssuedAt: infoNow, ExpiresAt: infoNow.Add(time.Minute)}
	var got grantry.TokenInfo
	tok.AccessInfo(&got, "", infoNow)
	want := grantry.TokenInfo{Active: true, ClientID: "c", TokenType: "Bearer", IssuedAt: infoNow, ExpiresAt: infoNow.Add(time.Minute), JTI: "t"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestTokenAccessInfo(t *testing.T) {
	base := storage.Token{ID: "t", ClientID: "c1", Subject: "alice", Scope: grantry.Scope{"a", "b"},
		RefreshHash: "h", RefreshScope: grantry.Scope{"a", "b", "c"}, IssuedAt: infoNow.Add(-time.Minute), ExpiresAt: infoNow.Add(time.Hour)}
	with := func(edit func(*storage.Token)) *storage.Token {
		c := base
		edit(&c)
		return &c
	}
	tests := []struct {
		name string
		tok  *storage.Token
		want grantry.TokenInfo
	}{
		{"active, the access token's own scope", with(func(*storage.Token) {}), grantry.TokenInfo{
			Active: true, Scope: grantry.Scope{"a", "b"}, ClientID: "c1", TokenType: "Bearer", ExpiresAt: infoNow.Add(time.Hour),
			IssuedAt: infoNow.Add(-time.Minute), Subject: "alice", Issuer: "iss", JTI: "t"}},
		{"delegated: act in Extra (RFC 8693 §4.1)", with(func(t *storage.Token) {
			t.Extra = map[string]string{storage.ExtraAct: `{"sub":"svc","act":{"sub":"gw"}}`, "acr": "1"}
		}), grantry.TokenInfo{
			Active: true, Scope: grantry.Scope{"a", "b"}, ClientID: "c1", TokenType: "Bearer", ExpiresAt: infoNow.Add(time.Hour),
			IssuedAt: infoNow.Add(-time.Minute), Subject: "alice", Issuer: "iss", JTI: "t",
			Extra: map[string]any{"act": map[string]any{"sub": "svc", "act": map[string]any{"sub": "gw"}}}}},
		{"act that is not an object is left out", with(func(t *storage.Token) {
			t.Extra = map[string]string{storage.ExtraAct: `"svc"`}
		}), grantry.TokenInfo{
			Active: true, Scope: grantry.Scope{"a", "b"}, ClientID: "c1", TokenType: "Bearer", ExpiresAt: infoNow.Add(time.Hour),
			IssuedAt: infoNow.Add(-time.Minute), Subject: "alice", Issuer: "iss", JTI: "t"}},
		{"expired at now", with(func(t *storage.Token) { t.ExpiresAt = infoNow }), grantry.TokenInfo{}},
		{"revoked record", with(func(t *storage.Token) { t.Revoked = true }), grantry.TokenInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := grantry.TokenInfo{Active: true, Username: "stale", Extra: map[string]any{"stale": 1}}
			tt.tok.AccessInfo(&got, "iss", infoNow)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v (every field overwritten)", got, tt.want)
			}
		})
	}
}
