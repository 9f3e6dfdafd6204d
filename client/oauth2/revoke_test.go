package oauth2

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

func TestRevoke(t *testing.T) {
	tests := []struct {
		name     string
		token    string
		hint     string
		wantCode grantry.ErrorCode
	}{
		{name: "access token", token: "at-1", hint: "access_token"},
		{name: "no hint", token: "rt-1"},
		{name: "unsupported type", token: "x", hint: "mac", wantCode: grantry.ErrUnsupportedTokenType},
		{name: "missing token", token: "", wantCode: grantry.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			err := newClient(t, srv.config()).Revoke(bg, tt.token, tt.hint)
			if tt.wantCode != "" {
				var oe *Error
				if !errors.As(err, &oe) || oe.Code != tt.wantCode || oe.StatusCode != 400 {
					t.Fatalf("error = %v, want %s with HTTP 400", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			f := srv.form()
			if f.Get("token") != tt.token || f.Get("token_type_hint") != tt.hint || f.Has("token_type_hint") != (tt.hint != "") {
				t.Errorf("form = %v, want token %q hint %q", f, tt.token, tt.hint)
			}
			if !strings.HasPrefix(srv.header().Get("Authorization"), "Basic ") {
				t.Error("revocation request not authenticated")
			}
		})
	}
}

func TestRevokeHookAndErrors(t *testing.T) {
	srv := newAuthServer(t)
	cfg := srv.config()
	cfg.Hooks.RevokeRequest = func(r *EndpointRequest) error {
		r.Form.Set("token_type_hint", "refresh_token")
		return nil
	}
	if err := newClient(t, cfg).Revoke(bg, "t", ""); err != nil {
		t.Fatal(err)
	}
	if got := srv.form().Get("token_type_hint"); got != "refresh_token" {
		t.Errorf("hint = %q, want the hook's refresh_token", got)
	}
	cfg.ClientSecret = "wrong"
	err := newClient(t, cfg).Revoke(bg, "t", "")
	var oe *Error
	if !errors.As(err, &oe) || oe.Code != "invalid_client" || oe.StatusCode != 401 {
		t.Errorf("error = %v, want invalid_client with HTTP 401", err)
	}
	if err := newClient(t, Config{}).Revoke(bg, "t", ""); !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("error = %v, want ErrNoEndpoint", err)
	}
}

func TestIntrospect(t *testing.T) {
	srv := newAuthServer(t)
	c := newClient(t, srv.config())
	got, err := c.Introspect(bg, "at-live", grantry.HintAccessToken)
	if err != nil {
		t.Fatalf("Introspect: %v", err)
	}
	want := &grantry.TokenInfo{Active: true, Scope: grantry.Scope{"read", "write"}, ClientID: "c1", Username: "alice",
		TokenType: grantry.TokenTypeBearer, ExpiresAt: time.Unix(1700003600, 0).UTC(), IssuedAt: time.Unix(1700000000, 0).UTC(),
		NotBefore: time.Unix(1700000000, 0).UTC(), Subject: "u-1", Audience: []string{"https://api.test"},
		Issuer: "https://as.test", JTI: "j-1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Introspect = %+v, want %+v", got, want)
	}
	if f := srv.form(); f.Get("token_type_hint") != "access_token" {
		t.Errorf("form = %v", f)
	}

	dead, err := c.Introspect(bg, "at-dead", "")
	if err != nil || dead.Active {
		t.Errorf("Introspect(dead) = %+v, %v; want inactive", dead, err)
	}
	cfg := srv.config()
	cfg.ClientSecret = "wrong"
	var oe *Error
	if _, err := newClient(t, cfg).Introspect(bg, "at-live", ""); !errors.As(err, &oe) || oe.StatusCode != 401 {
		t.Errorf("error = %v, want HTTP 401", err)
	}
	if _, err := newClient(t, Config{}).Introspect(bg, "t", ""); !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("error = %v, want ErrNoEndpoint", err)
	}
	cfg = srv.config()
	cfg.Hooks.IntrospectRequest = func(r *EndpointRequest) error { r.Form.Set("token", "at-live"); return nil }
	if got, err := newClient(t, cfg).Introspect(bg, "at-dead", ""); err != nil || !got.Active {
		t.Errorf("with hook: %+v, %v; want the hook's token introspected", got, err)
	}
}

func TestParseIntrospection(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantAud []string
		wantExp int64
		wantErr string
	}{
		{name: "RFC 7662 example", body: `{"active":true,"client_id":"l238j323ds-23ij4","username":"jdoe","scope":"read write dolphin","sub":"Z5O3upPC88QrAjx00dis","aud":"https://protected.example.net/resource","iss":"https://server.example.com/","exp":1419356238,"iat":1419350238,"extension_field":"twenty-seven"}`,
			wantAud: []string{"https://protected.example.net/resource"}},
		{name: "inactive", body: `{"active":false}`},
		{name: "audience array", body: `{"active":true,"aud":["a","b"]}`, wantAud: []string{"a", "b"}},
		{name: "fractional exp", body: `{"active":true,"exp":1419356238.5}`, wantExp: 1419356238},
		{name: "active missing", body: `{"scope":"x"}`, wantErr: "active is missing"},
		{name: "active as string", body: `{"active":"true"}`, wantErr: "active is missing or not a boolean"},
		{name: "exp as string", body: `{"active":true,"exp":"soon"}`, wantErr: "not a plausible NumericDate"},
		{name: "aud number", body: `{"active":true,"aud":5}`, wantErr: "wrong type"},
		{name: "scope array", body: `{"active":true,"scope":["a"]}`, wantErr: "wrong type"},
		{name: "not json", body: `active=true`, wantErr: "invalid character"},
		{name: "null", body: `null`, wantErr: "active is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseIntrospection([]byte(tt.body))
			if tt.wantErr != "" {
				if !errors.Is(err, ErrIntrospection) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want ErrIntrospection containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseIntrospection: %v", err)
			}
			if strings.Join(got.Audience, ",") != strings.Join(tt.wantAud, ",") {
				t.Errorf("Audience = %q, want %q", got.Audience, tt.wantAud)
			}
			if tt.wantExp != 0 && got.ExpiresAt.Unix() != tt.wantExp {
				t.Errorf("ExpiresAt = %v, want %d", got.ExpiresAt, tt.wantExp)
			}
			if tt.name == "RFC 7662 example" && (got.Extra["extension_field"] != "twenty-seven" || got.Username != "jdoe") {
				t.Errorf("got %+v, want the extension field kept and username jdoe", got)
			}
		})
	}
}
