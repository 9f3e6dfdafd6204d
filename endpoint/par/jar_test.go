package par_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/par"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// withRequestObjects enables request objects and gives c1 the public key
// of key; c2 must send signed request objects.
func withRequestObjects(t *testing.T, key *keyset.Key) func(*authserver.Config, []*storage.Client) {
	doc, err := (&keyset.JWKS{Keys: []keyset.PublicKey{key.Public()}}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return func(cfg *authserver.Config, clients []*storage.Client) {
		cfg.RequestObjects = &authserver.RequestObjectConfig{Keys: authserver.NewClientKeys(keyset.RemoteConfig{})}
		for _, c := range clients {
			switch c.ID {
			case "c1":
				c.JWKS = string(doc)
			case "c2":
				c.JWKS = string(doc)
				c.RequireSignedRequestObject = true
			}
		}
	}
}

func requestObject(t *testing.T, key *keyset.Key, client string, now time.Time) string {
	t.Helper()
	obj, err := key.SignJWT(map[string]any{
		"iss": client, "aud": "https://as.test", "client_id": client, "exp": now.Add(time.Minute).Unix(),
		"response_type": "code", "redirect_uri": cbURI, "scope": "profile", "state": "object-state",
	}, "oauth-authz-req+jwt")
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// TestPushRequestObject checks that a pushed request may be a request
// object (RFC 9126 §3), whose parameters alone count, and that a client
// required to sign cannot push plain parameters (RFC 9126 §2.3).
func TestPushRequestObject(t *testing.T) {
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, par.Config{}, withRequestObjects(t, key))
	form := url.Values{"request": {requestObject(t, key, "c1", f.clock.Now())}, "state": {"body-state"}}
	uri := f.pushed("c1", "s1", form)
	q := redirected(t, f.authorize(url.Values{"client_id": {"c1"}, "request_uri": {uri}}))
	if q.Get("code") == "" || q.Get("state") != "object-state" {
		t.Errorf("got %v, want a code and the object's state", q)
	}

	t.Run("signed required", func(t *testing.T) {
		jsonError(t, f.push("c2", "s2", codeRequest()), http.StatusBadRequest, grantry.ErrInvalidRequest)
		uri := f.pushed("c2", "s2", url.Values{"request": {requestObject(t, key, "c2", f.clock.Now())}})
		q := redirected(t, f.authorize(url.Values{"client_id": {"c2"}, "request_uri": {uri}}))
		if q.Get("code") == "" {
			t.Errorf("got %v, want a code", q)
		}
	})
	t.Run("another client's object", func(t *testing.T) {
		w := f.push("c2", "s2", url.Values{"request": {requestObject(t, key, "c1", f.clock.Now())}})
		jsonError(t, w, http.StatusBadRequest, grantry.ErrInvalidRequestObject)
	})
	t.Run("tampered object", func(t *testing.T) {
		obj := requestObject(t, key, "c1", f.clock.Now())
		w := f.push("c1", "s1", url.Values{"request": {obj[:len(obj)-4] + "AAAA"}})
		jsonError(t, w, http.StatusBadRequest, grantry.ErrInvalidRequestObject)
	})
}
