package authserver

import (
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
)

func TestSealedSuccessor(t *testing.T) {
	resp := &grantry.TokenResponse{AccessToken: "at", TokenType: "DPoP", ExpiresIn: 3600, RefreshToken: "rt",
		Scope: grantry.Scope{"openid", "email"}, Extra: map[string]any{"id_token": "a.b.c", "n": 1.5}}
	want, err := resp.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	iss := &Issue{RotateToken: "old-refresh", RotateFrom: secret.Digest("old-refresh")}
	sealed, err := sealSuccessor(iss, resp)
	if err != nil {
		t.Fatal(err)
	}
	got, err := openSuccessor(iss, sealed)
	if err != nil {
		t.Fatalf("openSuccessor: got error %v, want nil", err)
	}
	body, err := got.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != string(want) {
		t.Errorf("opened response: got %s, want %s", body, want)
	}
	tampered := []byte(sealed)
	tampered[len(tampered)/2] ^= 1
	tests := []struct {
		name   string
		iss    *Issue
		sealed string
	}{
		{"another refresh token", &Issue{RotateToken: "other", RotateFrom: iss.RotateFrom}, sealed},
		{"another digest", &Issue{RotateToken: "old-refresh", RotateFrom: secret.Digest("other")}, sealed},
		{"tampered", iss, string(tampered)},
		{"short", iss, "AAAA"},
		{"not base64", iss, "!!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := openSuccessor(tt.iss, tt.sealed); err == nil {
				t.Error("openSuccessor: got nil error, want one")
			}
		})
	}
}
