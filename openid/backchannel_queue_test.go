package openid_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/storage"
)

// endSession stores a session of the default subject signed in to
// clients, and ends it, which queues its logout.
func endSession(t *testing.T, p *rp, sid string, clients ...string) {
	t.Helper()
	s := p.srv.Store()
	sess := &storage.Session{ID: sid, Hash: "hash-" + sid, Subject: authtest.DefaultSubject, Clients: clients,
		CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSession(t.Context(), sid); err != nil {
		t.Fatal(err)
	}
}

// TestDrain checks that the logouts a store queued reach their clients
// once, though two servers drain the queue, and are then completed.
func TestDrain(t *testing.T) {
	p := newRP(t, authtest.Config{})
	rc := &receiver{fails: 1}
	rs := httptest.NewServer(rc)
	defer rs.Close()
	c := p.srv.AddClient(authtest.Client{BackchannelLogoutURI: rs.URL})
	endSession(t, p, "sess-1", c.ID, "deleted-client")
	cfg := openid.NotifierConfig{Backoff: time.Millisecond, Now: p.srv.Clock().Now, Logger: discardLogger()}
	first, second := openid.NewNotifier(p.srv.OpenID(), cfg), openid.NewNotifier(p.srv.OpenID(), cfg)
	claimed := 0
	for _, n := range []*openid.Notifier{first, second} {
		got, err := n.Drain(t.Context(), p.srv.Store(), p.srv.Store())
		if err != nil {
			t.Fatalf("Drain: got error %v, want nil", err)
		}
		claimed += got
	}
	if claimed != 1 {
		t.Errorf("Drain by two notifiers: got %d claimed, want 1", claimed)
	}
	waitAll(t, first, second)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.tokens) != 1 {
		t.Fatalf("got %d logout tokens, want 1", len(rc.tokens))
	}
	v, err := keyset.Verify(t.Context(), rc.tokens[0], p.srv.Keys(), []keyset.Algorithm{keyset.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	_ = json.Unmarshal(v.Payload, &claims)
	if claims["sid"] != "sess-1" || claims["sub"] != authtest.DefaultSubject || claims["aud"] != c.ID {
		t.Errorf("logout token: got claims %v, want sid sess-1, sub %s, aud %s", claims, authtest.DefaultSubject, c.ID)
	}
	later := p.srv.Clock().Now().Add(time.Hour)
	if left, _ := p.srv.Store().ClaimLogouts(t.Context(), later, time.Minute, 10); len(left) != 0 {
		t.Errorf("queue after delivery: got %d logouts, want none", len(left))
	}
}

// brokenClients is a client store that cannot be reached.
type brokenClients struct{ storage.ClientStore }

func (brokenClients) GetClient(context.Context, string) (*storage.Client, error) {
	return nil, storage.ErrUnavailable
}

// TestDrainPostponed checks that a logout whose clients cannot be looked
// up stays queued, to be claimed again once its lease lapses.
func TestDrainPostponed(t *testing.T) {
	p := newRP(t, authtest.Config{})
	c := p.srv.AddClient(authtest.Client{BackchannelLogoutURI: "http://127.0.0.1:9/bc"})
	endSession(t, p, "sess-2", c.ID)
	n := openid.NewNotifier(p.srv.OpenID(), openid.NotifierConfig{Now: p.srv.Clock().Now, Logger: discardLogger(), Lease: time.Minute})
	if got, err := n.Drain(t.Context(), p.srv.Store(), brokenClients{}); err != nil || got != 1 {
		t.Fatalf("Drain: got (%d, %v), want (1, nil)", got, err)
	}
	waitAll(t, n)
	tests := []struct {
		name  string
		after time.Duration
		want  int
	}{
		{"within the lease", 30 * time.Second, 0},
		{"once the lease lapsed", time.Minute, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			left, err := p.srv.Store().ClaimLogouts(t.Context(), p.srv.Clock().Now().Add(tt.after), time.Minute, 10)
			if err != nil || len(left) != tt.want {
				t.Errorf("ClaimLogouts: got (%d, %v), want (%d, nil)", len(left), err, tt.want)
			}
		})
	}
}

func waitAll(t *testing.T, notifiers ...*openid.Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, n := range notifiers {
		if err := n.Wait(ctx); err != nil {
			t.Fatalf("Wait: %v", err)
		}
	}
}
