package oauth2

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

func TestParseTokenResponse(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name       string
		body       string
		want       Token
		wantErr    string
		wantOAuth  grantry.ErrorCode
		wantExtras map[string]any
	}{
		{
			name:       "RFC 6749 §5.1 example",
			body:       `{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","example_parameter":"example_value"}`,
			want:       Token{AccessToken: "2YotnFZFEjr1zCsicMWpAA", TokenType: "example", RefreshToken: "tGzv3JOkF0XG5Qx2TlKWIA", Expiry: now.Add(time.Hour)},
			wantExtras: map[string]any{"example_parameter": "example_value", "expires_in": 3600.0},
		},
		{name: "bearer lower case", body: `{"access_token":"a","token_type":"bearer"}`, want: Token{AccessToken: "a", TokenType: "Bearer"}},
		{name: "bearer upper case", body: `{"access_token":"a","token_type":"BEARER"}`, want: Token{AccessToken: "a", TokenType: "Bearer"}},
		{name: "all members", body: `{"access_token":"a","token_type":"Bearer","scope":"x y","id_token":"h.p.s","refresh_token":"r"}`,
			want: Token{AccessToken: "a", TokenType: "Bearer", Scope: "x y", IDToken: "h.p.s", RefreshToken: "r"}},
		{name: "expires_in as string", body: `{"access_token":"a","token_type":"Bearer","expires_in":"60"}`, want: Token{AccessToken: "a", TokenType: "Bearer", Expiry: now.Add(time.Minute)}},
		{name: "expires_in whole float", body: `{"access_token":"a","token_type":"Bearer","expires_in":60.0}`, want: Token{AccessToken: "a", TokenType: "Bearer", Expiry: now.Add(time.Minute)}},
		{name: "expires_in zero", body: `{"access_token":"a","token_type":"Bearer","expires_in":0}`, want: Token{AccessToken: "a", TokenType: "Bearer"}},
		{name: "expires_in null", body: `{"access_token":"a","token_type":"Bearer","expires_in":null}`, want: Token{AccessToken: "a", TokenType: "Bearer"}},
		{name: "null optional members", body: `{"access_token":"a","token_type":"Bearer","refresh_token":null,"scope":null}`, want: Token{AccessToken: "a", TokenType: "Bearer"}},
		{name: "expires_in huge", body: `{"access_token":"a","token_type":"Bearer","expires_in":1e300}`, want: Token{AccessToken: "a", TokenType: "Bearer", Expiry: now.Add(time.Duration(maxSeconds) * time.Second)}},
		{name: "missing access_token", body: `{"token_type":"Bearer"}`, wantErr: "access_token is missing"},
		{name: "null access_token", body: `{"access_token":null,"token_type":"Bearer"}`, wantErr: "access_token is missing"},
		{name: "empty access_token", body: `{"access_token":"","token_type":"Bearer"}`, wantErr: "access_token is empty"},
		{name: "numeric access_token", body: `{"access_token":12,"token_type":"Bearer"}`, wantErr: "access_token is not a string"},
		{name: "missing token_type", body: `{"access_token":"a"}`, wantErr: "token_type is missing"},
		{name: "token_type not a string", body: `{"access_token":"a","token_type":true}`, wantErr: "token_type is not a string"},
		{name: "expires_in negative", body: `{"access_token":"a","token_type":"Bearer","expires_in":-1}`, wantErr: "expires_in"},
		{name: "expires_in fraction", body: `{"access_token":"a","token_type":"Bearer","expires_in":1.5}`, wantErr: "expires_in"},
		{name: "expires_in word", body: `{"access_token":"a","token_type":"Bearer","expires_in":"soon"}`, wantErr: "expires_in"},
		{name: "expires_in signed string", body: `{"access_token":"a","token_type":"Bearer","expires_in":"+60"}`, wantErr: "expires_in"},
		{name: "expires_in empty string", body: `{"access_token":"a","token_type":"Bearer","expires_in":""}`, wantErr: "expires_in"},
		{name: "expires_in boolean", body: `{"access_token":"a","token_type":"Bearer","expires_in":true}`, wantErr: "expires_in"},
		{name: "refresh_token number", body: `{"access_token":"a","token_type":"Bearer","refresh_token":1}`, wantErr: "refresh_token is not a string"},
		{name: "scope array", body: `{"access_token":"a","token_type":"Bearer","scope":["x"]}`, wantErr: "scope is not a string"},
		{name: "id_token object", body: `{"access_token":"a","token_type":"Bearer","id_token":{}}`, wantErr: "id_token is not a string"},
		{name: "not json", body: `access_token=a`, wantErr: "not a JSON object"},
		{name: "array", body: `[]`, wantErr: "not a JSON object"},
		{name: "null", body: `null`, wantErr: "not a JSON object"},
		{name: "empty", body: ``, wantErr: "not a JSON object"},
		{name: "error member", body: `{"error":"invalid_grant","error_description":"gone"}`, wantOAuth: grantry.ErrInvalidGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := ParseTokenResponse([]byte(tt.body), now)
			switch {
			case tt.wantOAuth != "":
				var oe *Error
				if !errors.As(err, &oe) || oe.Code != tt.wantOAuth {
					t.Fatalf("error = %v, want *Error %s", err, tt.wantOAuth)
				}
				return
			case tt.wantErr != "":
				if !errors.Is(err, ErrTokenResponse) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want ErrTokenResponse containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTokenResponse: %v", err)
			}
			got := tok
			if !got.Expiry.Equal(tt.want.Expiry) {
				t.Errorf("Expiry = %v, want %v", got.Expiry, tt.want.Expiry)
			}
			if got.AccessToken != tt.want.AccessToken || got.TokenType != tt.want.TokenType || got.RefreshToken != tt.want.RefreshToken ||
				got.Scope != tt.want.Scope || got.IDToken != tt.want.IDToken {
				t.Errorf("token = %+v, want %+v", got, tt.want)
			}
			for name, want := range tt.wantExtras {
				if v := tok.Extra(name); v != want {
					t.Errorf("Extra(%q) = %v, want %v", name, v, want)
				}
			}
		})
	}
}

func TestTokenHelpers(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tok := &Token{Scope: " read  write ", Expiry: now.Add(time.Minute)}
	if got := strings.Join(tok.Scopes(), ","); got != "read,write" {
		t.Errorf("Scopes() = %q, want read,write", got)
	}
	if tok.Expired(now) || !tok.Expired(now.Add(time.Minute)) {
		t.Error("Expired is wrong around the expiry")
	}
	if (&Token{}).Expired(now) {
		t.Error("a token without expiry counts as expired")
	}
	if tok.Extra("missing") != nil {
		t.Error("Extra of a missing member is not nil")
	}
}
