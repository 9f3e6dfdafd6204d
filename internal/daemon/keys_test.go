package daemon

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// testKEK is the key-encryption key of the tests that share one with the
// server, base64url encoded.
var testKEK = base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// withKEK gives the server the key-encryption key kek.
func withKEK(kek string) func(*serveConfig) {
	return func(c *serveConfig) { c.kek.env = kek }
}

// testManager returns a manager of the keys in store sealed with testKEK,
// as another process would have.
func testManager(t *testing.T, store storage.SigningKeyStore) *keyset.Manager {
	t.Helper()
	k, err := decodeKEK(testKEK)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := keyset.NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	return keyset.NewManager(store, sealer, keyset.ManagerConfig{})
}

// jwksIDs returns the key IDs of a JWK Set document.
func jwksIDs(t *testing.T, body string) []string {
	t.Helper()
	set, err := keyset.ParseJWKS([]byte(body))
	if err != nil {
		t.Fatalf("ParseJWKS(%s): %v", body, err)
	}
	var ids []string
	for _, k := range set.Keys {
		ids = append(ids, k.KeyID)
	}
	slices.Sort(ids)
	return ids
}

// setIDs returns the published key IDs of a set.
func setIDs(s *keyset.Set) []string {
	var ids []string
	for _, k := range s.JWKS().Keys {
		ids = append(ids, k.KeyID)
	}
	slices.Sort(ids)
	return ids
}

func TestJWKSEndpoint(t *testing.T) {
	h := newHarness(t)
	set := h.app.signingKeys()
	for _, alg := range []keyset.Algorithm{keyset.ES256, keyset.RS256} {
		if k, ok := set.SignerFor(alg); !ok || k.Algorithm() != alg {
			t.Errorf("signingKeys().SignerFor(%s): got %v, %t, want a key of %s", alg, k, ok, alg)
		}
	}
	tests := []struct {
		name, method, header, want string
		wantStatus                 int
	}{
		{"Status", http.MethodGet, "", "", http.StatusOK},
		{"CacheControl", http.MethodGet, "Cache-Control", "public, max-age=3600", http.StatusOK},
		{"ContentType", http.MethodGet, "Content-Type", "application/jwk-set+json", http.StatusOK},
		{"CORS", http.MethodGet, "Access-Control-Allow-Origin", "*", http.StatusOK},
		{"Head", http.MethodHead, "Cache-Control", "public, max-age=3600", http.StatusOK},
		{"Post", http.MethodPost, "Allow", "GET, HEAD", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, h.url(jwksPath), nil)
			r := do(t, http.DefaultClient, req)
			if r.status != tt.wantStatus {
				t.Errorf("%s %s: got status %d, want %d", tt.method, jwksPath, r.status, tt.wantStatus)
			}
			if got := r.header.Get(tt.header); tt.header != "" && got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.header, got, tt.want)
			}
		})
	}
	r := h.get(h.browser(), jwksPath)
	if got, want := jwksIDs(t, r.body), setIDs(set); !slices.Equal(got, want) || len(got) != 2 {
		t.Errorf("JWK Set: got key IDs %q, want %q", got, want)
	}
	if m := h.adminGet("/metrics"); !strings.Contains(m.body, `grantry_http_requests_total{endpoint="jwks",code="200"}`) {
		t.Errorf("metrics: no count of the jwks endpoint in\n%s", m.body)
	}
}

func TestJWKSMetadata(t *testing.T) {
	h := newHarness(t)
	var md map[string]any
	r := h.get(h.browser(), "/.well-known/oauth-authorization-server")
	if err := json.Unmarshal([]byte(r.body), &md); err != nil {
		t.Fatalf("metadata %q: %v", r.body, err)
	}
	if got, want := md["jwks_uri"], h.app.cfg.Issuer+jwksPath; got != want {
		t.Errorf("jwks_uri: got %v, want %q", got, want)
	}
}

// A relying party that caches the JWK Set for its max-age sees a next key
// before it signs.
func TestJWKSMaxAgeWithinPublicationDelay(t *testing.T) {
	if jwksMaxAge <= 0 || jwksMaxAge > keyset.DefaultPublicationDelay/2 || jwksMaxAge > time.Hour {
		t.Errorf("jwksMaxAge: got %v, want positive, at most an hour and at most half the publication delay %v", jwksMaxAge, keyset.DefaultPublicationDelay)
	}
}

// TestKeyReload changes the keys as another process would, and checks
// that a reload serves them.
func TestKeyReload(t *testing.T) {
	h := newHarness(t, withKEK(testKEK))
	other := testManager(t, h.store)
	before := h.app.signingKeys()
	oldES, _ := before.SignerFor(keyset.ES256)
	steps := []struct {
		name      string
		change    func() error
		wantKeys  int
		wantNewES bool
	}{
		{"Rotate", func() error { _, err := other.Rotate(t.Context()); return err }, 4, false},
		{"RetireActive", func() error { _, err := other.Retire(t.Context(), oldES.ID()); return err }, 5, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.change(); err != nil {
				t.Fatal(err)
			}
			h.app.reloadKeys(t.Context())
			set := h.app.signingKeys()
			if got := jwksIDs(t, h.get(h.browser(), jwksPath).body); !slices.Equal(got, setIDs(set)) || len(got) != st.wantKeys {
				t.Errorf("JWK Set after reload: got %q, want %d keys %q", got, st.wantKeys, setIDs(set))
			}
			es, _ := set.SignerFor(keyset.ES256)
			if got := es.ID() != oldES.ID(); got != st.wantNewES {
				t.Errorf("new ES256 signer: got %t, want %t", got, st.wantNewES)
			}
		})
	}
}

// TestKeyReloadFailureKeepsKeys checks that keys that cannot be loaded
// leave the current keys in use.
func TestKeyReloadFailureKeepsKeys(t *testing.T) {
	h := newHarness(t, withKEK(testKEK))
	before := h.app.signingKeys()
	bad := &storage.SigningKey{ID: "bad", Algorithm: "ES256", Ciphertext: []byte{1, 2, 3}, CreatedAt: time.Now(), ActivateAt: time.Now()}
	if err := h.store.CreateSigningKey(t.Context(), bad); err != nil {
		t.Fatal(err)
	}
	h.app.reloadKeys(t.Context())
	if got := h.app.signingKeys(); got != before {
		t.Errorf("after a failed reload: got keys %q, want the previous %q", setIDs(got), setIDs(before))
	}
}

func TestKeyLoop(t *testing.T) {
	h := newHarness(t, withKEK(testKEK))
	h.app.keyReload = time.Millisecond
	before := h.app.signingKeys()
	if _, err := testManager(t, h.store).Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.app.keyLoop(ctx)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for h.app.signingKeys() == before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if got := len(setIDs(h.app.signingKeys())); got != 4 {
		t.Errorf("keys after the loop ran: got %d, want 4 with the next keys", got)
	}
}

func TestPurgeSigningKeys(t *testing.T) {
	h := newHarness(t, withKEK(testKEK))
	m := testManager(t, h.store)
	set, err := m.Rotate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	next := slices.DeleteFunc(setIDs(set), func(id string) bool { return h.app.signingKeys().Key(id) != nil })
	if len(next) != 2 {
		t.Fatalf("next keys: got %q, want 2", next)
	}
	// Expire one of the next keys, as if it had been retired long ago.
	recs, _ := h.store.ListSigningKeys(t.Context())
	for _, r := range recs {
		if r.ID == next[0] {
			r.RetiredAt, r.ExpiresAt = r.CreatedAt, time.Now().Add(-time.Second)
			if err := h.store.UpdateSigningKey(t.Context(), r); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.app.purge(t.Context())
	recs, _ = h.store.ListSigningKeys(t.Context())
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if slices.Contains(ids, next[0]) || !slices.Contains(ids, next[1]) || len(ids) != 3 {
		t.Errorf("stored keys after purge: got %q, want 3 without the expired %s", ids, next[0])
	}
}

// TestWrongKEKFailsStart checks that a server given another key-encryption
// key than the stored keys were sealed with refuses to start and changes
// no key.
func TestWrongKEKFailsStart(t *testing.T) {
	store := memstore.New()
	newHarnessOn(t, store, memoryBackend(store), withKEK(testKEK))
	before, _ := store.ListSigningKeys(t.Context())
	wrong := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	cfg := testConfig(t, withKEK(wrong), func(c *serveConfig) { c.Issuer = "http://127.0.0.1:1" })
	_, err := newApp(t.Context(), cfg, memoryBackend(store), slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "cannot open the signing keys") {
		t.Errorf("newApp with a wrong key-encryption key: got error %v, want one saying it cannot open the signing keys", err)
	}
	after, _ := store.ListSigningKeys(t.Context())
	if len(after) != len(before) {
		t.Errorf("stored keys: got %d, want the %d stored before", len(after), len(before))
	}
}
