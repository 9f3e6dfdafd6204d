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

// purgeLoop deletes expired codes, tokens, sessions and signing keys at
// start and every PurgeInterval until ctx is done. Every process of a
// shared database may run it: the deletes are idempotent.
func (a *app) purgeLoop(ctx context.Context) {
	if a.cfg.PurgeInterval <= 0 {
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

// purge deletes the codes and tokens that expired more than
// purgeRetention ago, and the signing keys that expired.
func (a *app) purge(ctx context.Context) {
	a.purgeKeys(ctx)
	if a.store.purger == nil {
		return
	}
	n, err := a.store.purger.Purge(ctx, time.Now().Add(-purgeRetention))
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.LogAttrs(ctx, slog.LevelWarn, "purge of expired codes, tokens and sessions failed", slog.Any("error", err))
	case n > 0:
		a.log.LogAttrs(ctx, slog.LevelInfo, "purged expired codes, tokens and sessions", slog.Int("removed", n))
	}
	a.checkpoint(ctx)
}

// checkpoint empties SQLite's write-ahead log after a purge, which may
// have filled it, so that the log file stays bounded by what is written
// between two purges.
func (a *app) checkpoint(ctx context.Context) {
	if a.store.checkpoint == nil {
		return
	}
	if err := a.store.checkpoint(ctx); err != nil && ctx.Err() == nil {
		a.log.LogAttrs(ctx, slog.LevelDebug, "write-ahead log checkpoint", slog.Any("error", err))
	}
}

// purgeKeys deletes the signing keys that are no longer published: every
// token they signed has expired.
func (a *app) purgeKeys(ctx context.Context) {
	n, err := a.keyManager.Purge(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.LogAttrs(ctx, slog.LevelWarn, "purge of expired signing keys failed", slog.Any("error", err))
	case n > 0:
		a.log.LogAttrs(ctx, slog.LevelInfo, "purged expired signing keys", slog.Int("removed", n))
	}
}
