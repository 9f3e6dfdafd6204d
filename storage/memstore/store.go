package memstore

import (
	"sync"
	"time"

	"github.com/grantry/grantry/storage"
)

// Store is an in-memory implementation of storage.ClientRegistry,
// storage.CodeStore, storage.TokenStore, storage.Purger,
// storage.SigningKeyStore, storage.SessionStore, storage.LogoutQueue,
// storage.InitialAccessTokenStore, storage.PushedRequestStore and
// storage.ReplayCache and storage.DeviceStore. It is safe for concurrent
// use. Create one with New; the zero value is not ready for use.
type Store struct {
	// Now returns the current time, by which the replay cache forgets
	// expired JWT IDs; nil means time.Now. Set it, and MaxJTIs, before the
	// store is used.
	Now func() time.Time
	// MaxJTIs bounds how many unexpired JWT IDs the replay cache keeps;
	// zero means DefaultMaxJTIs. Past it SeenJTI fails rather than forget
	// an ID early.
	MaxJTIs int

	mu      sync.RWMutex
	clients map[string]*storage.Client            // by ID
	codes   map[string]*storage.AuthorizationCode // by Hash
	tokens  tokenIndex
	keys    map[string]*storage.SigningKey    // by ID
	pushed  map[string]*storage.PushedRequest // by Hash
	devices devices                           // see device.go

	accounts accounts     // users and consents, see user.go
	sessions sessionIndex // sign-in sessions, see session.go
	// logouts are the pending back-channel logouts by session ID, see
	// logout.go; made on first write.
	logouts map[string]*pendingLogout
	// initialTokens are the initial access tokens of client
	// registration, by ID; see initialtoken.go.
	initialTokens map[string]*storage.InitialAccessToken
	// replays are the JWT IDs seen, see replay.go.
	replays replayIndex
}

// Interface checks.
var (
	_ storage.ClientRegistry  = (*Store)(nil)
	_ storage.CodeStore       = (*Store)(nil)
	_ storage.TokenStore      = (*Store)(nil)
	_ storage.Purger          = (*Store)(nil)
	_ storage.SigningKeyStore = (*Store)(nil)
	_ storage.SessionStore    = (*Store)(nil)
	_ storage.LogoutQueue     = (*Store)(nil)
	_ storage.ReplayCache     = (*Store)(nil)

	_ storage.InitialAccessTokenStore = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		clients: make(map[string]*storage.Client),
		codes:   make(map[string]*storage.AuthorizationCode),
		tokens:  newTokenIndex(),
		keys:    make(map[string]*storage.SigningKey),
	}
}
