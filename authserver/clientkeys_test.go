package authserver_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

func TestClientKeys(t *testing.T) {
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := (&keyset.JWKS{Keys: []keyset.PublicKey{key.Public()}}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	defer srv.Close()
	keys := authserver.NewClientKeys(keyset.RemoteConfig{})

	tests := []struct {
		name    string
		client  storage.Client
		wantErr bool
	}{
		{"jwks", storage.Client{ID: "a", JWKS: string(doc)}, false},
		{"jwks_uri", storage.Client{ID: "b", JWKSURI: srv.URL + "/jwks"}, false},
		{"no keys", storage.Client{ID: "c"}, true},
		{"bad document", storage.Client{ID: "d", JWKS: `{"keys":`}, true},
		{"http uri off loopback", storage.Client{ID: "e", JWKSURI: "http://example.com/jwks"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := keys.For(t.Context(), &tt.client)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("For: got nil error, want one")
				}
				return
			}
			if err != nil {
				t.Fatalf("For: got error %v, want nil", err)
			}
			got, err := src.Lookup(t.Context(), key.ID())
			if err != nil || len(got) != 1 {
				t.Fatalf("Lookup(%q): got (%d keys, %v), want (1, nil)", key.ID(), len(got), err)
			}
		})
	}
	if _, err := keys.For(t.Context(), &storage.Client{}); !errors.Is(err, authserver.ErrNoClientKeys) {
		t.Errorf("For(no keys): got %v, want ErrNoClientKeys", err)
	}

	// Two clients sharing a jwks_uri share one cache.
	for _, id := range []string{"f", "g"} {
		src, err := keys.For(t.Context(), &storage.Client{ID: id, JWKSURI: srv.URL + "/jwks"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Lookup(t.Context(), key.ID()); err != nil {
			t.Fatal(err)
		}
	}
	if got := fetches.Load(); got != 1 {
		t.Errorf("fetches of a shared jwks_uri: got %d, want 1", got)
	}
}
