package storage

import (
	"context"
	"slices"
	"time"
)

// PendingLogout is a session that ended and whose clients are still to
// be told, by a logout token sent to each one's backchannel_logout_uri
// (OpenID Connect Back-Channel Logout 1.0 §2.5).
type PendingLogout struct {
	// SessionID is the ID of the ended session (the sid claim); it is
	// also the key of the pending logout.
	SessionID string
	// Subject is the ID of the user who was signed in.
	Subject string
	// Clients are the IDs of the clients the session signed in to.
	Clients []string
	// CreatedAt is when the session ended.
	CreatedAt time.Time
}

// Clone returns a deep copy of l.
func (l *PendingLogout) Clone() *PendingLogout {
	d := *l
	d.Clients = slices.Clone(l.Clients)
	return &d
}

// LogoutQueue is the outbox of Back-Channel Logout: a process that ends
// sessions but cannot sign logout tokens, such as a command-line tool,
// leaves them to the server, and a server that stops before telling every
// client leaves them to the next.
//
// A SessionStore that is also a LogoutQueue queues a PendingLogout in the
// same step as it ends a session that signed in to a client: by
// DeleteSession, by DeleteUserSessions, and by deleting the session's
// user. Sessions that expired and are purged are not queued. Entries stay
// until CompleteLogout removes them.
type LogoutQueue interface {
	// ClaimLogouts returns up to limit pending logouts that are not
	// claimed at now, oldest CreatedAt first and then by SessionID, and
	// claims them until now+lease. Of concurrent callers, each gets
	// different ones. When a claim lapses before CompleteLogout, the
	// logout can be claimed again.
	ClaimLogouts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*PendingLogout, error)
	// CompleteLogout removes the pending logout of session sid, claimed
	// or not; none is not an error.
	CompleteLogout(ctx context.Context, sid string) error
}
