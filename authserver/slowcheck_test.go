package authserver_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// A burst of wrong secrets for a client whose secret is hashed with
// argon2id is answered 401, or 503 with Retry-After once the bounded
// queue of checks is full: never queued without bound, never 500.
func TestSlowSecretChecksBounded(t *testing.T) {
	f := newFixture(t, func(s *fixtureSetup) {
		s.Config.SlowSecretChecks = 1
		s.Config.SlowSecretWait = time.Millisecond
	})
	if err := f.store.CreateClient(t.Context(), &storage.Client{ID: "imported", SecretHash: secret.HashPassword("imported-secret"),
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials}}); err != nil {
		t.Fatal(err)
	}
	const burst = 12
	statuses := make([]*http.Response, burst)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			statuses[i] = f.token(t, basic(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "imported", "wrong"))
		})
	}
	wg.Wait()
	var busy int
	for i, res := range statuses {
		switch res.StatusCode {
		case http.StatusUnauthorized:
		case http.StatusServiceUnavailable:
			busy++
			checkJSONError(t, res, http.StatusServiceUnavailable, "temporarily_unavailable")
			if res.Header.Get("Retry-After") != "1" {
				t.Errorf("request %d: 503 without Retry-After: 1", i)
			}
		default:
			t.Errorf("request %d: status %d, want 401 or 503", i, res.StatusCode)
		}
	}
	if busy == 0 {
		t.Errorf("%d concurrent argon2id checks with one slot and a 1 ms wait: none answered busy", burst)
	}
	if res := f.token(t, basic(tokenRequest(url.Values{"grant_type": {"client_credentials"}}), "imported", "imported-secret")); res.StatusCode != http.StatusOK {
		t.Errorf("the right secret once the burst is over: status %d, want 200", res.StatusCode)
	}
}
