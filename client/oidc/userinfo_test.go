package oidc

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth2"
)

func TestUserInfo(t *testing.T) {
	o := newOP(t)
	p := o.provider(t)
	u, err := p.UserInfo(bg, "at-1", "alice")
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	if u.Subject != "alice" || u.Name != "Alice Liddell" || u.Email != "alice@example.com" || !u.EmailVerified {
		t.Errorf("UserInfo = %+v", u)
	}
	var extra struct{ Locale string }
	if err := u.Claims(&extra); err != nil || extra.Locale != "en" {
		t.Errorf("Claims = %+v, %v; want locale en", extra, err)
	}
	if _, err := p.UserInfo(bg, "at-1", ""); err != nil {
		t.Errorf("UserInfo without a subject to compare: %v", err)
	}
}

func TestUserInfoErrors(t *testing.T) {
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		token    string
		subject  string
		wantErr  error
		wantCode grantry.ErrorCode
		wantDesc string
		status   int
	}{
		{name: "other subject", token: "at-1", subject: "bob", wantErr: ErrSubject},
		{name: "invalid token", token: "at-2", subject: "alice", wantCode: grantry.ErrInvalidToken, wantDesc: "token expired", status: 401},
		{name: "no sub", handler: jsonBody(`{"name":"x"}`), wantErr: ErrUserInfo},
		{name: "numeric sub", handler: jsonBody(`{"sub":42}`), wantErr: ErrUserInfo},
		{name: "not json", handler: jsonBody(`<html>`), wantErr: ErrUserInfo},
		{name: "json array", handler: jsonBody(`[]`), wantErr: ErrUserInfo},
		{name: "signed response", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/jwt")
			fmt.Fprint(w, "h.p.s")
		}, wantErr: ErrUserInfo},
		{name: "server error", handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
			fmt.Fprint(w, "down")
		}, status: 503},
		{name: "insufficient scope", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="openid profile"`)
			w.WriteHeader(403)
		}, wantCode: grantry.ErrInsufficientScope, status: 403},
		{name: "too large", handler: jsonBody(`{"sub":"alice","pad":"` + strings.Repeat("a", maxDocumentBytes) + `"}`), wantErr: ErrUserInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOP(t)
			if tt.handler != nil {
				o.userinfo = tt.handler
			}
			token := tt.token
			if token == "" {
				token = "at-1"
			}
			_, err := o.provider(t).UserInfo(bg, token, tt.subject)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			var oe *oauth2.Error
			if !errors.As(err, &oe) {
				t.Fatalf("error = %v, want *oauth2.Error", err)
			}
			if oe.Code != tt.wantCode || oe.Description != tt.wantDesc || oe.StatusCode != tt.status {
				t.Errorf("error = %+v, want code %q description %q status %d", oe, tt.wantCode, tt.wantDesc, tt.status)
			}
		})
	}
}

func jsonBody(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

func TestUserInfoFix(t *testing.T) {
	o := newOP(t)
	// A provider that names the subject "id" and sends it as a number.
	o.userinfo = jsonBody(`{"id":12345678901234567890,"login":"octo"}`)
	fix := func(c map[string]any) (map[string]any, error) {
		c["sub"] = fmt.Sprint(c["id"])
		c["preferred_username"] = c["login"]
		return c, nil
	}
	p, err := Discover(bg, o.URL, ProviderConfig{HTTPClient: o.Client(), UserInfoFix: fix})
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.UserInfo(bg, "at-1", "12345678901234567890")
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	if u.PreferredUsername != "octo" || u.Subject != "12345678901234567890" {
		t.Errorf("UserInfo = %+v, want the fixed claims with the exact large id", u)
	}

	failing := errors.New("cannot fix")
	p, _ = Discover(bg, o.URL, ProviderConfig{HTTPClient: o.Client(), UserInfoFix: func(map[string]any) (map[string]any, error) { return nil, failing }})
	if _, err := p.UserInfo(bg, "at-1", ""); !errors.Is(err, failing) {
		t.Errorf("error = %v, want the fix's error", err)
	}
}

func TestUserInfoEndpointChecks(t *testing.T) {
	o := newOP(t)
	o.setMeta("userinfo_endpoint", nil)
	if _, err := o.provider(t).UserInfo(bg, "at-1", ""); !errors.Is(err, ErrUserInfo) {
		t.Errorf("no endpoint: error %v, want ErrUserInfo", err)
	}
	o.setMeta("userinfo_endpoint", "http://op.example.com/userinfo")
	if _, err := o.provider(t).UserInfo(bg, "at-1", ""); err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("http endpoint: error %v, want an https error", err)
	}
}

func TestParseChallenge(t *testing.T) {
	tests := []struct {
		header string
		want   map[string]string
	}{
		{`Bearer realm="example", error="invalid_token", error_description="The access token expired"`,
			map[string]string{"realm": "example", "error": "invalid_token", "error_description": "The access token expired"}},
		{`bearer error=invalid_token`, map[string]string{"error": "invalid_token"}},
		{`Basic realm="x", Bearer error="insufficient_scope",scope="a b"`, map[string]string{"error": "insufficient_scope", "scope": "a b"}},
		{`Bearer error="with \"quotes\""`, map[string]string{"error": `with "quotes"`}},
		{`Bearer`, map[string]string{}},
		{`BearerX error="x"`, map[string]string{}},
		{`Basic realm="x"`, map[string]string{}},
		{`Bearer error="unterminated`, map[string]string{}},
		{`Bearer realm="a", =x`, map[string]string{"realm": "a"}},
		{``, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got := parseChallenge(tt.header)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("parseChallenge = %v, want %v", got, tt.want)
			}
		})
	}
}
