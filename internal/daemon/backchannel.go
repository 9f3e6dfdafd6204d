package daemon

import (
	"context"
	"log/slog"
	"time"
)

// logoutDrainInterval is how often the server looks for the logouts that
// another process queued, such as grantry session revoke, to send them
// (Back-Channel Logout 1.0). Sign-outs at this server are sent at once.
const logoutDrainInterval = 15 * time.Second

// logoutLoop sends the queued back-channel logouts at start and every
// logoutDrain until ctx is done. Every process of a shared database may
// run it: each logout is claimed by one.
func (a *app) logoutLoop(ctx context.Context) {
	t := time.NewTicker(a.logoutDrain)
	defer t.Stop()
	for {
		a.drainLogouts(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// drainLogouts claims the queued logouts and starts sending them.
func (a *app) drainLogouts(ctx context.Context) {
	n, err := a.logoutNotifier.Drain(ctx, a.store.logouts, a.store.clients)
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.LogAttrs(ctx, slog.LevelWarn, "reading the queued back-channel logouts failed", slog.Any("error", err))
	case n > 0:
		a.log.LogAttrs(ctx, slog.LevelInfo, "sending back-channel logouts", slog.Int("sessions", n))
	}
}
