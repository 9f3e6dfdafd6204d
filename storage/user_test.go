package storage_test

import (
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

func TestVerifyPassword(t *testing.T) {
	hash := secret.HashPassword("correct horse")
	tests := []struct {
		name, hash, password string
		want                 bool
	}{
		{"right password", hash, "correct horse", true},
		{"wrong password", hash, "correct horsE", false},
		{"empty password", hash, "", false},
		{"empty hash", "", "correct horse", false},
		{"malformed hash", "argon2id$v=19$garbage", "correct horse", false},
		{"secret hash", secret.HashSecret("s1"), "s1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secret.Verify(tt.hash, tt.password); got != tt.want {
				t.Errorf("VerifyPassword(%q, %q) = %v, want %v", tt.hash, tt.password, got, tt.want)
			}
		})
	}
}

func TestUserClone(t *testing.T) {
	u := &storage.User{ID: "1", Username: "alice", PasswordHash: "h"}
	c := u.Clone()
	c.Username = "bob"
	if u.Username != "alice" {
		t.Errorf("changing the clone changed the original: got %q, want alice", u.Username)
	}
}

func TestConsentClone(t *testing.T) {
	c := &storage.Consent{Subject: "1", ClientID: "app", Scope: grantry.Scope{"a", "b"}}
	d := c.Clone()
	d.Scope[0] = "x"
	if c.Scope[0] != "a" {
		t.Errorf("changing the clone's scope changed the original: got %q, want a", c.Scope[0])
	}
}
