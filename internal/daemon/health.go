package daemon

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// readyTimeout bounds the database check of /readyz.
const readyTimeout = 2 * time.Second

// serveHealth answers /healthz: the process is up.
func serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// serveReady answers /readyz: 200 while the database answers and the
// server is not shutting down, 503 otherwise, so that a load balancer
// stops sending requests before the process exits.
func (a *app) serveReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if a.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("shutting down\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := a.store.ping(ctx); err != nil {
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "readiness check failed", slog.Any("error", err))
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
