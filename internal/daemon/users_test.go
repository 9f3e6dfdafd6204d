package daemon

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

func TestUserAuth(t *testing.T) {
	store := memstore.New()
	u := &storage.User{ID: "id-1", Username: "alice", PasswordHash: secret.HashPassword("correct horse"), CreatedAt: time.Now()}
	if err := store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	auth := newUserAuth(store, nil)
	dummyHash() // computed once, outside the timings
	tests := []struct {
		name, user, pw string
		wantID         string
		wantErr        error
	}{
		{"right password", "alice", "correct horse", "id-1", nil},
		{"wrong password", "alice", "correct horsE", "", password.ErrInvalidCredentials},
		{"unknown user", "mallory", "correct horse", "", password.ErrInvalidCredentials},
		{"name differs in case", "Alice", "correct horse", "", password.ErrInvalidCredentials},
	}
	took := map[string]time.Duration{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			id, err := auth.AuthenticateUser(t.Context(), tt.user, tt.pw)
			took[tt.name] = time.Since(start)
			if id != tt.wantID || !errors.Is(err, tt.wantErr) {
				t.Errorf("AuthenticateUser = (%q, %v), want (%q, %v)", id, err, tt.wantID, tt.wantErr)
			}
		})
	}
	// An unknown user costs an argon2id verification too, so that names
	// cannot be told apart by timing; a generous bound keeps this stable.
	if unknown, wrong := took["unknown user"], took["wrong password"]; unknown < wrong/4 {
		t.Errorf("unknown user took %v, wrong password %v: want comparable times", unknown, wrong)
	}
}

func TestUserAuthHonoursContext(t *testing.T) {
	auth := newUserAuth(memstore.New(), nil)
	for range maxPasswordChecks {
		auth.slots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := auth.AuthenticateUser(ctx, "alice", "pw"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AuthenticateUser with every slot taken: got %v, want the context's error", err)
	}
}

func TestPasswordGrant(t *testing.T) {
	tokenReq := func(h *harness, form url.Values) response {
		req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testClient, h.secret)
		return do(t, http.DefaultClient, req)
	}
	t.Run("off by default", func(t *testing.T) {
		h := newHarness(t)
		r := tokenReq(h, url.Values{"grant_type": {"password"}, "username": {testUser}, "password": {testPassword}})
		if r.status != http.StatusBadRequest || jsonField(t, r.body, "error") != "unsupported_grant_type" {
			t.Errorf("password grant by default: %d %s, want unsupported_grant_type", r.status, r.body)
		}
	})
	t.Run("enabled", func(t *testing.T) {
		h := newHarness(t, func(c *serveConfig) { c.Grants = newList("password") })
		rec, _ := h.store.GetClient(t.Context(), testClient)
		rec.GrantTypes = append(rec.GrantTypes, "password")
		_ = h.store.UpdateClient(t.Context(), rec)
		r := tokenReq(h, url.Values{"grant_type": {"password"}, "username": {testUser}, "password": {testPassword}, "scope": {"profile"}})
		if r.status != http.StatusOK || jsonField(t, r.body, "access_token") == "" {
			t.Errorf("right password: %d %s, want 200 with a token", r.status, r.body)
		}
		r = tokenReq(h, url.Values{"grant_type": {"password"}, "username": {testUser}, "password": {"wrong!"}})
		if r.status != http.StatusBadRequest || jsonField(t, r.body, "error") != "invalid_grant" {
			t.Errorf("wrong password: %d %s, want invalid_grant", r.status, r.body)
		}
	})
}
