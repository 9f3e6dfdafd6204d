package daemon

import (
	"context"
	"log/slog"
	"time"
)

// purgeRetention is how long expired codes and tokens are kept: a used code
// replayed within it is still recognized, and revokes what it issued (RFC
// 6749 §4.1.2), instead of being unknown.
const purgeRetention = time.Hour

// purgeLoop deletes expired codes, tokens and sessions at start and every
// PurgeInterval until ctx is done. Every process of a shared database may
// run it: the deletes are idempotent.
func (a *app) purgeLoop(ctx context.Context) {
	if a.store.purger == nil || a.cfg.PurgeInterval <= 0 {
		return
	}
	t := time.NewTicker(a.cfg.PurgeInterval)
	defer t.Stop()
	for {
		a.purge(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// purge deletes what expired more than purgeRetention ago.
func (a *app) purge(ctx context.Context) {
	n, err := a.store.purger.Purge(ctx, time.Now().Add(-purgeRetention))
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.LogAttrs(ctx, slog.LevelWarn, "purge of expired codes, tokens and sessions failed", slog.Any("error", err))
	case n > 0:
		a.log.LogAttrs(ctx, slog.LevelInfo, "purged expired codes, tokens and sessions", slog.Int("removed", n))
	}
}
