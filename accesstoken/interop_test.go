package accesstoken_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// An independent JOSE implementation accepts a Grantry RFC 9068 token:
// go-oidc fetches the JWK Set Grantry serves, checks the signature, iss,
// aud and exp, and reads the claims back.
func TestJWTInteropGoOIDC(t *testing.T) {
	set := newKeys(t)
	srv, _ := jwksServer(t, set)
	rec := &storage.Token{ID: "tok-9", ClientID: "app", Subject: "alice", Scope: grantry.Scope{"profile", "email"},
		Resource: []string{resourceID}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	raw, err := newGenerator(t, set).NewAccessToken(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := oidc.ClientContext(context.Background(), srv.Client())
	keys := oidc.NewRemoteKeySet(ctx, srv.URL+"/jwks.json")
	v := oidc.NewVerifier(testIssuer, keys, &oidc.Config{
		ClientID: resourceID, SupportedSigningAlgs: []string{oidc.ES256}, Now: func() time.Time { return now },
	})
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		t.Fatalf("go-oidc Verify: %v", err)
	}
	var claims struct {
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
		JTI      string `json:"jti"`
	}
	if err := tok.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if tok.Subject != "alice" || claims.ClientID != "app" || claims.Scope != "profile email" || claims.JTI != "tok-9" {
		t.Errorf("claims: got sub %q %+v, want alice, app, profile email, tok-9", tok.Subject, claims)
	}
	if got := headerType(t, raw); got != "at+jwt" {
		t.Errorf("typ: got %q, want at+jwt", got)
	}
	t.Run("other audience", func(t *testing.T) {
		v := oidc.NewVerifier(testIssuer, keys, &oidc.Config{ClientID: "https://other.test", Now: func() time.Time { return now },
			SupportedSigningAlgs: []string{oidc.ES256}})
		if _, err := v.Verify(ctx, raw); err == nil {
			t.Error("go-oidc Verify for another audience: got no error, want one")
		}
	})
}

// headerType reads the typ of a JWS's protected header.
func headerType(t *testing.T, token string) string {
	t.Helper()
	seg, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h.Typ
}
