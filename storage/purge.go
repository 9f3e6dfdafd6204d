package storage

import (
	"context"
	"time"
)

// Purger removes records that can no longer be used: codes expired before
// the given time, tokens whose access and refresh tokens both expired
// before it, and, in a store that keeps them, sessions expired before it.
type Purger interface {
	Purge(ctx context.Context, before time.Time) (removed int, err error)
}
