package daemon

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t)
	if r := h.get(h.browser(), "/healthz"); r.status != http.StatusOK || r.body != "ok\n" {
		t.Errorf("/healthz: %d %q, want 200 ok", r.status, r.body)
	}
	if r := h.get(h.browser(), "/readyz"); r.status != http.StatusOK {
		t.Errorf("/readyz: %d, want 200", r.status)
	}
	h.app.store.ping = func(context.Context) error { return errors.New("connection refused") }
	if r := h.get(h.browser(), "/readyz"); r.status != http.StatusServiceUnavailable || r.body != "database unavailable\n" {
		t.Errorf("/readyz with the database down: %d %q, want 503", r.status, r.body)
	}
	if r := h.get(h.browser(), "/healthz"); r.status != http.StatusOK {
		t.Errorf("/healthz with the database down: %d, want 200", r.status)
	}
	h.app.store.ping = func(context.Context) error { return nil }
	h.app.draining.Store(true)
	if r := h.get(h.browser(), "/readyz"); r.status != http.StatusServiceUnavailable || r.body != "shutting down\n" {
		t.Errorf("/readyz while draining: %d %q, want 503", r.status, r.body)
	}
}
