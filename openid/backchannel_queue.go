package openid

import (
	"context"
	"errors"
	"log/slog"

	"github.com/grantry/grantry/storage"
)

// drainBatch is how many pending logouts Drain claims at a time.
const drainBatch = 100

// Drain claims the pending logouts of q, the outbox a store fills as it
// ends sessions, and starts telling their clients,
// as Notify does, and returns how many it claimed. Each is completed in q
// once every one of its clients was told or given up on; a client deleted
// since is not told. Several servers sharing q may drain it at once: each
// logout is claimed by one of them for the notifier's Lease. A server
// that stops before completing one leaves it to be claimed again once the
// lease lapses, so a client may be told twice, each time with a logout
// token of its own.
func (n *Notifier) Drain(ctx context.Context, q storage.LogoutQueue, clients storage.ClientStore) (int, error) {
	claimed := 0
	for {
		list, err := q.ClaimLogouts(ctx, n.cfg.Now(), n.cfg.Lease, drainBatch)
		if err != nil {
			return claimed, err
		}
		claimed += len(list)
		for _, l := range list {
			n.send(ctx, q, clients, l)
		}
		if len(list) < drainBatch {
			return claimed, nil
		}
	}
}

// send starts telling the clients of l, and completes l once they were
// told. A client the store cannot look up now leaves l to be claimed
// again.
func (n *Notifier) send(ctx context.Context, q storage.LogoutQueue, store storage.ClientStore, l *storage.PendingLogout) {
	var clients []*storage.Client
	for _, id := range l.Clients {
		c, err := store.GetClient(ctx, id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			continue
		case err != nil:
			n.cfg.Logger.Warn("back-channel logout postponed", slog.String("sid", l.SessionID), slog.Any("error", err))
			return
		}
		clients = append(clients, c)
	}
	bg := context.WithoutCancel(ctx)
	n.notify(clients, l.Subject, l.SessionID, func() {
		if err := q.CompleteLogout(bg, l.SessionID); err != nil {
			n.cfg.Logger.Warn("back-channel logout sent but not completed", slog.String("sid", l.SessionID), slog.Any("error", err))
		}
	})
}
