package storagetest

import (
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// RunPushedRequests runs the conformance suite of
// storage.PushedRequestStore (group "PushedRequests") as subtests of t.
// newStore is called once per subtest and must return a new, empty store.
// When the store is also a storage.Purger, the purge of expired requests
// is checked too.
func RunPushedRequests(t *testing.T, newStore func(t *testing.T) storage.PushedRequestStore) {
	runGroup(t, "PushedRequests", pushedTests, newStore)
}

var pushedTests = []test[storage.PushedRequestStore]{
	{"SaveConsume", testPushedSaveConsume},
	{"SaveDuplicate", testPushedDuplicate},
	{"ConsumeUnknown", testPushedUnknown},
	{"ConsumeTwice", testPushedTwice},
	{"ConsumeExpired", testPushedExpired},
	{"ConsumeConcurrent", testPushedConcurrent},
	{"CopyIsolation", testPushedCopyIsolation},
	{"Purge", testPushedPurge},
}

// newPushed returns a pushed request with every field set, distinct for
// each name, created at base and living a minute.
func newPushed(name string) *storage.PushedRequest {
	return &storage.PushedRequest{
		Hash:     secret.Digest("urn:ietf:params:oauth:request_uri:" + name),
		ClientID: "client-" + name,
		Params: map[string]string{
			"client_id": "client-" + name, "response_type": "code",
			"redirect_uri": "https://client.test/cb", "state": "s-" + name,
		},
		Signed:    true,
		CreatedAt: at(0),
		ExpiresAt: at(time.Minute),
	}
}

func pushedDiff(got, want *storage.PushedRequest) diff {
	var d diff
	d.str("Hash", got.Hash, want.Hash)
	d.str("ClientID", got.ClientID, want.ClientID)
	if !maps.Equal(got.Params, want.Params) {
		d = append(d, fmt.Sprintf("Params: got %q, want %q", got.Params, want.Params))
	}
	d.flag("Signed", got.Signed, want.Signed)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	return d
}

func savePushed(t *testing.T, s storage.PushedRequestStore, p *storage.PushedRequest) {
	t.Helper()
	if err := s.SavePushedRequest(t.Context(), p); err != nil {
		t.Fatalf("SavePushedRequest: %v", err)
	}
}

func testPushedSaveConsume(t *testing.T, s storage.PushedRequestStore) {
	want := newPushed("a")
	savePushed(t, s, want)
	got, err := s.ConsumePushedRequest(t.Context(), want.Hash, at(30*time.Second))
	if err != nil {
		t.Fatalf("ConsumePushedRequest: %v", err)
	}
	pushedDiff(got, want).report(t, "pushed request")
}

func testPushedDuplicate(t *testing.T, s storage.PushedRequestStore) {
	p := newPushed("a")
	savePushed(t, s, p)
	if err := s.SavePushedRequest(t.Context(), newPushed("a")); !errors.Is(err, storage.ErrExists) {
		t.Errorf("second save: got %v, want ErrExists", err)
	}
}

func testPushedUnknown(t *testing.T, s storage.PushedRequestStore) {
	savePushed(t, s, newPushed("a"))
	_, err := s.ConsumePushedRequest(t.Context(), newPushed("b").Hash, at(time.Second))
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}

func testPushedTwice(t *testing.T, s storage.PushedRequestStore) {
	p := newPushed("a")
	savePushed(t, s, p)
	if _, err := s.ConsumePushedRequest(t.Context(), p.Hash, at(time.Second)); err != nil {
		t.Fatalf("first consume: %v", err)
	}
	if _, err := s.ConsumePushedRequest(t.Context(), p.Hash, at(2*time.Second)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second consume: got %v, want ErrNotFound", err)
	}
}

// testPushedExpired checks that a request is refused at its expiry and
// after, and is gone afterwards.
func testPushedExpired(t *testing.T, s storage.PushedRequestStore) {
	tests := []struct {
		name string
		now  time.Duration
	}{
		{"AtExpiry", time.Minute},
		{"AfterExpiry", time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPushed(tc.name)
			savePushed(t, s, p)
			if _, err := s.ConsumePushedRequest(t.Context(), p.Hash, at(tc.now)); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
			if _, err := s.ConsumePushedRequest(t.Context(), p.Hash, at(0)); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("after an expired consume: got %v, want ErrNotFound", err)
			}
		})
	}
}

func testPushedConcurrent(t *testing.T, s storage.PushedRequestStore) {
	p := newPushed("a")
	savePushed(t, s, p)
	errs := make([]error, contenders)
	race(func(i int) {
		_, errs[i] = s.ConsumePushedRequest(t.Context(), p.Hash, at(time.Second))
	})
	tally(t, errs, storage.ErrNotFound)
}

func testPushedCopyIsolation(t *testing.T, s storage.PushedRequestStore) {
	p := newPushed("a")
	savePushed(t, s, p)
	p.Params["state"] = "changed"
	got, err := s.ConsumePushedRequest(t.Context(), p.Hash, at(time.Second))
	if err != nil {
		t.Fatalf("ConsumePushedRequest: %v", err)
	}
	if got.Params["state"] != "s-a" {
		t.Errorf("got state %q, want %q: the store kept the caller's map", got.Params["state"], "s-a")
	}
}

// testPushedPurge checks that Purge removes the requests expired before
// the given time and keeps the others, in a store that is a Purger.
func testPushedPurge(t *testing.T, s storage.PushedRequestStore) {
	p, ok := s.(storage.Purger)
	if !ok {
		return // nothing to check: the store expires requests itself
	}
	old, live := newPushed("old"), newPushed("live")
	live.ExpiresAt = at(time.Hour)
	savePushed(t, s, old)
	savePushed(t, s, live)
	n, err := p.Purge(t.Context(), at(2*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("Purge: got (%d, %v), want (1, nil)", n, err)
	}
	if _, err := s.ConsumePushedRequest(t.Context(), live.Hash, at(time.Minute)); err != nil {
		t.Errorf("live request after purge: got %v, want it kept", err)
	}
	if err := s.SavePushedRequest(t.Context(), newPushed("old")); err != nil {
		t.Errorf("saving the purged request again: got %v, want nil (it is gone)", err)
	}
}
